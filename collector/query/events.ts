import type { EventJson } from '../../contract/query'
import type { EventsRequest } from './params'
import type { Row, SqlQuery } from './types'
import { EVENTS, WINDOW, baseParams, filterSql, num } from './sql'
import { FILTER_KEYS } from './types'

/** Columns returned by the events list (contract names without `mfa.`), in response order. */
const STRING_COLUMNS = [
  'event_id', 'schema_version', 'flow_id', 'factor', 'provider', 'channel', 'outcome', 'reason', 'user_hash', 'user_group',
  'region', 'country', 'client', 'risk_level', 'gameday_id', 'intent', 'provider_message_id', 'http_status_class',
  'fallback_from', 'fallback_to', 'circuit_state', 'circuit_from_state', 'trace_id', 'span_id',
] as const
/** Stored as 0 when absent; a zero is only meaningful on enrollment snapshots. */
const NUMBER_COLUMNS = ['attempt', 'cost_micros', 'enrolled_count', 'total_count'] as const

export function eventsSql(req: EventsRequest): SqlQuery {
  const where = [WINDOW, filterSql(req.filters, FILTER_KEYS)]
  const extra: Record<string, string> = {}
  if (req.event !== undefined) { where.push('event = {event:String}'); extra.event = req.event }
  if (req.outcome !== undefined) { where.push('outcome = {outcome:String}'); extra.outcome = req.outcome }
  if (req.flowId !== undefined) { where.push('flow_id = {flow_id:String}'); extra.flow_id = req.flowId }
  const query = `
SELECT ts, event, service, latency_ms, attributes, ${[...STRING_COLUMNS, ...NUMBER_COLUMNS].join(', ')}
FROM ${EVENTS}
WHERE ${where.join(' AND ')}
ORDER BY ts DESC, event_id
LIMIT 1 BY event_id
LIMIT {limit:UInt32}`
  return { query, params: baseParams(req.window, req.filters, { ...extra, limit: req.limit }) }
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' (UTC) → ISO 8601 with Z. */
export function isoFromClickHouse(ts: unknown): string {
  const s = String(ts)
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : new Date(s).toISOString()
}

/** One stored row → API shape: empty strings and absent numbers omitted, unknown attributes kept. */
export function shapeEvent(row: Row): EventJson {
  const out: Record<string, string | number | Record<string, string>> = { ts: isoFromClickHouse(row.ts), event: String(row.event) }
  if (row.service) out.service = String(row.service)
  for (const c of STRING_COLUMNS) if (typeof row[c] === 'string' && row[c] !== '') out[c] = row[c] as string
  if (row.latency_ms !== null && row.latency_ms !== undefined) out.latency_ms = num(row.latency_ms)
  const snapshot = row.event === 'mfa.enrollment.snapshot'
  for (const c of NUMBER_COLUMNS) {
    const v = num(row[c] ?? 0)
    if (v !== 0 || (snapshot && (c === 'enrolled_count' || c === 'total_count'))) out[c] = v
  }
  out.attributes = row.attributes && typeof row.attributes === 'object' ? (row.attributes as Record<string, string>) : {}
  // The columns above are EventJson's optional fields (the query API test parses real rows with it).
  return out as EventJson
}
