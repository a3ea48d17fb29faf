import type { ProviderSeriesRequest, ProvidersRequest } from './params'
import type { QueryWindow, SqlQuery } from './types'
import { FIVE_MINUTES_S, ROLLUP_AFTER_S } from './source'
import { REASONS } from '../../contract'
import { EVENTS, SECURITY, WINDOW, baseParams, bucket, lit, rowBucket } from './sql'

/**
 * Sub-processor health: raw events up to 6 hours, the provider rollups (0082 hourly, 0090 five
 * minutes; they keep channel and fallback target) beyond; circuit state always from raw events.
 * Every statement is a pure function of the request; values travel as `{name:Type}` parameters
 * (channel `{f_channel}`, region `{f_region}`, provider `{provider}`).
 */

/** A provider request counts as an error when the vendor failed (the M6 definition). */
export const ERROR_OUTCOMES = "outcome IN ('error', 'timeout')"
/** Short-circuited calls never reached the vendor: no latency of theirs to measure. */
const CALLED = "reason != 'circuit_open'"
/** A receipt saying the message arrived; `late` arrived after the deadline but arrived. */
export const DELIVERED = "reason IN ('delivered', 'late')"
/** Circuit history is read this far back before `from`, so a circuit opened earlier still shows. */
export const CIRCUIT_LOOKBACK_MS = 30 * 24 * 3600 * 1000
/** Newest transitions kept per provider (the window count is exact). */
export const MAX_TRANSITIONS = 200

/** Every reason a provider request can have: answered with 0 when none, like M4's by_reason. */
export const REQUEST_REASONS = REASONS['mfa.provider.request']
export const reasonColumn = (r: string) => `r_${r}`

const REQ = "event = 'mfa.provider.request'"
const DLV = "event = 'mfa.provider.delivery'"

type Req = ProvidersRequest & { provider?: string }

/**
 * Region and channel filters (aliases in the SELECT lists never reuse these column names: ClickHouse
 * would resolve the WHERE to the alias); circuits without a region or channel belong to all. */
function where(req: Req, opts: { channel?: string; lenient?: boolean } = {}): string {
  const col = opts.channel ?? 'channel'
  const parts: string[] = []
  const eq = (c: string, p: string) => (opts.lenient ? `(${c} = {${p}:String} OR ${c} = '')` : `${c} = {${p}:String}`)
  if (req.region !== undefined) parts.push(eq('region', 'f_region'))
  if (req.channel !== undefined) parts.push(eq(col, 'f_channel'))
  if (req.provider !== undefined) parts.push('provider = {provider:String}')
  return parts.length === 0 ? '1' : parts.join(' AND ')
}

function params(req: Req, extra: Record<string, number | string> = {}): SqlQuery['params'] {
  const p = baseParams(req.window, {}, extra)
  if (req.region !== undefined) p.f_region = req.region
  if (req.channel !== undefined) p.f_channel = req.channel
  if (req.provider !== undefined) p.provider = req.provider
  return p
}

/**
 * Where the statements read: raw events (deduplicated with FINAL) or, for windows over 6 hours,
 * the provider rollups (plain counts, quantile states): hourly (migration 0082) when the step is
 * whole hours, five-minute (0090) when it is whole five minutes, the window's first hour or five
 * minutes taken whole. The statements are written once against these.
 */
export interface ProviderSource {
  name: 'raw' | 'rollup_5m' | 'rollup_1h'
  from: string
  window: string
  bucket: string
  count: (cond: string) => string
  /** Rows with a latency matching `cond`. */
  latencyN: (cond: string) => string
  quantiles: (levels: string, cond: string) => string
}

export const PROVIDERS_RAW: ProviderSource = {
  name: 'raw', from: EVENTS, window: WINDOW, bucket: bucket('ts'),
  count: (c) => (c === '1' ? 'count()' : `countIf(${c})`),
  latencyN: (c) => `countIf(${c} AND latency_ms IS NOT NULL)`,
  quantiles: (levels, c) => `quantilesIf(${levels})(latency_ms, ${c})`,
}

/** A rollup whose rows start at column `time`, each `unit` long. */
function providerRollup(name: 'rollup_5m' | 'rollup_1h', from: string, time: 'hour' | 'bucket', unit: 'Hour' | 'FiveMinutes'): ProviderSource {
  return {
    name, from,
    window: `${time} >= toStartOf${unit}(fromUnixTimestamp64Milli({from_ms:Int64})) AND ${time} < fromUnixTimestamp64Milli({to_ms:Int64})`,
    bucket: rowBucket(time),
    count: (c) => (c === '1' ? 'sum(n)' : `sumIf(n, ${c})`),
    latencyN: (c) => `sumIf(with_latency, ${c})`,
    // The states hold 0.5, 0.95 and 0.99; callers index the levels they asked for from the front.
    quantiles: (_levels, c) => `quantilesIfMergeIf(0.5, 0.95, 0.99)(latency, ${c})`,
  }
}

export const PROVIDERS_ROLLUP = providerRollup('rollup_1h', 'mfa_provider_rollup_1h', 'hour', 'Hour')
export const PROVIDERS_ROLLUP_5M = providerRollup('rollup_5m', 'mfa_provider_rollup_5m', 'bucket', 'FiveMinutes')

/** Windows longer than ROLLUP_AFTER_S read a rollup whose buckets the step is made of; others raw events. */
export function providerSource(w: QueryWindow): ProviderSource {
  if ((w.toMs - w.fromMs) / 1000 <= ROLLUP_AFTER_S) return PROVIDERS_RAW
  if (w.stepS % 3600 === 0) return PROVIDERS_ROLLUP
  return w.stepS % FIVE_MINUTES_S === 0 ? PROVIDERS_ROLLUP_5M : PROVIDERS_RAW
}

/** Per-request and per-receipt aggregates of one provider × channel over the window. */
const statsColumns = (s: ProviderSource) => `
  ${s.count(REQ)} AS requests,
  ${s.count(`${REQ} AND outcome = 'success'`)} AS successes,
  ${s.count(`${REQ} AND ${ERROR_OUTCOMES}`)} AS errors,
  ${s.latencyN(`${REQ} AND ${CALLED}`)} AS latency_n,
  ${s.quantiles('0.5, 0.95, 0.99', `${REQ} AND ${CALLED}`)} AS latency_q,
  sumIf(cost_micros, ${REQ}) AS cost_total,
  ${s.count(DLV)} AS deliveries,
  ${s.count(`${DLV} AND ${DELIVERED}`)} AS delivered,
  ${s.count(`${DLV} AND reason = 'late'`)} AS late,
  ${s.latencyN(`${DLV} AND ${DELIVERED}`)} AS ttd_n,
  ${s.quantiles('0.5, 0.95', `${DLV} AND ${DELIVERED}`)} AS ttd_q`

/**
 * Requests and receipts per provider × channel over the window, with request counts by reason
 * and the latency quantiles. The table's series needs only requests and errors per bucket
 * (`providerBucketsSql`): one statement grouping both ways merged every quantile state twice, the
 * second time for buckets nobody reads (~280 ms against ~130 ms for the two, 30 days at 100 M events).
 */
export function providerTotalsSql(req: ProvidersRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT provider, channel,${statsColumns(s)},
  ${REQUEST_REASONS.map((r) => `${s.count(`${REQ} AND reason = ${lit(r)}`)} AS ${reasonColumn(r)}`).join(',\n  ')}
FROM ${s.from}
WHERE event IN ('mfa.provider.request', 'mfa.provider.delivery') AND provider != '' AND ${s.window} AND ${where(req)}
GROUP BY provider, channel
ORDER BY provider, channel`
  return { query, params: params(req) }
}

/** Requests and errors per provider × channel and bucket: the table's sparkline. */
export function providerBucketsSql(req: ProvidersRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT provider, channel, ${s.bucket} AS t, ${s.count('1')} AS requests, ${s.count(ERROR_OUTCOMES)} AS errors
FROM ${s.from}
WHERE ${REQ} AND provider != '' AND ${s.window} AND ${where(req)}
GROUP BY provider, channel, t
ORDER BY provider, channel, t`
  return { query, params: params(req) }
}

/** Fallbacks in the window by source, target, channel and reason (in = to a provider, out = from it). */
export function providerFallbacksSql(req: ProvidersRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT fallback_from, fallback_to, channel, reason, ${s.count('1')} AS n
FROM ${s.from}
WHERE event = 'mfa.fallback' AND ${s.window} AND ${where(req, { lenient: true })}
GROUP BY fallback_from, fallback_to, channel, reason
ORDER BY fallback_from, fallback_to, channel, reason`
  return { query, params: params(req) }
}

/** Requests, successes and cost per channel over the window: all the leadership snapshot needs of the providers. */
export function channelTotalsSql(req: ProvidersRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT channel, ${s.count('1')} AS requests, ${s.count("outcome = 'success'")} AS successes, sum(cost_micros) AS cost_total
FROM ${s.from}
WHERE ${REQ} AND provider != '' AND ${s.window} AND ${where(req)}
GROUP BY channel ORDER BY channel`
  return { query, params: params(req) }
}

/** Successful verifications by factor: the denominator of cost per successful verification. */
export function successfulVerificationsSql(req: ProvidersRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT factor, ${s.count('1')} AS n
FROM ${s.from}
WHERE event = 'mfa.challenge.verified' AND outcome = 'success' AND ${s.window} AND ${where(req, { channel: 'factor' })}
GROUP BY factor ORDER BY factor`
  return { query, params: params(req) }
}

/**
 * Circuit state per provider: the latest transition before `to` (looking back 30 days before
 * `from`) and the newest transitions inside the window, oldest first. Transitions are rare and
 * read from mfa_security_events (0087, monthly parts); copies are dropped by event id rather than
 * by FINAL, which over 60 days of mfa_events' daily parts cost ~130 ms at 100 M stored events.
 */
export function circuitsSql(req: Req): SqlQuery {
  const inWindow = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64})'
  const query = `
SELECT provider,
  argMax(circuit_state, (ts, event_id)) AS state,
  argMax(channel, (ts, event_id)) AS last_channel,
  toUnixTimestamp64Milli(max(ts)) AS since_ms,
  countIf(${inWindow}) AS transitions_n,
  arraySlice(arraySort(groupArrayIf((toUnixTimestamp64Milli(ts), circuit_from_state, circuit_state, reason), ${inWindow})), -${MAX_TRANSITIONS}) AS transitions
FROM (SELECT ts, event_id, provider, channel, circuit_state, circuit_from_state, reason FROM ${SECURITY}
  WHERE event = 'mfa.circuit.changed' AND provider != '' AND circuit_state != ''
    AND ts >= fromUnixTimestamp64Milli({lookback_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
    AND ${where(req, { lenient: true })}
  LIMIT 1 BY event_id)
GROUP BY provider ORDER BY provider`
  return { query, params: params(req, { lookback_from_ms: req.window.fromMs - CIRCUIT_LOOKBACK_MS }) }
}

/** One provider's buckets: requests, errors, p95 request latency, receipts, delivered. */
export function providerSeriesSql(req: ProviderSeriesRequest, s: ProviderSource = PROVIDERS_RAW): SqlQuery {
  const query = `
SELECT ${s.bucket} AS t, grouping(t) AS whole,
  ${s.count(REQ)} AS requests,
  ${s.count(`${REQ} AND outcome = 'success'`)} AS successes,
  ${s.count(`${REQ} AND ${ERROR_OUTCOMES}`)} AS errors,
  ${s.latencyN(`${REQ} AND ${CALLED}`)} AS latency_n,
  ${s.quantiles('0.5, 0.95, 0.99', `${REQ} AND ${CALLED}`)} AS latency_q,
  ${s.count(DLV)} AS deliveries,
  ${s.count(`${DLV} AND ${DELIVERED}`)} AS delivered
FROM ${s.from}
WHERE event IN ('mfa.provider.request', 'mfa.provider.delivery') AND ${s.window} AND ${where(req)}
GROUP BY GROUPING SETS ((t), ())
ORDER BY whole, t`
  return { query, params: params(req) }
}
