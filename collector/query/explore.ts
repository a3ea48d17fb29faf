import type { ClickHouseClient } from '@clickhouse/client'
import { z } from 'zod'
import { Outcome, RiskLevel } from '../../contract'
import type { Breakdown, FailuresReport, FlowTimeline } from '../../contract/security'
import { isoFromClickHouse } from './events'
import { DEFAULT_LIMIT, FLOW_RE, MAX_LIMIT, MAX_RANGE_S, fail, filterShape, intParam, label, oneOf, parseObject, pickFilters, quote, resolveWindow, windowShape } from './params'
import { runSql, windowJson } from './run'
import type { ReportRequest } from './security-sql'
import { ratio } from './series'
import { WINDOW, baseParams, filterSql, num, numOrNull } from './sql'
import { FILTER_KEYS, type Parsed, type QueryWindow, type Row, type SqlQuery } from './types'
import { RAW as RAW_SOURCE, ROLLUP_1H, ROLLUP_AFTER_S, type Source } from './source'
import { PROVIDERS_ROLLUP } from './providers'

/** Explore: failed challenges by every dimension, one flow's timeline with its spans, breakdowns. */

/**
 * Lists and breakdowns scan a whole window of verifications: read without FINAL and count
 * distinct event ids (LIMIT 1 BY event_id for lists), which tolerates re-deliveries far cheaper.
 */
const RAW = 'mfa_events'

export interface FailuresRequest extends ReportRequest { outcome?: string; reason?: string; risk_level?: string; country?: string; attempt?: number; limit: number }
const EXTRA = ['outcome', 'reason', 'risk_level', 'country', 'attempt'] as const

/** The query parameters of `GET /api/v1/explore/failures`. */
export const FAILURES_PARAMS = {
  ...windowShape, ...filterShape,
  outcome: oneOf('outcome', Outcome.options.filter((o) => o !== 'success')).optional(),
  reason: label('reason').optional(),
  risk_level: oneOf('risk_level', RiskLevel.options).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, { error: (iss) => `country: expected an ISO 3166-1 alpha-2 code such as DE, got ${quote(iss.input)}` }).optional(),
  attempt: intParam('attempt', 1, 65_535).optional(),
  limit: intParam('limit', 1, MAX_LIMIT).optional(),
}

export function parseFailuresRequest(params: URLSearchParams, nowMs: number): Parsed<FailuresRequest> {
  const p = parseObject(FAILURES_PARAMS, params)
  if (!p.ok) return p
  const window = resolveWindow(p.value, nowMs)
  if (!window.ok) return window
  const { outcome, reason, risk_level, country, attempt } = p.value
  return { ok: true, value: { window: window.value, filters: pickFilters(p.value), outcome, reason, risk_level, country, attempt, limit: p.value.limit ?? DEFAULT_LIMIT } }
}

export function failuresSql(req: FailuresRequest, count = false): SqlQuery {
  const where = ["event = 'mfa.challenge.verified'", "outcome != 'success'", WINDOW, filterSql(req.filters, FILTER_KEYS)]
  const extra: Record<string, string | number> = { limit: req.limit }
  for (const k of EXTRA) {
    if (req[k] === undefined) continue
    where.push(`${k} = {x_${k}:${k === 'attempt' ? 'UInt16' : 'String'}}`)
    extra[`x_${k}`] = req[k]!
  }
  // The list reads the table's sort order backwards from `to` and stops after the limit (no
  // LIMIT BY, which would read the whole window): a few extra rows cover re-deliveries not yet
  // merged away, dropped by event id in runFailures. The total of a long window without the
  // filters the rollup lacks (risk level, country, attempt) is the hourly rollup's, its first
  // hour whole; otherwise distinct event ids of the window.
  const rollup = count && (req.window.toMs - req.window.fromMs) / 1000 > ROLLUP_AFTER_S && EXTRA.every((k) => k === 'outcome' || k === 'reason' || req[k] === undefined)
  if (rollup) return { query: `SELECT ${ROLLUP_1H.countIf('1')} AS n FROM ${ROLLUP_1H.from} WHERE ${where.slice(0, 2).join(' AND ')} AND ${ROLLUP_1H.window} AND ${where.slice(3).join(' AND ')}`, params: baseParams(req.window, req.filters, extra) }
  const query = count
    ? `SELECT uniq(event_id) AS n FROM ${RAW} WHERE ${where.join(' AND ')}`
    : `SELECT ts, event_id, flow_id, factor, provider, region, client, country, user_group, outcome, reason, risk_level, attempt, latency_ms, user_hash
FROM ${RAW} WHERE ${where.join(' AND ')} ORDER BY ts DESC LIMIT {fetch:UInt32}`
  return { query, params: baseParams(req.window, req.filters, { ...extra, fetch: req.limit + DUPLICATE_MARGIN }) }
}

/** Extra rows fetched so that dropping re-delivered duplicates still fills the limit. */
const DUPLICATE_MARGIN = 20

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/**
 * The list looks back from `to` over these spans first, then the whole window: the newest failures
 * of a month are almost always in its last hour, and reading backwards in order over a month's
 * daily partitions cost ~100 ms at the demo's scale however few rows were wanted.
 */
export const FAILURES_LOOKBACK_MS = [3_600_000, 24 * 3_600_000] as const

/** The newest `limit` failures, one row per event id, from the shortest look-back that has them all. */
async function newestFailures(client: ClickHouseClient, req: FailuresRequest): Promise<Row[]> {
  const spans = [...FAILURES_LOOKBACK_MS.filter((s) => s < req.window.toMs - req.window.fromMs), req.window.toMs - req.window.fromMs]
  let rows: Row[] = []
  for (const span of spans) {
    const seen = new Set<string>()
    const listed = await runSql(client, failuresSql({ ...req, window: { ...req.window, fromMs: req.window.toMs - span } }))
    rows = listed.filter((r) => !seen.has(String(r.event_id)) && seen.add(String(r.event_id))).slice(0, req.limit)
    if (rows.length >= req.limit) break
  }
  return rows
}

export async function runFailures(client: ClickHouseClient, req: FailuresRequest): Promise<FailuresReport> {
  const [rows, counted] = await Promise.all([newestFailures(client, req), runSql(client, failuresSql(req, true))])
  const total = num(counted[0]?.n ?? 0)
  return {
    window: windowJson(req.window),
    total,
    events: rows.map((r) => ({
      ts: isoFromClickHouse(r.ts), flow_id: str(r.flow_id), factor: str(r.factor), provider: str(r.provider), region: str(r.region), client: str(r.client),
      country: str(r.country), user_group: str(r.user_group), outcome: String(r.outcome), reason: str(r.reason), risk_level: str(r.risk_level),
      attempt: num(r.attempt) > 0 ? num(r.attempt) : null, latency_ms: numOrNull(r.latency_ms), user_hash: str(r.user_hash),
    })),
  }
}

export interface FlowRequest { flowId: string; window: QueryWindow }
/** Without from/to a flow is looked for over the last 30 days. */
export const FLOW_DEFAULT_RANGE_MS = 30 * 24 * 3600 * 1000

/** The query parameters of `GET /api/v1/explore/flow` (`flow_id` is required). */
export const FLOW_PARAMS = { from: windowShape.from, to: windowShape.to, flow_id: z.string().regex(FLOW_RE, { error: (iss) => `flow_id: expected 1-128 printable ASCII characters, got ${quote(iss.input)}` }).optional() }

export function parseFlowRequest(params: URLSearchParams, nowMs: number): Parsed<FlowRequest> {
  const p = parseObject(FLOW_PARAMS, params)
  if (!p.ok) return p
  if (p.value.flow_id === undefined) return fail('flow_id', 'flow_id: required, expected the mfa.flow_id of one sign-in')
  const to = p.value.to ?? nowMs
  const window = resolveWindow({ from: p.value.from ?? to - FLOW_DEFAULT_RANGE_MS, to, step: MAX_RANGE_S }, nowMs)
  if (!window.ok) return window
  return { ok: true, value: { flowId: p.value.flow_id, window: window.value } }
}

export function flowEventsSql(req: FlowRequest): SqlQuery {
  const query = `
SELECT ts, toUnixTimestamp64Milli(ts) AS ms, event, reason, outcome, factor, provider, channel, latency_ms, trace_id
FROM ${RAW} WHERE flow_id = {flow_id:String} AND ${WINDOW} ORDER BY ts, event_id LIMIT 1 BY event_id LIMIT 500`
  return { query, params: { from_ms: req.window.fromMs, to_ms: req.window.toMs, flow_id: req.flowId } }
}

/** Spans of the flow's traces, read only in the hour around the flow. */
export function flowSpansSql(traceIds: string[], fromMs: number, toMs: number): SqlQuery {
  const query = `
SELECT TraceId, SpanId, ParentSpanId, SpanName, ServiceName, toUnixTimestamp64Nano(Timestamp) AS start_ns, Duration, StatusCode
FROM otel_traces
WHERE TraceId IN {trace_ids:Array(String)}
  AND Timestamp >= fromUnixTimestamp64Milli({from_ms:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to_ms:Int64})
ORDER BY Timestamp LIMIT 2000`
  return { query, params: { trace_ids: traceIds, from_ms: fromMs - 3_600_000, to_ms: toMs + 3_600_000 } }
}

export async function runFlow(client: ClickHouseClient, req: FlowRequest): Promise<FlowTimeline> {
  const rows = await runSql(client, flowEventsSql(req))
  const t0 = rows.length ? num(rows[0].ms) : 0
  const events = rows.map((r, i) => ({
    ts: isoFromClickHouse(r.ts), event: String(r.event), reason: str(r.reason), outcome: str(r.outcome), factor: str(r.factor), provider: str(r.provider),
    channel: str(r.channel), latency_ms: numOrNull(r.latency_ms), since_prev_ms: i === 0 ? null : num(r.ms) - num(rows[i - 1].ms), since_start_ms: num(r.ms) - t0, trace_id: str(r.trace_id),
  }))
  const traceIds = [...new Set(events.map((e) => e.trace_id).filter((t): t is string => t !== null))]
  const spanRows = traceIds.length ? await runSql(client, flowSpansSql(traceIds, t0, num(rows[rows.length - 1].ms))) : []
  return { flow_id: req.flowId, events, spans: shapeSpans(spanRows, t0) }
}

/** Spans in start order with their depth in the tree and offset from the flow's first event. */
export function shapeSpans(rows: Record<string, unknown>[], t0Ms: number): FlowTimeline['spans'] {
  const depth = new Map<string, number>()
  const parentOf = new Map(rows.map((r) => [String(r.SpanId), String(r.ParentSpanId ?? '')]))
  const depthOf = (id: string, seen = 0): number => {
    if (depth.has(id)) return depth.get(id)!
    const parent = parentOf.get(id) ?? ''
    const d = parent && parentOf.has(parent) && seen < 50 ? depthOf(parent, seen + 1) + 1 : 0
    depth.set(id, d)
    return d
  }
  return rows.map((r) => {
    const startMs = Number(BigInt(String(r.start_ns)) / 1000n) / 1000
    return {
      trace_id: String(r.TraceId), span_id: String(r.SpanId), parent_span_id: str(r.ParentSpanId), name: String(r.SpanName), service: String(r.ServiceName),
      start: new Date(Math.floor(startMs)).toISOString(), offset_ms: Math.round((startMs - t0Ms) * 1000) / 1000, duration_ms: num(r.Duration) / 1e6,
      status: String(r.StatusCode || 'Unset'), depth: depthOf(String(r.SpanId)),
    }
  })
}

/** A send older than this without a receipt is outstanding, younger ones are in flight. */
export const RECEIPT_DEADLINE_MS = 120_000

/** The queues follow sends of at most this long before `to`: older ones are receipted or reported never_receipted. */
export const QUEUE_SPAN_MS = 24 * 3_600_000

/**
 * Latency by region and errors by client read the hourly rollup when the window is longer than
 * ROLLUP_AFTER_S (its counts are uniq states, like the metrics' rollups), raw events otherwise.
 * The queues join each accepted send to its receipt over the last day of the window at most.
 */
export function breakdownSql(req: ReportRequest): { regions: SqlQuery; clients: SqlQuery; queues: SqlQuery; source: Source; queueFromMs: number } {
  const f = filterSql(req.filters, FILTER_KEYS)
  const queueFromMs = Math.max(req.window.fromMs, req.window.toMs - QUEUE_SPAN_MS)
  const params = baseParams(req.window, req.filters, { deadline_ms: RECEIPT_DEADLINE_MS, queue_from_ms: queueFromMs })
  const long = (req.window.toMs - req.window.fromMs) / 1000 > ROLLUP_AFTER_S
  // Long windows: the hourly provider rollup (plain counts; every dimension but the user group),
  // or with a user-group filter the hourly rollup (uniq states, slower to merge).
  const v = !long ? { from: RAW, window: WINDOW, n: 'uniq(event_id)', q: RAW_SOURCE.latencyQuantiles }
    : req.filters.user_group === undefined ? { from: PROVIDERS_ROLLUP.from, window: PROVIDERS_ROLLUP.window, n: 'sum(n)', q: 'quantilesIfMerge(0.5, 0.95, 0.99)(latency)' }
      : { from: ROLLUP_1H.from, window: ROLLUP_1H.window, n: ROLLUP_1H.countIf('1'), q: ROLLUP_1H.latencyQuantiles }
  return {
    source: long ? ROLLUP_1H : RAW_SOURCE,
    queueFromMs,
    regions: { params, query: `
SELECT region, ${v.n} AS verifications, ${v.q} AS q
FROM ${v.from} WHERE event = 'mfa.challenge.verified' AND ${v.window} AND ${f} GROUP BY region ORDER BY region` },
    clients: { params, query: `
SELECT client, sum(k) AS verifications, sumIf(k, failed) AS failures, sumMapIf([reason], [k], failed) AS reasons FROM (
  SELECT client, reason, outcome != 'success' AS failed, ${v.n} AS k
  FROM ${v.from} WHERE event = 'mfa.challenge.verified' AND ${v.window} AND ${f} GROUP BY client, reason, failed)
GROUP BY client ORDER BY client` },
    queues: { params, query: `
SELECT r.provider AS provider, r.channel AS channel, uniq(r.id) AS sent,
  uniqIf(r.id, d.id = '' AND {to_ms:Int64} - r.ms < {deadline_ms:Int64}) AS in_flight,
  uniqIf(r.id, d.id = '' AND {to_ms:Int64} - r.ms >= {deadline_ms:Int64}) AS outstanding,
  maxIf({to_ms:Int64} - r.ms, d.id = '') AS oldest, countIf(d.id = '') AS waiting
FROM (SELECT provider, channel, provider_message_id AS id, toUnixTimestamp64Milli(ts) AS ms FROM ${RAW}
      WHERE event = 'mfa.provider.request' AND outcome = 'success' AND provider_message_id != ''
        AND ts >= fromUnixTimestamp64Milli({queue_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64}) AND ${f}) AS r
LEFT JOIN (SELECT DISTINCT provider_message_id AS id FROM ${RAW}
      WHERE event = 'mfa.provider.delivery' AND reason != 'never_receipted' AND ts >= fromUnixTimestamp64Milli({queue_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})) AS d
ON r.id = d.id
GROUP BY provider, channel ORDER BY provider, channel` },
  }
}

export async function runBreakdown(client: ClickHouseClient, req: ReportRequest): Promise<Breakdown> {
  const sql = breakdownSql(req)
  const [regions, clients, queues] = await Promise.all([sql.regions, sql.clients, sql.queues].map((s) => runSql(client, s)))
  return {
    window: windowJson(req.window),
    regions: regions.map((r) => { const qs = (r.q as unknown[]) ?? []; return { region: String(r.region) || 'unknown', verifications: num(r.verifications), p50_ms: numOrNull(qs[0]), p95_ms: numOrNull(qs[1]) } }),
    clients: clients.map((r) => {
      const [keys, vals] = (r.reasons as [string[], unknown[]]) ?? [[], []]
      return { client: String(r.client) || 'unknown', verifications: num(r.verifications), failures: num(r.failures), error_rate: ratio(num(r.failures), num(r.verifications)), by_reason: Object.fromEntries(keys.map((k, i) => [k || 'unspecified', num(vals[i])])) }
    }),
    queues: queues.map((r) => ({ provider: String(r.provider), channel: String(r.channel), sent: num(r.sent), in_flight: num(r.in_flight), receipts_outstanding: num(r.outstanding), oldest_outstanding_ms: num(r.waiting) > 0 ? num(r.oldest) : null })),
    receipt_deadline_ms: RECEIPT_DEADLINE_MS,
    queue_from: new Date(sql.queueFromMs).toISOString(),
    source: sql.source.name === 'rollup_1h' ? 'rollup_1h' : 'raw',
  }
}
