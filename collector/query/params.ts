import { z } from 'zod'
import { Channel, Client, EVENT_NAMES, Factor, Outcome, UserGroup } from '../../contract'
import { MAX_BUCKETS, MAX_RANGE_S, MIN_STEP_S, chooseStep } from '../../contract/time-window'
import { FILTER_KEYS, type Filters, METRIC_IDS, type MetricId, type Parsed, type QueryWindow } from './types'

/** Limits of a query window (range, step, buckets: contract/time-window.ts, shared with the console); README.md documents them. */
export { MAX_RANGE_S }
export const DEFAULT_RANGE_S = 3600
export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/
const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/
export const FLOW_RE = /^[\x21-\x7e]{1,128}$/

export function quote(v: unknown): string {
  const s = String(v)
  return `'${s.length > 80 ? `${s.slice(0, 80)}…` : s}'`
}

const isoTime = (name: string) =>
  z.string().transform((s, ctx) => {
    const ms = ISO_RE.test(s) ? Date.parse(s) : Number.NaN
    // V8 rolls 2025-02-30 over to March 2: check the calendar day survived parsing.
    const day = Number(s.slice(8, 10))
    const realDay = Number.isNaN(ms) ? -1 : new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, day)).getUTCDate()
    if (Number.isNaN(ms) || realDay !== day) {
      ctx.addIssue({ code: 'custom', message: `${name}: expected ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z), got ${quote(s)}` })
      return z.NEVER
    }
    return ms
  }).meta({ type: 'string', format: 'date-time' })

export const intParam = (name: string, min: number, max: number) =>
  z.string().transform((s, ctx) => {
    const n = /^\d{1,12}$/.test(s) ? Number(s) : Number.NaN
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name}: expected an integer from ${min} to ${max}, got ${quote(s)}` })
      return z.NEVER
    }
    return n
  }).meta({ type: 'integer', minimum: min, maximum: max })

export const oneOf = <T extends string>(name: string, values: readonly T[]) =>
  z.enum(values as unknown as [T, ...T[]], { error: (iss) => `${name}: expected one of ${values.join(', ')}, got ${quote(iss.input)}` })

export const label = (name: string) =>
  z.string().regex(LABEL_RE, { error: (iss) => `${name}: expected a label of letters, digits and _.:- (at most 64), got ${quote(iss.input)}` })

/** Filters shared by every endpoint: closed enums from the contract, labels for vendors and regions. */
export const filterShape = {
  factor: oneOf('factor', Factor.options).optional(),
  provider: label('provider').optional(),
  region: label('region').optional(),
  user_group: oneOf('user_group', UserGroup.options).optional(),
  client: oneOf('client', Client.options).optional(),
}

export const windowShape = {
  from: isoTime('from').optional(),
  to: isoTime('to').optional(),
  step: intParam('step', MIN_STEP_S, MAX_RANGE_S).optional(),
}

/** Query string → plain object; a repeated or unknown parameter is an error naming it. */
function toObject(params: URLSearchParams, allowed: readonly string[]): Parsed<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [key, value] of params) {
    if (!allowed.includes(key)) return fail(key, `${key}: unknown parameter, expected one of ${allowed.join(', ')}`)
    if (key in out) return fail(key, `${key}: given more than once`)
    out[key] = value
  }
  return { ok: true, value: out }
}

export function fail(parameter: string, message: string): { ok: false; error: { parameter: string; message: string } } {
  return { ok: false, error: { parameter, message } }
}

export function parseObject<S extends z.ZodRawShape>(shape: S, params: URLSearchParams): Parsed<z.output<z.ZodObject<S>>> {
  const raw = toObject(params, Object.keys(shape))
  if (!raw.ok) return raw
  const parsed = z.object(shape).safeParse(raw.value)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]
  const parameter = String(issue.path[0] ?? 'query')
  return fail(parameter, issue.message.startsWith(`${parameter}:`) ? issue.message : `${parameter}: ${issue.message}`)
}

/** Defaults and cross-field rules: from < to, range cap, step floor and bucket cap. */
export function resolveWindow(w: { from?: number; to?: number; step?: number }, nowMs: number): Parsed<QueryWindow> {
  const toMs = w.to ?? (w.from !== undefined ? Math.max(nowMs, w.from + 1000) : nowMs)
  const fromMs = w.from ?? toMs - DEFAULT_RANGE_S * 1000
  if (fromMs >= toMs) return fail('from', `from: must be before to, got from=${new Date(fromMs).toISOString()} to=${new Date(toMs).toISOString()}`)
  const spanS = (toMs - fromMs) / 1000
  if (spanS > MAX_RANGE_S) return fail('from', `from: range too long, got ${Math.ceil(spanS / 86400)} days, at most ${MAX_RANGE_S / 86400} days`)
  const stepS = w.step ?? chooseStep(spanS)
  const buckets = Math.ceil(spanS / stepS)
  if (buckets > MAX_BUCKETS) {
    return fail('step', `step: ${stepS}s gives ${buckets} buckets over ${spanS}s, at most ${MAX_BUCKETS}; use step >= ${Math.ceil(spanS / MAX_BUCKETS)}`)
  }
  return { ok: true, value: { fromMs, toMs, stepS } }
}

export function pickFilters(v: Record<string, unknown>): Filters {
  const f: Filters = {}
  for (const k of FILTER_KEYS) if (typeof v[k] === 'string') f[k] = v[k] as string
  return f
}

export interface MetricsRequest { ids: MetricId[]; window: QueryWindow; filters: Filters }

const idsParam = z.string().transform((s, ctx) => {
  const ids = s.split(',').map((x) => x.trim()).filter((x) => x !== '')
  const bad = ids.find((x) => !(METRIC_IDS as readonly string[]).includes(x.toUpperCase()))
  if (ids.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `ids: unknown metric ${quote(bad ?? s)}, expected a comma-separated list of ${METRIC_IDS.join(', ')}` })
    return z.NEVER
  }
  return [...new Set(ids.map((x) => x.toUpperCase() as MetricId))]
})

/** The query parameters of `GET /api/v1/metrics` (also its OpenAPI parameters). */
export const METRICS_PARAMS = { ids: idsParam.optional(), ...windowShape, ...filterShape }

/** `GET /api/v1/metrics`: ids (default M1,M2), window, filters. */
export function parseMetricsRequest(params: URLSearchParams, nowMs: number): Parsed<MetricsRequest> {
  const p = parseObject(METRICS_PARAMS, params)
  if (!p.ok) return p
  const window = resolveWindow(p.value, nowMs)
  if (!window.ok) return window
  return { ok: true, value: { ids: p.value.ids ?? ['M1', 'M2'], window: window.value, filters: pickFilters(p.value) } }
}

export interface OutcomesRequest { window: QueryWindow; filters: Filters }

/** The query parameters of `GET /api/v1/outcomes` and of the windowed reports. */
export const OUTCOMES_PARAMS = { ...windowShape, ...filterShape }

/** `GET /api/v1/outcomes`: window and filters. */
export function parseOutcomesRequest(params: URLSearchParams, nowMs: number): Parsed<OutcomesRequest> {
  const p = parseObject(OUTCOMES_PARAMS, params)
  if (!p.ok) return p
  const window = resolveWindow(p.value, nowMs)
  if (!window.ok) return window
  return { ok: true, value: { window: window.value, filters: pickFilters(p.value) } }
}

export interface EventsRequest {
  window: QueryWindow
  filters: Filters
  event?: string
  outcome?: string
  flowId?: string
  limit: number
}

/** The query parameters of `GET /api/v1/events`. */
export const EVENTS_PARAMS = {
  event: oneOf('event', EVENT_NAMES).optional(),
  from: windowShape.from,
  to: windowShape.to,
  limit: intParam('limit', 1, MAX_LIMIT).optional(),
  outcome: oneOf('outcome', Outcome.options).optional(),
  flow_id: z.string().regex(FLOW_RE, { error: (iss) => `flow_id: expected 1-128 printable ASCII characters, got ${quote(iss.input)}` }).optional(),
  ...filterShape,
}

/** `GET /api/v1/events`: window (step unused), event name, filters, outcome, flow_id, limit. */
export function parseEventsRequest(params: URLSearchParams, nowMs: number): Parsed<EventsRequest> {
  const p = parseObject(EVENTS_PARAMS, params)
  if (!p.ok) return p
  // The events list has no buckets: ask for one bucket's worth so the step rule never trips.
  const window = resolveWindow({ from: p.value.from, to: p.value.to, step: MAX_RANGE_S }, nowMs)
  if (!window.ok) return window
  return {
    ok: true,
    value: {
      window: window.value,
      filters: pickFilters(p.value),
      event: p.value.event,
      outcome: p.value.outcome,
      flowId: p.value.flow_id,
      limit: p.value.limit ?? DEFAULT_LIMIT,
    },
  }
}

/** Sub-processor health: filters are channel and region; the series also names one provider. */
export interface ProvidersRequest { window: QueryWindow; channel?: string; region?: string }
export interface ProviderSeriesRequest extends ProvidersRequest { provider: string }

/** The query parameters of `GET /api/v1/providers`; the series adds `provider` (required). */
export const PROVIDERS_PARAMS = { ...windowShape, channel: oneOf('channel', Channel.options).optional(), region: filterShape.region }
export const PROVIDER_SERIES_PARAMS = { ...PROVIDERS_PARAMS, provider: label('provider').optional() }

/** `GET /api/v1/providers`: window, channel, region. */
export function parseProvidersRequest(params: URLSearchParams, nowMs: number): Parsed<ProvidersRequest> {
  const p = parseObject(PROVIDERS_PARAMS, params)
  if (!p.ok) return p
  const window = resolveWindow(p.value, nowMs)
  if (!window.ok) return window
  return { ok: true, value: { window: window.value, channel: p.value.channel, region: p.value.region } }
}

/** `GET /api/v1/providers/series`: provider (required), window, channel, region. */
export function parseProviderSeriesRequest(params: URLSearchParams, nowMs: number): Parsed<ProviderSeriesRequest> {
  const p = parseObject(PROVIDER_SERIES_PARAMS, params)
  if (!p.ok) return p
  if (p.value.provider === undefined) return fail('provider', 'provider: required, expected a vendor id such as twilio')
  const window = resolveWindow(p.value, nowMs)
  if (!window.ok) return window
  return { ok: true, value: { window: window.value, provider: p.value.provider, channel: p.value.channel, region: p.value.region } }
}
