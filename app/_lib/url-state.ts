import { DEFAULT_PRESET, isPreset, type Preset } from './time-range'

/**
 * A page's URL state (Overview, Sub-processors), shared by the picker and the filters. Pure so
 * it is testable: each change returns the next query string (keys in a stable order, defaults
 * omitted). Each page offers some of the filters; the others are simply never set.
 */
export const URL_KEYS = ['range', 'from', 'to', 'factor', 'user_group', 'channel', 'region'] as const
export const FILTER_URL_KEYS = ['factor', 'user_group', 'channel', 'region'] as const
export type FilterUrlKey = (typeof FILTER_URL_KEYS)[number]

type Params = { get(name: string): string | null }

export interface UrlState {
  range?: string
  from?: string
  to?: string
  factor?: string
  user_group?: string
  channel?: string
  region?: string
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

export function withFilter(s: UrlState, key: FilterUrlKey, value: string): UrlState {
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

/** A dynamic route segment as text; a malformed escape is kept as written rather than thrown. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
