import type { ClickHouseClient } from '@clickhouse/client'
import { ABANDON_AFTER_MS, FLOW_LOOKAHEAD_MS, M10_SPEC, M3_SPEC, m6Spec, type FlowSpec } from './metrics-flow'
import { lit, litList, rowBucket } from './sql'
import { FIVE_MINUTES_S } from './source'
import { FILTER_KEYS, type FilterKey, type MetricContext, type MetricId, type Row, type SqlQuery } from './types'

/**
 * Finalized-flow rollups (migrations 0080, 0089). The flow metrics (M1, M3, M6, M10) group
 * events by flow_id; over 30 days that is millions of flows per panel. Once an hour's flows can
 * no longer change, `finalizeHoursSql` groups them once into `mfa_flow_rollup_5m`, one row per
 * five-minute bucket (of each flow's first anchor event), metric, filter dimension and value; a
 * query whose step is a multiple of five minutes then reads those rows for the finalized hours
 * and raw events only for the rest (`rollupReadSql` + `tailContext`). Window totals are exact for
 * no filter or one filter (M10 with a filter: below), and so is every bucket without a filter. With a filter, a flow sits in
 * the bucket of its first anchor event of any kind, where raw events put it in that of its first
 * anchor matching the filter (a flow challenged by SMS at 09:59 and by TOTP at 10:01 is in the
 * 09:55 bucket under factor=totp), and M10's abandonment clock starts at its first challenge of any
 * kind. A query with two or more filters reads raw events as before.
 */

const HOUR_MS = 3_600_000
/** An hour is final this long after it ends: the flow lookahead plus a margin for late exports. */
export const FINALIZE_AFTER_MS = Math.max(FLOW_LOOKAHEAD_MS, ABANDON_AFTER_MS) + 5 * 60_000
/** Hours finalized per statement: a day of flows is a few hundred thousand groups at the demo's rate. */
export const HOURS_PER_STATEMENT = 24

export const FLOW_ROLLUP_METRICS = ['M1', 'M3', 'M6', 'M10'] as const
export type FlowRollupMetric = (typeof FLOW_ROLLUP_METRICS)[number]
export const isFlowRollupMetric = (id: MetricId): id is FlowRollupMetric => (FLOW_ROLLUP_METRICS as readonly string[]).includes(id)

const VERIFIED = 'mfa.challenge.verified'
/**
 * Each metric's spec for the finalizer. M1 is not a flowRatioSql metric: a flow counts when it
 * has a verification (matching the filter) and succeeds when one of those succeeded, so its
 * hit is per dimension value (`subsetHit`), not per flow.
 */
const SPECS: Record<FlowRollupMetric, FlowSpec & { subsetHit?: string; dims: readonly FilterKey[] }> = {
  M1: { events: [VERIFIED], anchor: `event = ${lit(VERIFIED)}`, hit: '1', subsetHit: "outcome = 'success'", dims: FILTER_KEYS },
  M3: { ...M3_SPEC, dims: FILTER_KEYS },
  // With a provider filter M6's failing request must be that provider's: not a per-anchor fact, read raw.
  M6: { ...m6Spec(false), dims: FILTER_KEYS.filter((k) => k !== 'provider') },
  M10: { ...M10_SPEC, dims: FILTER_KEYS },
}

/** Every event name a finalized hour reads (the dirty-hour view of migration 0080 watches the same). */
export const FLOW_EVENTS = [...new Set(Object.values(SPECS).flatMap((s) => s.events))]

const dimsArray = (dims: readonly FilterKey[]) => `[('', ''), ${dims.map((d) => `(${lit(d)}, toString(${d}))`).join(', ')}]`

/**
 * One metric's rows for the hours [from_h, to_h): per flow (anchored at its first anchor event),
 * the (dimension, value) pairs of its anchor events, then counted per hour and pair. Read without
 * FINAL: every per-flow expression is an existence test, which a re-delivered event cannot change.
 */
export function finalizeHoursSql(metric: FlowRollupMetric, fromHourMs: number, toHourMs: number, computedAtMs: number): SqlQuery {
  const s = SPECS[metric]
  const dims = dimsArray(s.dims)
  const hit = s.subsetHit ? 'has(ok_pairs, pair)' : 'hit'
  const query = `
INSERT INTO mfa_flow_rollup_5m (bucket, metric, dim, value, flows, hits, seen, computed_at)
SELECT toStartOfFiveMinutes(first_at) AS bucket, {metric:String}, pair.1 AS dim, pair.2 AS value, countIf(decided), countIf(decided AND ${hit}), count(), fromUnixTimestamp64Milli({computed_ms:Int64})
FROM (
  SELECT flow_id, minIf(ts, ${s.anchor}) AS first_at, toUnixTimestamp64Milli(first_at) AS first_ms,
    ${s.hit} AS hit, ${s.decided ?? '1'} AS decided,
    groupUniqArrayArrayIf(${dims}, ${s.anchor}) AS pairs
    ${s.subsetHit ? `, groupUniqArrayArrayIf(${dims}, ${s.anchor} AND ${s.subsetHit}) AS ok_pairs` : ''}
  FROM mfa_events
  WHERE event IN ${litList(s.events)} AND flow_id != ''
    AND ts >= fromUnixTimestamp64Milli({lo_ms:Int64}) AND ts < fromUnixTimestamp64Milli({hi_ms:Int64})
  GROUP BY flow_id
  HAVING countIf(${s.anchor}) > 0 AND first_at >= fromUnixTimestamp64Milli({from_ms:Int64}) AND first_at < fromUnixTimestamp64Milli({to_ms:Int64})
)
ARRAY JOIN pairs AS pair
WHERE pair.1 = '' OR pair.2 != ''
GROUP BY bucket, dim, value`
  const lookahead = Math.max(FLOW_LOOKAHEAD_MS, ABANDON_AFTER_MS)
  return {
    query,
    params: { metric, from_ms: fromHourMs, to_ms: toHourMs, lo_ms: fromHourMs - lookahead, hi_ms: toHourMs + lookahead, computed_ms: computedAtMs, now_ms: computedAtMs, abandon_ms: ABANDON_AFTER_MS },
  }
}

/**
 * Zero rows for every key the hours [from, to) already hold, one millisecond older than the rows
 * `finalizeHoursSql` writes next with `computedAtMs`: a key written again replaces its zero, a key
 * that is not (its flows moved to another bucket) stays zero instead of counting them twice.
 */
export function clearHoursSql(fromHourMs: number, toHourMs: number, computedAtMs: number): SqlQuery {
  const query = `
INSERT INTO mfa_flow_rollup_5m (bucket, metric, dim, value, flows, hits, seen, computed_at)
SELECT bucket, metric, dim, value, 0, 0, 0, fromUnixTimestamp64Milli({cleared_ms:Int64})
FROM mfa_flow_rollup_5m FINAL
WHERE bucket >= fromUnixTimestamp64Milli({from_ms:Int64}) AND bucket < fromUnixTimestamp64Milli({to_ms:Int64}) AND (flows, hits, seen) != (0, 0, 0)`
  return { query, params: { from_ms: fromHourMs, to_ms: toHourMs, cleared_ms: computedAtMs - 1 } }
}

/** The dimension and value a query reads the rollup by, or null when it must read raw events. */
export function rollupKey(metric: FlowRollupMetric, ctx: Pick<MetricContext, 'filters'>): { dim: string; value: string } | null {
  const given = FILTER_KEYS.filter((k) => ctx.filters[k] !== undefined)
  if (given.length === 0) return { dim: '', value: '' }
  if (given.length > 1 || !SPECS[metric].dims.includes(given[0])) return null
  return { dim: given[0], value: ctx.filters[given[0]]! }
}

/** The finalized buckets [startOfFiveMinutes(from), untilMs) of one metric, bucketed like the raw query (rows t, flows, hits, seen). */
export function rollupReadSql(metric: FlowRollupMetric, ctx: MetricContext, key: { dim: string; value: string }, untilMs: number): SqlQuery {
  const query = `
SELECT ${rowBucket('bucket')} AS t, sum(flows) AS flows, sum(hits) AS hits, sum(seen) AS seen
FROM mfa_flow_rollup_5m FINAL
WHERE metric = {metric:String} AND dim = {dim:String} AND value = {value:String}
  AND bucket >= toStartOfFiveMinutes(fromUnixTimestamp64Milli({from_ms:Int64})) AND bucket < fromUnixTimestamp64Milli({until_ms:Int64})
GROUP BY t ORDER BY t`
  return { query, params: { metric, from_ms: ctx.window.fromMs, until_ms: untilMs, step_ms: ctx.window.stepS * 1000, dim: key.dim, value: key.value } }
}

/**
 * How a window splits: the rollup covers finalized buckets from the start of `from`'s five
 * minutes up to `splitMs` (the end of a finalized hour); raw events cover flows anchored from
 * `splitMs` to `to`. Null when the rollup cannot help (nothing finalized inside the window, or a
 * step that is not a multiple of the rollup's five minutes).
 */
export function splitWindow(ctx: MetricContext, finalizedUntilMs: number | null): number | null {
  const { fromMs, toMs, stepS } = ctx.window
  if (finalizedUntilMs === null || stepS % FIVE_MINUTES_S !== 0) return null
  const split = Math.min(finalizedUntilMs, Math.floor(toMs / HOUR_MS) * HOUR_MS)
  const bucketMs = FIVE_MINUTES_S * 1000
  return split > Math.floor(fromMs / bucketMs) * bucketMs ? split : null
}

/** The raw part of a split window: flows whose first anchor event (unfiltered) is at or after `splitMs`. */
export function tailContext(ctx: MetricContext, splitMs: number): MetricContext {
  return { ...ctx, window: { ...ctx.window, fromMs: Math.max(ctx.window.fromMs, splitMs) }, tailFromMs: splitMs }
}

/** Hours that received flow events after they were finalized (the job finalizes them again on its next run). */
export const DIRTY_HOURS_SQL = `
SELECT toUnixTimestamp(d.hour) * 1000 AS h FROM (SELECT hour, max(last_insert) AS li FROM mfa_flow_rollup_dirty GROUP BY hour) AS d
INNER JOIN (SELECT hour, max(computed_at) AS ca FROM mfa_flow_rollup_hours GROUP BY hour) AS f ON d.hour = f.hour
WHERE d.li >= f.ca ORDER BY d.hour`

/**
 * Where the rollup stops being the truth: the end of the newest finalized hour, or the start of
 * the oldest hour that received events since it was finalized (until the job has been round),
 * so an answer never misses a late event. Null before the first run.
 */
export async function finalizedUntil(client: ClickHouseClient): Promise<number | null> {
  const rs = await client.query({
    query: `SELECT toUnixTimestamp(max(hour)) * 1000 AS h, count() AS n, (SELECT minOrNull(h) FROM (${DIRTY_HOURS_SQL})) AS dirty FROM mfa_flow_rollup_hours`,
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<Row>()
  if (!r || Number(r.n) === 0) return null
  const end = Number(r.h) + HOUR_MS
  return r.dirty === null ? end : Math.min(end, Number(r.dirty))
}
