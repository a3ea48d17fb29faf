import type { EventFilter } from '../../dashboards/schema/filter'
import { FILTER_COLUMNS } from '../../dashboards/schema/filter'
import type { SqlQuery } from '../query/types'
import { lit } from '../query/sql'
import type { Slo } from './types'

/**
 * SQL builders for the alerting engine. Event names are contract constants (inlined through
 * `lit`); every other value from the rule files travels as a `{name:Type}` parameter.
 */

export interface SloSource {
  name: 'raw' | 'rollup_1h'
  from: string
  /** Count of events matching `cond`. */
  countIf: (cond: string) => string
  columns: readonly string[]
  time: string
}

export const RAW_SOURCE: SloSource = { name: 'raw', from: 'mfa_events FINAL', countIf: (c) => `countIf(${c})`, columns: [...FILTER_COLUMNS, 'latency_ms'], time: 'ts' }
/** The hourly rollup of migration 0010: no channel, intent or latency counts. */
export const ROLLUP_1H_SOURCE: SloSource = { name: 'rollup_1h', from: 'mfa_rollup_1h', countIf: (c) => `uniqMergeIf(events, ${c})`, columns: ['factor', 'provider', 'outcome', 'reason', 'user_group', 'region', 'client'], time: 'minute' }

/** How a list of values from a rule file enters SQL: a server-side parameter, or (for exported dashboards) a checked literal. */
export type Bind = (name: string, values: readonly string[] | number) => string

export function paramBinder(params: SqlQuery['params']): Bind {
  return (name, values) => {
    params[name] = typeof values === 'number' ? values : [...values]
    return typeof values === 'number' ? `{${name}:UInt32}` : `{${name}:Array(String)}`
  }
}

/** Literals for SQL that leaves the collector (Grafana panels): only identifiers the schemas allow. */
export const literalBinder: Bind = (_name, values) => {
  if (typeof values === 'number') return String(Math.trunc(values))
  for (const v of values) if (!/^[a-z0-9][a-z0-9_.-]*$/.test(v)) throw new Error(`refusing to inline ${JSON.stringify(v)} into exported SQL`)
  return `(${values.map((v) => `'${v}'`).join(', ')})`
}

function filterCond(f: EventFilter, prefix: string, bind: Bind): string {
  const parts = [`event = ${lit(f.event)}`]
  for (const col of FILTER_COLUMNS) {
    const values = f[col]
    if (values) parts.push(`${col} IN ${bind(`${prefix}_${col}`, values)}`)
  }
  return parts.join(' AND ')
}

/**
 * An SLO counted outside game-day windows (its budget columns when it excludes drills). The
 * windows travel as two parameters, drill_from and drill_to (epoch ms; a running drill ends at
 * OPEN_END), and only raw events can be cut at a window's edge.
 */
export type CountedSlo = Slo & {
  outsideDrills?: boolean
  /** Same counts as the SLO at this position of the list (no drill window in the range): an alias, not another aggregate. */
  sameAs?: number
}
export interface DrillSpans { from: number[]; to: number[] }
/** End of a drill that is still running. */
export const OPEN_END = Number.MAX_SAFE_INTEGER
export const OUTSIDE_DRILLS = 'NOT arrayExists((a, b) -> toUnixTimestamp64Milli(ts) >= a AND toUnixTimestamp64Milli(ts) < b, {drill_from:Array(Int64)}, {drill_to:Array(Int64)})'

function drillParams(params: SqlQuery['params'], drills: DrillSpans | undefined): void {
  params.drill_from = drills?.from ?? []
  params.drill_to = drills?.to ?? []
}

/** Can this SLO be counted from the hourly rollup (no channel/intent filter, not a latency SLI, not cut at drill windows)? */
export function rollupable(slo: CountedSlo): boolean {
  if (slo.kind !== 'ratio' || !slo.total || !slo.bad || slo.outsideDrills) return false
  return [slo.total, slo.bad].every((f) => !f.channel && !f.intent)
}

/** total and bad conditions of an SLO (latency: total events with a latency above the threshold). */
export function sloConditions(slo: CountedSlo, i: number, bind: Bind): { total: string; bad: string; events: string[] } {
  if (!slo.total) throw new Error(`SLO ${slo.id} is not counted from events`)
  let total = filterCond(slo.total, `s${i}t`, bind)
  let bad: string
  if (slo.kind === 'latency') {
    total = `${total} AND latency_ms IS NOT NULL`
    bad = `${total} AND latency_ms > ${bind(`s${i}_thr`, slo.thresholdMs ?? 0)}`
  } else bad = filterCond(slo.bad!, `s${i}b`, bind)
  if (slo.outsideDrills) {
    total = `${total} AND ${OUTSIDE_DRILLS}`
    bad = `${bad} AND ${OUTSIDE_DRILLS}`
  }
  return { total, bad, events: [...new Set([slo.total.event, slo.bad?.event ?? slo.total.event])] }
}

/**
 * Per bucket and user group, total and bad counts of every SLO in one scan:
 * columns b (epoch seconds), user_group, t0, b0, t1, b1, … in the order of `slos`.
 */
export function sloCountsSql(slos: readonly CountedSlo[], source: SloSource, bucketS: number, fromMs: number, toMs: number, drills?: DrillSpans): SqlQuery {
  const params: SqlQuery['params'] = { from_ms: fromMs, to_ms: toMs, bucket_s: bucketS }
  if (slos.some((s) => s.outsideDrills && s.sameAs === undefined)) {
    if (source.time !== 'ts') throw new Error('SLO counts outside drill windows need raw events')
    drillParams(params, drills)
  }
  const cols: string[] = []
  const events = new Set<string>()
  slos.forEach((slo, i) => {
    if (slo.sameAs !== undefined && slo.sameAs < i) {
      cols.push(`t${slo.sameAs} AS t${i}`, `b${slo.sameAs} AS b${i}`)
      return
    }
    const c = sloConditions(slo, i, paramBinder(params))
    cols.push(`${source.countIf(c.total)} AS t${i}`, `${source.countIf(c.bad)} AS b${i}`)
    c.events.forEach((e) => events.add(e))
  })
  const time = source.time === 'ts' ? 'toUnixTimestamp(ts)' : 'toUnixTimestamp(minute)'
  const query = `
SELECT intDiv(${time}, {bucket_s:UInt32}) * {bucket_s:UInt32} AS b, user_group,
  ${cols.join(',\n  ')}
FROM ${source.from}
WHERE event IN (${[...events].sort().map(lit).join(', ')})
  AND ${source.time} >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${source.time} < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY b, user_group`
  return { query, params }
}

/**
 * Bad events of one SLO over a window by factor, provider, region and user group (attribution),
 * from the hourly rollup when the SLO allows it. Raw events are read without FINAL: a rare
 * re-delivered duplicate does not move a share.
 */
export function attributionSql(slo: Slo, fromMs: number, toMs: number, drills?: DrillSpans): SqlQuery {
  const params: SqlQuery['params'] = { from_ms: fromMs, to_ms: toMs }
  const counted: CountedSlo = slo.excludeDrills ? { ...slo, outsideDrills: true } : slo
  if (counted.outsideDrills) drillParams(params, drills)
  const { bad, events } = sloConditions(counted, 0, paramBinder(params))
  const roll = rollupable(counted)
  const time = roll ? 'minute' : 'ts'
  const query = `
SELECT factor, provider, region, user_group, grouping(factor) AS gf, grouping(provider) AS gp, grouping(region) AS gr, grouping(user_group) AS gu,
  ${roll ? `uniqMergeIf(events, ${bad})` : `countIf(${bad})`} AS n
FROM ${roll ? 'mfa_rollup_1h' : 'mfa_events'}
WHERE event IN (${events.map(lit).join(', ')}) AND ${time} >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${time} < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY GROUPING SETS ((factor), (provider), (region), (user_group))
HAVING n > 0`
  return { query, params }
}

/** Events matching a filter within [from, to), per `by` column (or one row). */
export function countSql(filter: EventFilter, by: string | null, fromMs: number, toMs: number): SqlQuery {
  const params: SqlQuery['params'] = { from_ms: fromMs, to_ms: toMs }
  const cond = filterCond(filter, 'c', paramBinder(params))
  const key = by === null ? "''" : by
  const query = `
SELECT ${key} AS k, count() AS n FROM mfa_events FINAL
WHERE ${cond} AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY k`
  return { query, params }
}

/** Latest breaker state per vendor (k = provider, state). */
export function circuitSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT provider AS k, argMax(circuit_state, ts) AS state FROM mfa_events
WHERE event = 'mfa.circuit.changed' AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY k`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/** Latest enrollment snapshot per second factor of one user group. */
export function coverageSql(userGroup: string, fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT factor, argMax(enrolled_count, ts) AS enrolled, argMax(total_count, ts) AS total FROM mfa_events
WHERE event = 'mfa.enrollment.snapshot' AND factor != 'password' AND user_group = {g:String}
  AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY factor`,
    params: { g: userGroup, from_ms: fromMs, to_ms: toMs },
  }
}

/** Last event time (epoch ms) per producer seen within [from, to). */
export function lastSeenSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT service AS k, toUnixTimestamp64Milli(max(ts)) AS last FROM mfa_events
WHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
GROUP BY k`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}
