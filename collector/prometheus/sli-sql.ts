import { ERROR_CLASSES } from '../query/metrics-counts'
import { ABANDON_AFTER_MS } from '../query/metrics-flow'
import { lit, litList } from '../query/sql'
import type { SqlQuery } from '../query/types'

/*
 * The MFA health SLIs (M1–M10) as Prometheus series: pure SQL builders, one query per SLI,
 * grouped by the label dimensions instead of by time. Window SLIs read mfa_events over the
 * trailing window [to − window, to); counters read the hourly rollup (uniq event ids, so a
 * re-delivered event counts once). Definitions follow collector/query (metrics-flow.ts,
 * metrics-latency.ts, metrics-counts.ts).
 */

export const DIMENSIONS = ['factor', 'provider', 'region', 'user_group'] as const
const DIMS = DIMENSIONS.join(', ')
const VERIFIED = 'mfa.challenge.verified'
const ISSUED = 'mfa.challenge.issued'

export interface Span { fromMs: number; toMs: number }
const params = (s: Span, extra: Record<string, number> = {}) => ({ from_ms: s.fromMs, to_ms: s.toMs, ...extra })
const IN_SPAN = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'

/**
 * Flow ratios (M1, M3, M6, M10): one row per flow, labelled by its anchor event (the first
 * verification or challenge in the span), then hits / decided flows per label set.
 */
function flowRatio(s: Span, spec: { events: readonly string[]; anchor: string; hit: string; decided?: string }, extra: Record<string, number> = {}): SqlQuery {
  const anchor = `(${spec.anchor})`
  const query = `
SELECT ${DIMS}, countIf(decided) AS total, countIf(decided AND hit) AS good
FROM (
  SELECT flow_id,
    ${DIMENSIONS.map((d) => `argMinIf(${d}, ts, ${anchor}) AS ${d}`).join(', ')},
    toUnixTimestamp64Milli(minIf(ts, ${anchor})) AS first_ms,
    ${spec.hit} AS hit, ${spec.decided ?? '1'} AS decided
  FROM mfa_events
  WHERE event IN (${litList(spec.events)}) AND flow_id != ''
    AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  GROUP BY flow_id
  HAVING countIf(${anchor}) > 0
)
GROUP BY ${DIMS} ORDER BY ${DIMS}`
  return { query, params: params(s, extra) }
}

/** M1: flows with a successful verification / flows with any verification. */
export const m1 = (s: Span) => flowRatio(s, { events: [VERIFIED], anchor: `event = ${lit(VERIFIED)}`, hit: `max(outcome = 'success')` })

/** M3: flows with an mfa.fallback / flows challenged. */
export const m3 = (s: Span) => flowRatio(s, { events: [ISSUED, 'mfa.fallback'], anchor: `event = ${lit(ISSUED)}`, hit: `countIf(event = 'mfa.fallback') > 0` })

/** M6: challenged flows that met a provider error or timeout / flows challenged. */
export const m6 = (s: Span) => flowRatio(s, {
  events: [ISSUED, 'mfa.provider.request'], anchor: `event = ${lit(ISSUED)}`,
  hit: `countIf(event = 'mfa.provider.request' AND outcome IN ('error', 'timeout')) > 0`,
})

/**
 * M10: challenged flows with no terminal outcome within 10 minutes (or explicitly abandoned) /
 * decided flows. The span reaches 10 minutes further back so flows old enough to decide are in it.
 */
export function m10(s: Span): SqlQuery {
  const explicit = `(event = 'mfa.login.completed' AND (outcome = 'abandoned' OR reason = 'abandoned'))`
  const terminal = `((event = 'mfa.login.completed' AND NOT ${explicit}) OR (event = ${lit(VERIFIED)} AND outcome = 'success'))`
  const inTime = `(countIf(${terminal}) > 0 AND toUnixTimestamp64Milli(minIf(ts, ${terminal})) - first_ms <= {abandon_ms:Int64})`
  const old = `(first_ms <= {to_ms:Int64} - {abandon_ms:Int64})`
  return flowRatio({ fromMs: s.fromMs - ABANDON_AFTER_MS, toMs: s.toMs }, {
    events: [ISSUED, VERIFIED, 'mfa.login.completed'], anchor: `event = ${lit(ISSUED)}`,
    hit: `countIf(${explicit}) > 0 OR (NOT ${inTime} AND ${old})`,
    decided: `countIf(${explicit}) > 0 OR ${inTime} OR ${old}`,
  }, { abandon_ms: ABANDON_AFTER_MS })
}

/** M2 (every factor) and M9 (push only): quantiles of issue → verify latency of successful verifications, in seconds. */
export function latency(s: Span, pushOnly: boolean): SqlQuery {
  const query = `
SELECT ${DIMS}, count() AS n, quantiles(0.5, 0.95, 0.99)(latency_ms / 1000) AS q
FROM mfa_events
WHERE event = ${lit(VERIFIED)} AND outcome = 'success' AND latency_ms IS NOT NULL AND ${IN_SPAN}${pushOnly ? " AND factor = 'push'" : ''}
GROUP BY ${DIMS} ORDER BY ${DIMS}`
  return { query, params: params(s) }
}

/** M5: failed verifications by class / verifications (the first matching class wins, as in the query API). */
export function m5(s: Span): SqlQuery {
  const classes = Object.entries(ERROR_CLASSES) as [string, { outcomes: readonly string[]; reasons: readonly string[] }][]
  const cond = (c: { outcomes: readonly string[]; reasons: readonly string[] }) =>
    [`outcome IN (${litList(c.outcomes)})`, ...(c.reasons.length > 0 ? [`reason IN (${litList(c.reasons)})`] : [])].join(' OR ')
  const cls = `multiIf(outcome = 'success', '', ${classes.map(([name, c]) => `${cond(c)}, ${lit(name)}`).join(', ')}, '')`
  const query = `
SELECT ${DIMS}, count() AS attempts, ${classes.map(([name]) => `countIf(${cls} = ${lit(name)}) AS ${name}`).join(', ')}
FROM mfa_events
WHERE event = ${lit(VERIFIED)} AND ${IN_SPAN}
GROUP BY ${DIMS} ORDER BY ${DIMS}`
  return { query, params: params(s) }
}
export const M5_CLASSES = Object.keys(ERROR_CLASSES)

/** M8: the latest enrollment snapshot per user group and factor within 30 days (password is not a second factor). */
export function m8(s: Span): SqlQuery {
  const query = `
SELECT user_group, factor, argMax(enrolled_count, ts) AS enrolled, argMax(total_count, ts) AS total
FROM mfa_events
WHERE event = 'mfa.enrollment.snapshot' AND factor != 'password' AND ${IN_SPAN}
GROUP BY user_group, factor ORDER BY user_group, factor`
  return { query, params: params({ fromMs: s.toMs - 30 * 86_400_000, toMs: s.toMs }) }
}

/** Counters over everything stored (hourly rollup): verifications by outcome (M1/M5 rates), recoveries (M4), bypasses (M7). */
export function eventCounts(event: string, labels: readonly string[]): SqlQuery {
  const cols = labels.join(', ')
  return { query: `
SELECT ${cols}, uniqMerge(events) AS n
FROM mfa_rollup_1h
WHERE event = ${lit(event)}
GROUP BY ${cols} ORDER BY ${cols}`, params: {} }
}
