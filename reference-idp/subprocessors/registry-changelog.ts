import type { ChangeEntry, Registry, Vendor } from '../../dashboards/schema/registry'

/**
 * Change log of the registry. A vendor added or removed, or a change of its scope (channels,
 * regions, personal-data categories), must be recorded as a dated entry in the YAML's
 * `changelog:`. `diffRegistries` drafts the entries for a change; `changelogCovers` says which
 * changes are still unrecorded (CI compares against the committed version; the IdP can compare
 * against the registry it last started with).
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
export function changelogCovers(registry: Registry, prev?: Registry, now: Date | number = Date.now()): ChangeEntry[] {
  const log = registry.changelog
  const recorded = (entries: readonly ChangeEntry[], d: ChangeEntry) => entries.some((c) => c.vendor === d.vendor && c.kind === d.kind)
  const missing = diffRegistries({ ...registry, vendors: [] }, registry, now).filter((d) => !recorded(log, d))
  if (!prev) return missing
  const fresh = log.filter((c) => !prev.changelog.some((p) => same(p, c)))
  for (const d of diffRegistries(prev, registry, now)) if (!recorded(fresh, d) && !recorded(missing, d)) missing.push(d)
  return missing
}
