import type { ChangeEntry, Registry, Vendor } from '../../dashboards/schema/registry'

/**
 * Change log of the registry. A vendor added or removed, or a change of its scope (channels,
 * regions, personal-data categories), must be recorded as a dated entry in the YAML's
 * `changelog:`. `diffRegistries` drafts the entries for a change; `changelogCovers` says which
 * changes are still unrecorded against a previous version (the IdP can compare against the
 * registry it last started with); `changelogMismatches` checks the log against the file itself:
 * replayed in order, the entries must add up to every vendor's scope as it is written now.
 */

const day = (now: Date | number) => new Date(now).toISOString().slice(0, 10)

function listDiff(before: readonly string[], after: readonly string[]): string {
  const added = after.filter((x) => !before.includes(x))
  const removed = before.filter((x) => !after.includes(x))
  return [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join('; ')
}

const SCOPES = [
  ['channels', 'channels_changed', 'channels'],
  ['regions', 'regions_changed', 'regions'],
  ['dataCategories', 'data_categories_changed', 'data categories'],
] as const satisfies readonly (readonly [keyof Vendor, ChangeEntry['kind'], string])[]

export function diffRegistries(prev: Registry, next: Registry, now: Date | number): ChangeEntry[] {
  const date = day(now)
  const before = new Map(prev.vendors.map((v) => [v.id, v]))
  const after = new Map(next.vendors.map((v) => [v.id, v]))
  const out: ChangeEntry[] = []
  for (const v of next.vendors) {
    const old = before.get(v.id)
    if (!old) {
      out.push({ date, vendor: v.id, kind: 'added', summary: `${v.legalName} added for ${v.channels.join(', ')} in ${v.regions.join(', ')}; data: ${v.dataCategories.join(', ')}` })
      continue
    }
    for (const [field, kind, label] of SCOPES) {
      const change = listDiff(old[field], v[field])
      if (change) out.push({ date, vendor: v.id, kind, summary: `${label}: ${change}` })
    }
  }
  for (const v of prev.vendors)
    if (!after.has(v.id)) out.push({ date, vendor: v.id, kind: 'removed', summary: `${v.legalName} removed (was ${v.channels.join(', ')} in ${v.regions.join(', ')})` })
  return out
}

const same = (a: ChangeEntry, b: ChangeEntry) => a.date === b.date && a.vendor === b.vendor && a.kind === b.kind && a.summary === b.summary

/**
 * Changes not recorded in `registry.changelog`: every current vendor needs an `added` entry,
 * and, given the previous registry, every change since needs a new entry (one not already in
 * the previous log) for that vendor and kind. Returns drafted entries for what is missing.
 */
export function changelogCovers(registry: Registry, prev: Registry | undefined, now: Date | number): ChangeEntry[] {
  const log = registry.changelog
  const recorded = (entries: readonly ChangeEntry[], d: ChangeEntry) => entries.some((c) => c.vendor === d.vendor && c.kind === d.kind)
  const missing = diffRegistries({ ...registry, vendors: [] }, registry, now).filter((d) => !recorded(log, d))
  if (!prev) return missing
  const fresh = log.filter((c) => !prev.changelog.some((p) => same(p, c)))
  for (const d of diffRegistries(prev, registry, now)) if (!recorded(fresh, d) && !recorded(missing, d)) missing.push(d)
  return missing
}

export type Scope = Pick<Vendor, 'channels' | 'regions' | 'dataCategories'>
const LABEL_FIELD: Record<string, keyof Scope> = { channels: 'channels', regions: 'regions', 'data categories': 'dataCategories' }
const KIND_FIELD: Partial<Record<ChangeEntry['kind'], keyof Scope>> = { channels_changed: 'channels', regions_changed: 'regions', data_categories_changed: 'dataCategories' }
/** Summaries may carry a note in parentheses ("push (Android)", "added ip_address (event webhook …)"); the lists are what is outside them. */
const bare = (summary: string) => summary.replace(/\s*\([^()]*\)/g, '').trim()
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)

/**
 * Each vendor's scope as the change log tells it: its `added` entry's channels, regions and data
 * categories, then every `*_changed` entry's additions and removals in order; null once removed.
 * Entries that cannot be applied (a change before the vendor was added, a removal of something
 * it did not have, a summary not in the drafted form) are listed as problems.
 */
export function replayChangelog(log: readonly ChangeEntry[]): { scopes: Map<string, Scope | null>; problems: string[] } {
  const scopes = new Map<string, Scope | null>()
  const problems: string[] = []
  log.forEach((c, i) => {
    const at = `changelog[${i}] (${c.date} ${c.vendor} ${c.kind})`
    const text = bare(c.summary)
    const now = scopes.get(c.vendor)
    if (c.kind === 'added') {
      const m = / added for (.+?) in (.+?); data: (.+)$/.exec(text)
      if (!m) return void problems.push(`${at}: summary not in the form "<name> added for <channels> in <regions>; data: <categories>"`)
      if (now) problems.push(`${at}: ${c.vendor} was already added`)
      scopes.set(c.vendor, { channels: list(m[1]) as Scope['channels'], regions: list(m[2]), dataCategories: list(m[3]) as Scope['dataCategories'] })
      return
    }
    if (!now) return void problems.push(`${at}: ${c.vendor} is not in the log as added (or was removed before)`)
    if (c.kind === 'removed') return void scopes.set(c.vendor, null)
    const field = KIND_FIELD[c.kind]!
    const m = /^([a-z ]+): (.+)$/.exec(text)
    if (!m || LABEL_FIELD[m[1]] !== field) return void problems.push(`${at}: summary not in the form "${Object.keys(LABEL_FIELD).find((k) => LABEL_FIELD[k] === field)}: added …; removed …"`)
    let values: string[] = [...now[field]]
    for (const part of m[2].split(';').map((x) => x.trim())) {
      const op = /^(added|removed) (.+)$/.exec(part)
      if (!op) return void problems.push(`${at}: "${part}" is neither "added …" nor "removed …"`)
      for (const x of list(op[2])) {
        if (op[1] === 'added' && values.includes(x)) problems.push(`${at}: adds ${x}, which ${c.vendor} already had`)
        if (op[1] === 'removed' && !values.includes(x)) problems.push(`${at}: removes ${x}, which ${c.vendor} did not have`)
        values = op[1] === 'added' ? [...values.filter((v) => v !== x), x] : values.filter((v) => v !== x)
      }
    }
    scopes.set(c.vendor, { ...now, [field]: values })
  })
  return { scopes, problems }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x))
const SCOPE_KIND = Object.fromEntries(Object.entries(KIND_FIELD).map(([k, f]) => [f, k])) as Record<keyof Scope, ChangeEntry['kind']>

/**
 * Where the change log and the registry disagree: every vendor listed must be in the log with
 * the scope it has in the file, and every vendor the log still holds must be listed. Empty when
 * the log tells the truth about the file, whatever its git history.
 */
export function changelogMismatches(registry: Registry): string[] {
  const { scopes, problems } = replayChangelog(registry.changelog)
  const out = [...problems]
  const listed = new Set(registry.vendors.map((v) => v.id))
  for (const v of registry.vendors) {
    const told = scopes.get(v.id)
    if (!told) {
      out.push(`vendors.${v.id}: no "added" entry in the change log${told === null ? ' after its "removed" one' : ''}`)
      continue
    }
    for (const field of ['channels', 'regions', 'dataCategories'] as const)
      if (!sameSet(told[field], v[field])) out.push(`vendors.${v.id}.${field}: the file says [${v[field].join(', ')}], the change log adds up to [${told[field].join(', ')}]; record a ${SCOPE_KIND[field]} entry`)
  }
  for (const [id, scope] of scopes) if (scope && !listed.has(id)) out.push(`changelog: ${id} is not in vendors; record its "removed" entry`)
  return out
}
