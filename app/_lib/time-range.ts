/**
 * Time ranges of the console, as kept in the URL: `?range=1h` (a preset ending now) or
 * `?from=ISO&to=ISO` (a fixed window). Parsed once by the route handlers; the client only
 * reads them to highlight the picker. The range cap and the step rule are the query API's
 * (contract/time-window.ts), so the console asks for windows the collector accepts.
 */
import { MAX_RANGE_S, chooseStep } from '../../contract/time-window'

export const PRESETS = {
  '15m': 15 * 60,
  '1h': 60 * 60,
  '6h': 6 * 60 * 60,
  '24h': 24 * 60 * 60,
  '7d': 7 * 24 * 60 * 60,
} as const
export type Preset = keyof typeof PRESETS
export const PRESET_IDS = Object.keys(PRESETS) as Preset[]
export const DEFAULT_PRESET: Preset = '1h'

/** A custom window may end a little in the future (clock skew), not more. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000

export type RangeSpec = { kind: 'preset'; preset: Preset } | { kind: 'custom'; from: Date; to: Date }

export interface ParamError {
  parameter: string
  message: string
}
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ParamError }

type Params = { get(name: string): string | null }

export function isPreset(v: string): v is Preset {
  return Object.prototype.hasOwnProperty.call(PRESETS, v)
}

function parseInstant(name: string, raw: string): Parsed<Date> {
  // Only full ISO 8601 timestamps: `Date.parse` alone would accept "1" or "March 3".
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    return { ok: false, error: { parameter: name, message: `invalid ${name}: got "${raw}", expected an ISO 8601 timestamp with a zone, e.g. 2025-01-31T12:00:00Z` } }
  }
  // V8 rolls "2025-02-30" over to March 2; a calendar check catches it.
  const [y, m, d] = raw.slice(0, 10).split('-').map(Number)
  const ms = Date.parse(raw)
  if (Number.isNaN(ms) || new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d || m < 1 || m > 12) return { ok: false, error: { parameter: name, message: `invalid ${name}: "${raw}" is not a real date` } }
  return { ok: true, value: new Date(ms) }
}

/** Read `range` or `from`+`to`; nothing given means the default preset. */
export function parseRange(params: Params, now: Date): Parsed<RangeSpec> {
  const range = params.get('range')
  const fromRaw = params.get('from')
  const toRaw = params.get('to')
  if (fromRaw !== null || toRaw !== null) {
    if (range !== null) return { ok: false, error: { parameter: 'range', message: 'give either range or from/to, not both' } }
    if (fromRaw === null) return { ok: false, error: { parameter: 'from', message: 'missing from: to was given, expected both from and to' } }
    if (toRaw === null) return { ok: false, error: { parameter: 'to', message: 'missing to: from was given, expected both from and to' } }
    const from = parseInstant('from', fromRaw)
    if (!from.ok) return from
    const to = parseInstant('to', toRaw)
    if (!to.ok) return to
    const span = (to.value.getTime() - from.value.getTime()) / 1000
    if (span <= 0) return { ok: false, error: { parameter: 'to', message: `invalid to: ${toRaw} is not after from ${fromRaw}` } }
    if (span > MAX_RANGE_S) return { ok: false, error: { parameter: 'from', message: `range too long: got ${Math.round(span / 86400)} days, at most ${MAX_RANGE_S / 86400} days` } }
    if (to.value.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) return { ok: false, error: { parameter: 'to', message: `invalid to: ${toRaw} is in the future` } }
    return { ok: true, value: { kind: 'custom', from: from.value, to: to.value } }
  }
  if (range === null || range === '') return { ok: true, value: { kind: 'preset', preset: DEFAULT_PRESET } }
  if (!isPreset(range)) return { ok: false, error: { parameter: 'range', message: `invalid range: got "${range}", expected one of ${PRESET_IDS.join(', ')}` } }
  return { ok: true, value: { kind: 'preset', preset: range } }
}

export interface QueryWindow {
  from: Date
  to: Date
  step: number
}

/** Turn a range into the concrete window sent to the collector; presets end at `now`. */
export function resolveWindow(spec: RangeSpec, now: Date): QueryWindow {
  if (spec.kind === 'custom') {
    const span = (spec.to.getTime() - spec.from.getTime()) / 1000
    return { from: spec.from, to: spec.to, step: chooseStep(span) }
  }
  const span = PRESETS[spec.preset]
  const to = new Date(Math.floor(now.getTime() / 1000) * 1000)
  return { from: new Date(to.getTime() - span * 1000), to, step: chooseStep(span) }
}

/** Span of a range in seconds (for axis formatting on the client). */
export function spanSeconds(spec: RangeSpec): number {
  return spec.kind === 'preset' ? PRESETS[spec.preset] : (spec.to.getTime() - spec.from.getTime()) / 1000
}

/** Human label, e.g. "Last 1 hour" or "Jan 3 10:00 – Jan 3 12:00". */
export function describeRange(spec: RangeSpec): string {
  if (spec.kind === 'preset') {
    const labels: Record<Preset, string> = { '15m': 'Last 15 minutes', '1h': 'Last 1 hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours', '7d': 'Last 7 days' }
    return labels[spec.preset]
  }
  return `${spec.from.toISOString().slice(0, 16).replace('T', ' ')} – ${spec.to.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
