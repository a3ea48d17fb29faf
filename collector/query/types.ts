/** Public types of the query API (collector/query). Shapes are documented in README.md. */

/** A validated time window: [fromMs, toMs) cut into buckets of stepS seconds aligned to the epoch. */
export interface QueryWindow {
  fromMs: number
  toMs: number
  stepS: number
}

import { FILTER_KEYS, type FilterKey, METRIC_IDS, type MetricId, type MetricResults } from '../../contract/query'

export { FILTER_KEYS, METRIC_IDS, type FilterKey, type MetricId, type MetricResults }
export type Filters = Partial<Record<FilterKey, string>>

/** Everything a metric's SQL builder may depend on; `nowMs` is passed in, never read. */
export interface MetricContext {
  window: QueryWindow
  filters: Filters
  nowMs: number
  /** Raw events or a rollup table; only metrics with `rollups: true` look at it. */
  source: Source
  /**
   * Set when finalized-flow rollups (flow-rollup.ts) hold the window's earlier hours: count only
   * flows whose first anchor event, unfiltered, is at or after `window.fromMs`.
   */
  tailFromMs?: number
}

/** A statement plus its server-side parameters (`{name:Type}` placeholders). */
export interface SqlQuery {
  query: string
  params: Record<string, string | number | string[] | number[]>
}

/**
 * Where event-count and latency metrics read from. Raw `mfa_events` (deduplicated with FINAL)
 * by default; the per-minute or hourly rollups of migration 0010 when the window is long.
 * The metric SQL is written once against these expressions (collector/query/source.ts).
 */
export interface Source {
  name: 'raw' | 'rollup_1m' | 'rollup_1h'
  from: string
  window: string
  bucket: string
  /** Count of distinct events matching `cond`. */
  countIf: (cond: string) => string
  /** quantiles(0.5, 0.95, 0.99) of latency_ms, as an array. */
  latencyQuantiles: string
  /** The same as a state per group, and the function that merges such states into the array. */
  latencyState: string
  latencyMerge: string
  /** Rows that carry a latency (rollup states already skip NULLs). */
  hasLatency: string
}

export type Row = Record<string, unknown>
export type SeriesPoint = [number, ...(number | null)[]]

/** One metric, defined once: its SQL and how its rows become the JSON answer (contract/query.ts). */
export interface MetricDef<K extends MetricId = MetricId> {
  id: K
  title: string
  unit: 'ratio' | 'ms' | 'count'
  description: string
  /** Filters this metric honours; others given in the request are reported as ignored. */
  filters: readonly FilterKey[]
  /** Whether `sql` can read the rollup tables (counts and latency states, not per-flow logic). */
  rollups: boolean
  sql: (ctx: MetricContext) => SqlQuery
  shape: (rows: Row[], ctx: MetricContext) => MetricResults[K]
}
/** Any one metric's definition, its id tied to its result type. */
export type AnyMetricDef = { [K in MetricId]: MetricDef<K> }[MetricId]

/** A request parameter that failed validation: answered as HTTP 400. */
export interface ParamError {
  parameter: string
  message: string
}
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ParamError }
