import type { Matcher, SilenceState } from '../../contract'

/** A silence or maintenance window as the engine keeps it (times in ms). */
export interface Mute { id: string; kind: 'silence' | 'maintenance'; name: string; matchers: Matcher[]; startsAt: number; endsAt: number; createdBy: string; comment: string; source: 'api' | 'file' }

/** Alertmanager's matcher semantics: =, !=, =~, !~ (regex anchored to the whole value). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? ''
  let hit: boolean
  if (m.isRegex) {
    try {
      hit = new RegExp(`^(?:${m.value})$`).test(v)
    } catch {
      hit = false
    }
  } else hit = v === m.value
  return m.isEqual === false ? !hit : hit
}

export function muteState(m: Pick<Mute, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now >= m.endsAt) return 'expired'
  return now < m.startsAt ? 'pending' : 'active'
}

/** Ids of the active mutes whose matchers all match the labels. */
export function mutedBy(mutes: readonly Mute[], labels: Readonly<Record<string, string>>, now: number, kind: Mute['kind']): string[] {
  return mutes.filter((m) => m.kind === kind && muteState(m, now) === 'active' && m.matchers.every((x) => matches(x, labels))).map((m) => m.id)
}

/** A regex matcher that does not compile is a 400, not a silence that never matches. */
export function badRegex(matchers: readonly Matcher[]): string | null {
  for (const [i, m] of matchers.entries()) {
    if (!m.isRegex) continue
    try {
      new RegExp(m.value)
    } catch {
      return `matchers[${i}].value: not a valid regular expression: ${JSON.stringify(m.value).slice(0, 80)}`
    }
  }
  return null
}
