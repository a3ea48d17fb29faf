import type { AnyMetricDef, FilterKey, MetricContext, MetricResults, Row, SqlQuery } from './types'
import { FILTER_KEYS } from './types'
import { ctxParams, filterSql, num, numOrNull } from './sql'
import { fillSeries, round } from './series'
import { PROVIDERS_ROLLUP } from './providers'

/**
 * Hourly windows without a user-group filter read the provider rollup (0082, `PROVIDERS_ROLLUP`),
 * which keeps the same quantile states with fewer dimensions (no user group) and a plain count of
 * verifications with a latency: over 30 days it merges about a quarter of the states
 * mfa_rollup_1h holds, and no uniq states (~95 ms against ~400 ms on this machine, 39 M events).
 */
const PROVIDER_1H = { from: PROVIDERS_ROLLUP.from, window: PROVIDERS_ROLLUP.window, bucket: PROVIDERS_ROLLUP.bucket, n: PROVIDERS_ROLLUP.latencyN('1') }

/**
 * Latency quantiles of successful verifications, per bucket and over the whole window in one
 * statement, always as [p50, p95, p99]: each bucket's quantile state once, then the window's
 * from the buckets' states (GROUPING SETS over them; the window row has grouping(t) = 1). Merging
 * the stored states straight into both merged each of them twice: over 30 days at 100 M events
 * ~160-190 ms against ~130 ms this way. `quantiles` is ClickHouse's reservoir-sampling estimator:
 * exact, with linear interpolation, below 8192 values per group; a window over that merges
 * samples of its buckets, as merging the stored states would have.
 */
export function latencySql(ctx: MetricContext, honoured: readonly FilterKey[], extraWhere = '1'): SqlQuery {
  const s = ctx.source
  const p = s.name === 'rollup_1h' && !(ctx.filters.user_group !== undefined && honoured.includes('user_group'))
    ? PROVIDER_1H
    : { from: s.from, window: s.window, bucket: s.bucket, n: s.countIf(s.hasLatency) }
  const query = `
SELECT t, grouping(t) AS whole, sum(bn) AS n, ${s.latencyMerge}(bq) AS q
FROM (
  SELECT ${p.bucket} AS t, ${p.n} AS bn, ${s.latencyState} AS bq
  FROM ${p.from}
  WHERE event = 'mfa.challenge.verified' AND outcome = 'success'
    AND ${p.window} AND ${filterSql(ctx.filters, honoured)} AND ${extraWhere}
  GROUP BY t
)
GROUP BY GROUPING SETS ((t), ())
ORDER BY t`
  return { query, params: ctxParams(ctx) }
}

type Triple = [number | null, number | null, number | null]

function quantilesOf(row: Row | undefined): Triple | null {
  if (!row || num(row.n) === 0 || !Array.isArray(row.q)) return null
  // quantiles(0.5, 0.95, 0.99): always three.
  return row.q.map((v) => {
    const n = numOrNull(v)
    return n === null ? null : round(n, 1)
  }) as Triple
}

function splitRows(rows: Row[]): { whole: Row | undefined; buckets: Row[] } {
  return { whole: rows.find((r) => num(r.whole) === 1), buckets: rows.filter((r) => num(r.whole) !== 1) }
}

export function shapeM2(rows: Row[], ctx: MetricContext): MetricResults['M2'] {
  const { whole, buckets } = splitRows(rows)
  const q = quantilesOf(whole)
  return {
    value: q ? { p50: q[0], p95: q[1], p99: q[2] } : null,
    series: fillSeries(ctx.window, buckets, (b) => quantilesOf(b[0]) ?? ([null, null, null] as Triple)),
    count: whole ? num(whole.n) : 0,
  }
}

export function shapeM9(rows: Row[], ctx: MetricContext): MetricResults['M9'] {
  const { whole, buckets } = splitRows(rows)
  return {
    value: quantilesOf(whole)?.[1] ?? null,
    series: fillSeries(ctx.window, buckets, (b) => [quantilesOf(b[0])?.[1] ?? null]),
    count: whole ? num(whole.n) : 0,
  }
}

const M9_FILTERS = FILTER_KEYS.filter((k) => k !== 'factor')

export const LATENCY_METRICS: AnyMetricDef[] = [
  {
    id: 'M2',
    title: 'MFA latency p50/p95/p99',
    unit: 'ms',
    description:
      'quantiles(0.5, 0.95, 0.99) of mfa.challenge.verified latency_ms (issue → verify) over successful verifications. ClickHouse `quantiles` (reservoir sampling): exact with linear interpolation below 8192 samples per bucket, an estimate above. Windows over 6 h merge stored quantile states: with whole-hour steps and no user-group filter those of the hourly provider rollup, whose `count` is a plain count of verifications with a latency; otherwise those of mfa_rollup_1h (whole-hour steps) or mfa_rollup_1m, whose `count` is of distinct event ids. The quantiles of the window merge the states of its buckets. value {p50,p95,p99}; series [ts, p50, p95, p99].',
    filters: FILTER_KEYS,
    rollups: true,
    sql: (ctx) => latencySql(ctx, FILTER_KEYS),
    shape: shapeM2,
  },
  {
    id: 'M9',
    title: 'Push acceptance latency p95',
    unit: 'ms',
    description:
      'p95 from quantiles(0.5, 0.95, 0.99) (ClickHouse reservoir sampling, as M2, and from the same hourly states over 6 h) of latency_ms of successful mfa.challenge.verified with factor push: push sent → user approved. The factor filter does not apply.',
    filters: M9_FILTERS,
    rollups: true,
    sql: (ctx) => latencySql(ctx, M9_FILTERS, "factor = 'push'"),
    shape: shapeM9,
  },
]
