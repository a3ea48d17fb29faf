import { FILTER_KEYS, type AnyMetricDef, type MetricContext, type Row, type SqlQuery } from './types'
import { EVENTS, WINDOW, WINDOW_LOOKAHEAD, bucket, ctxParams, filterSql, lit, litList } from './sql'
import { fillSeries, ratio, sum } from './series'

/** Flows that started inside the window may finish up to this long after `to`. */
export const FLOW_LOOKAHEAD_MS = 10 * 60 * 1000
/** M10: a challenged flow with no terminal outcome this long after its first challenge is abandoned. */
export const ABANDON_AFTER_MS = 10 * 60 * 1000

const ISSUED = 'mfa.challenge.issued'
const VERIFIED = 'mfa.challenge.verified'

/** Rows `{t, flows, hits}` → value hits/flows over the window, series per bucket, plus the counts (`hits` named per metric). */
function shapeRatio<H extends string>(rows: Row[], ctx: MetricContext, hitsName: H) {
  const flows = sum(rows, 'flows')
  const hits = sum(rows, 'hits')
  return {
    value: ratio(hits, flows),
    series: fillSeries(ctx.window, rows, (b) => [ratio(sum(b, 'hits'), sum(b, 'flows'))] as [number | null]),
    flows,
    ...({ [hitsName]: hits } as Record<H, number>),
  }
}

/**
 * M1. One row per flow (retries collapse into it): a flow succeeded when any of its
 * verifications did. The flow is bucketed by its first verification.
 */
export function m1Sql(ctx: MetricContext): SqlQuery {
  if (ctx.tailFromMs !== undefined) return m1TailSql(ctx)
  const query = `
SELECT t, count() AS flows, countIf(ok) AS hits
FROM (
  SELECT flow_id, ${bucket('min(ts)')} AS t, max(outcome = 'success') AS ok
  FROM ${EVENTS}
  WHERE event = ${lit(VERIFIED)} AND flow_id != '' AND ${WINDOW} AND ${filterSql(ctx.filters, FILTER_KEYS)}
  GROUP BY flow_id
)
GROUP BY t ORDER BY t`
  return { query, params: ctxParams(ctx) }
}

/** M1 for the raw part of a window whose earlier hours come from the flow rollup: flows first verified at or after `from`. */
function m1TailSql(ctx: MetricContext): SqlQuery {
  const f = `(ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${filterSql(ctx.filters, FILTER_KEYS)})`
  const query = `
SELECT t, count() AS flows, countIf(ok) AS hits
FROM (
  SELECT flow_id, ${bucket(`minIf(ts, ${f})`)} AS t, maxIf(outcome = 'success', ${f}) AS ok
  FROM ${EVENTS}
  WHERE event = ${lit(VERIFIED)} AND flow_id != '' AND ts >= fromUnixTimestamp64Milli({tail_lo_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  GROUP BY flow_id
  HAVING countIf(${f}) > 0 AND min(ts) >= fromUnixTimestamp64Milli({from_ms:Int64})
)
GROUP BY t ORDER BY t`
  return { query, params: ctxParams(ctx, { tail_lo_ms: ctx.window.fromMs - FLOW_LOOKAHEAD_MS }) }
}

/**
 * A flow-level ratio read in one scan grouped by flow: the flow counts when its anchor event
 * (filtered, inside the window) exists; `hit` and `decided` are per-flow aggregate expressions.
 */
export function flowRatioSql(ctx: MetricContext, spec: FlowSpec, extra: Record<string, number> = {}): SqlQuery {
  const tail = ctx.tailFromMs !== undefined
  // A tail (flow-rollup.ts) reads back one lookahead to find each flow's true first anchor.
  const anchor = `(${spec.anchor}${tail ? ' AND ts >= fromUnixTimestamp64Milli({from_ms:Int64})' : ''} AND ts < fromUnixTimestamp64Milli({to_ms:Int64}) AND ${filterSql(ctx.filters, FILTER_KEYS)})`
  const lower = tail ? 'ts >= fromUnixTimestamp64Milli({tail_lo_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64} + {lookahead_ms:Int64})' : WINDOW_LOOKAHEAD
  const query = `
SELECT t, countIf(decided) AS flows, countIf(decided AND hit) AS hits, count() AS seen
FROM (
  SELECT flow_id, ${bucket(`minIf(ts, ${anchor})`)} AS t, toUnixTimestamp64Milli(minIf(ts, ${anchor})) AS first_ms,
    ${spec.hit} AS hit, ${spec.decided ?? '1'} AS decided
  FROM ${EVENTS}
  WHERE event IN ${litList(spec.events)} AND flow_id != '' AND ${lower}
  GROUP BY flow_id
  HAVING countIf(${anchor}) > 0${tail ? ` AND minIf(ts, ${spec.anchor}) >= fromUnixTimestamp64Milli({from_ms:Int64})` : ''}
)
GROUP BY t ORDER BY t`
  return { query, params: ctxParams(ctx, { lookahead_ms: FLOW_LOOKAHEAD_MS, ...(tail ? { tail_lo_ms: ctx.window.fromMs - FLOW_LOOKAHEAD_MS } : {}), ...extra }) }
}

/** What a flow-level ratio reads: its events, its anchor, and per-flow aggregate expressions for hit and decided. */
export interface FlowSpec { events: readonly string[]; anchor: string; hit: string; decided?: string }

export const M3_SPEC: FlowSpec = { events: [ISSUED, 'mfa.fallback'], anchor: `event = ${lit(ISSUED)}`, hit: `countIf(event = 'mfa.fallback') > 0` }

/** M6; with a provider filter the failing request must be that provider's too. */
export function m6Spec(providerFiltered: boolean): FlowSpec {
  const provider = providerFiltered ? ' AND provider = {f_provider:String}' : ''
  return { events: [ISSUED, 'mfa.provider.request'], anchor: `event = ${lit(ISSUED)}`, hit: `countIf(event = 'mfa.provider.request' AND outcome IN ('error', 'timeout')${provider}) > 0` }
}

export function m3Sql(ctx: MetricContext): SqlQuery {
  return flowRatioSql(ctx, M3_SPEC)
}

export function m6Sql(ctx: MetricContext): SqlQuery {
  return flowRatioSql(ctx, m6Spec(ctx.filters.provider !== undefined))
}

/** M10's expressions read `first_ms` (the flow's first challenge) and `{now_ms}`, `{abandon_ms}`. */
export const M10_SPEC: FlowSpec = (() => {
  const explicit = `(event = 'mfa.login.completed' AND (outcome = 'abandoned' OR reason = 'abandoned'))`
  const terminal = `((event = 'mfa.login.completed' AND NOT ${explicit}) OR (event = ${lit(VERIFIED)} AND outcome = 'success'))`
  const inTime = `(countIf(${terminal}) > 0 AND toUnixTimestamp64Milli(minIf(ts, ${terminal})) - first_ms <= {abandon_ms:Int64})`
  const old = `(first_ms <= {now_ms:Int64} - {abandon_ms:Int64})`
  const isExplicit = `(countIf(${explicit}) > 0)`
  return { events: [ISSUED, VERIFIED, 'mfa.login.completed'], anchor: `event = ${lit(ISSUED)}`, hit: `${isExplicit} OR (NOT ${inTime} AND ${old})`, decided: `${isExplicit} OR ${inTime} OR ${old}` }
})()

/**
 * M10. Terminal = a login.completed that is not an abandonment, or a successful verification.
 * Abandoned = explicitly (login.completed outcome or reason `abandoned`), or no terminal within
 * 10 minutes of the first challenge. Flows younger than 10 minutes without either are pending.
 */
export function m10Sql(ctx: MetricContext): SqlQuery {
  return flowRatioSql(ctx, M10_SPEC, { now_ms: ctx.nowMs, abandon_ms: ABANDON_AFTER_MS })
}

export const FLOW_METRICS: AnyMetricDef[] = [
  {
    id: 'M1',
    title: 'MFA success rate',
    unit: 'ratio',
    description:
      'Flows with at least one successful mfa.challenge.verified / flows with any mfa.challenge.verified. Retries inside a flow (same flow_id) count once; a flow is bucketed by its first verification in the window.',
    filters: FILTER_KEYS,
    rollups: false,
    sql: m1Sql,
    shape: (rows, ctx) => shapeRatio(rows, ctx, 'successful_flows'),
  },
  {
    id: 'M3',
    title: 'Fallback rate',
    unit: 'ratio',
    description:
      'Flows with an mfa.fallback / flows with an mfa.challenge.issued in the window (filters apply to the challenge). Fallbacks up to 10 minutes after the window end still count for flows challenged inside it.',
    filters: FILTER_KEYS,
    rollups: false,
    sql: m3Sql,
    shape: (rows, ctx) => shapeRatio(rows, ctx, 'fallback_flows'),
  },
  {
    id: 'M6',
    title: 'Provider outage impact',
    unit: 'ratio',
    description:
      'Flows that met an mfa.provider.request with outcome error or timeout (joined by flow_id) / flows with an mfa.challenge.issued. Filters apply to the challenge; the provider filter also to the failing request.',
    filters: FILTER_KEYS,
    rollups: false,
    sql: m6Sql,
    shape: (rows, ctx) => shapeRatio(rows, ctx, 'affected_flows'),
  },
  {
    id: 'M10',
    title: 'MFA-induced abandonment',
    unit: 'ratio',
    description:
      'Challenged flows (mfa.challenge.issued) abandoned / challenged flows that are decided. Abandoned: login.completed with outcome abandoned, or no login.completed nor successful verification within 10 minutes of the first challenge. Flows younger than 10 minutes without a terminal event are pending and excluded.',
    filters: FILTER_KEYS,
    rollups: false,
    sql: m10Sql,
    shape: (rows, ctx) => ({ ...shapeRatio(rows, ctx, 'abandoned_flows'), pending_flows: sum(rows, 'seen') - sum(rows, 'flows') }),
  },
]
