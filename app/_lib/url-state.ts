import { DEFAULT_PRESET, isPreset, type Preset } from './time-range'

/**
 * The Overview's URL state, shared by the picker and the filters. Pure so it is testable:
 * each change returns the next query string (keys in a stable order, defaults omitted).
 */
export const URL_KEYS = ['range', 'from', 'to', 'factor', 'user_group'] as const

type Params = { get(name: string): string | null }

export interface UrlState {
  range?: string
  from?: string
  to?: string
  factor?: string
  user_group?: string
}

export function readUrlState(p: Params): UrlState {
  const s: UrlState = {}
  for (const k of URL_KEYS) {
    const v = p.get(k)
    if (v) s[k] = v
  }
  return s
}

export function toQuery(s: UrlState): string {
  const q = new URLSearchParams()
  for (const k of URL_KEYS) if (s[k]) q.set(k, s[k]!)
  return q.toString()
}

export function withPreset(s: UrlState, preset: Preset): UrlState {
  const { from: _f, to: _t, ...rest } = s
  return { ...rest, range: preset }
}

export function withCustom(s: UrlState, from: Date, to: Date): UrlState {
  const { range: _r, ...rest } = s
  return { ...rest, from: from.toISOString(), to: to.toISOString() }
}

export function withFilter(s: UrlState, key: 'factor' | 'user_group', value: string): UrlState {
  const next = { ...s }
  if (value) next[key] = value
  else delete next[key]
  return next
}

/**
 * Which picker option is active: a preset, "custom", the default when nothing is given, or
 * none for a range the console does not know (so every preset stays clickable to fix it).
 */
export function activeOption(s: UrlState): Preset | 'custom' | null {
  if (s.from || s.to) return 'custom'
  if (!s.range) return DEFAULT_PRESET
  return isPreset(s.range) ? s.range : null
}
