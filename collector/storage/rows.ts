import { ATTR, type AttrKey } from '../../contract'

/** One row of `mfa_events` as inserted with JSONEachRow (see migrations/0001_mfa_events.sql). */
export interface MfaEventRow {
  ts: string // 'YYYY-MM-DD HH:MM:SS.mmm' UTC
  event: string
  event_id: string
  schema_version: string
  service: string
  flow_id: string
  factor: string
  provider: string
  channel: string
  outcome: string
  reason: string
  latency_ms: number | null
  attempt: number
  user_hash: string
  user_group: string
  region: string
  country: string
  client: string
  risk_level: string
  cost_micros: number
  gameday_id: string
  intent: string
  provider_message_id: string
  http_status_class: string
  fallback_from: string
  fallback_to: string
  circuit_state: string
  circuit_from_state: string
  enrolled_count: number
  total_count: number
  trace_id: string
  span_id: string
  attributes: Record<string, string>
}

type StringColumn = Exclude<{ [K in keyof MfaEventRow]: MfaEventRow[K] extends string ? K : never }[keyof MfaEventRow], 'ts' | 'event' | 'service' | 'trace_id' | 'span_id'>
type NumberColumn = 'attempt' | 'cost_micros' | 'enrolled_count' | 'total_count'

/** Contract attribute → typed column. Everything else lands in `attributes`. */
export const STRING_COLUMNS: ReadonlyArray<[AttrKey, StringColumn]> = [
  [ATTR.eventId, 'event_id'],
  [ATTR.schemaVersion, 'schema_version'],
  [ATTR.flowId, 'flow_id'],
  [ATTR.factor, 'factor'],
  [ATTR.provider, 'provider'],
  [ATTR.channel, 'channel'],
  [ATTR.outcome, 'outcome'],
  [ATTR.reason, 'reason'],
  [ATTR.userHash, 'user_hash'],
  [ATTR.userGroup, 'user_group'],
  [ATTR.region, 'region'],
  [ATTR.country, 'country'],
  [ATTR.client, 'client'],
  [ATTR.riskLevel, 'risk_level'],
  [ATTR.gamedayId, 'gameday_id'],
  [ATTR.intent, 'intent'],
  [ATTR.providerMessageId, 'provider_message_id'],
  [ATTR.httpStatusClass, 'http_status_class'],
  [ATTR.fallbackFrom, 'fallback_from'],
  [ATTR.fallbackTo, 'fallback_to'],
  [ATTR.circuitState, 'circuit_state'],
  [ATTR.circuitFromState, 'circuit_from_state'],
]
export const NUMBER_COLUMNS: ReadonlyArray<[AttrKey, NumberColumn]> = [
  [ATTR.attempt, 'attempt'],
  [ATTR.costMicros, 'cost_micros'],
  [ATTR.enrolledCount, 'enrolled_count'],
  [ATTR.totalCount, 'total_count'],
]
const TYPED = new Set<string>([ATTR.eventName, ATTR.latencyMs, ...STRING_COLUMNS.map(([k]) => k), ...NUMBER_COLUMNS.map(([k]) => k)])

/** ClickHouse DateTime64(3) text for an epoch-millisecond instant. */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

/**
 * Map a contract-valid attribute set to a row. `attrs` must already have passed
 * `validateEvent`; values are stringified for the map column.
 */
export function mfaEventRow(input: {
  tsMs: number
  service: string
  attrs: Record<string, unknown>
  traceId?: string
  spanId?: string
}): MfaEventRow {
  const a = input.attrs
  const row = {
    ts: chTime(input.tsMs),
    event: String(a[ATTR.eventName]),
    service: input.service,
    latency_ms: a[ATTR.latencyMs] === undefined || a[ATTR.latencyMs] === null ? null : Number(a[ATTR.latencyMs]),
    trace_id: input.traceId ?? '',
    span_id: input.spanId ?? '',
    attributes: {} as Record<string, string>,
  } as MfaEventRow
  for (const [key, col] of STRING_COLUMNS) row[col] = a[key] === undefined || a[key] === null ? '' : String(a[key])
  for (const [key, col] of NUMBER_COLUMNS) row[col] = a[key] === undefined || a[key] === null ? 0 : Number(a[key])
  for (const [key, value] of Object.entries(a)) {
    if (TYPED.has(key) || value === undefined || value === null) continue
    row.attributes[key] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return row
}
