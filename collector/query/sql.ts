import type { FilterKey, Filters, MetricContext, QueryWindow, SqlQuery } from './types'

/**
 * SQL building blocks shared by every metric. Only identifiers and constants written in this
 * module appear in SQL text; every value from a request travels as a `{name:Type}` parameter.
 */

/** Events are read deduplicated: ReplacingMergeTree keyed on (event, ts, event_id) collapses re-deliveries under FINAL. */
export const EVENTS = 'mfa_events FINAL'

/**
 * For reads a re-delivered copy cannot change (argMax by time, max, min, existence): events
 * without FINAL, whose cost grows with the parts not yet merged (a fresh day holds many).
 */
export const EVENTS_ANY_COPY = 'mfa_events'

/**
 * The rare events also stored in mfa_security_events (migration 0087, partitioned by month, the
 * same key and engine as mfa_events): reads of only these events go there, where a month is one
 * or two parts instead of thirty days of daily ones. The migration's view lists the same names
 * (a test checks).
 */
export const SECURITY_EVENTS = ['mfa.enrollment.changed', 'mfa.enrollment.snapshot', 'mfa.recovery', 'mfa.bypass', 'mfa.exemption', 'mfa.lockout', 'mfa.circuit.changed'] as const
/** mfa_security_events as read: copies dropped by the query (event id, argMax, existence). */
export const SECURITY = 'mfa_security_events'
/** … or by FINAL, for plain counts (cheap here: a month is a part or two). */
export const SECURITY_FINAL = 'mfa_security_events FINAL'

export const WINDOW = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'

/** Window extended past `to` by `{lookahead_ms}`: lets a flow started inside the window finish. */
export const WINDOW_LOOKAHEAD = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64} + {lookahead_ms:Int64})'

/** Epoch-millisecond start of the step bucket holding `expr` (a DateTime64). */
export function bucket(expr: string): string {
  return `intDiv(toUnixTimestamp64Milli(${expr}), {step_ms:Int64}) * {step_ms:Int64}`
}

/** The same for a rollup row's start column (a DateTime, whole seconds): the bucket the row falls in. */
export function rowBucket(column: string): string {
  return `intDiv(toInt64(toUnixTimestamp(${column})) * 1000, {step_ms:Int64}) * {step_ms:Int64}`
}

/** `AND`-joined equality tests for the given filters (only those the caller honours); '1' when none. */
export function filterSql(filters: Filters, honoured: readonly FilterKey[]): string {
  const parts = honoured.filter((k) => filters[k] !== undefined).map((k) => `${k} = {f_${k}:String}`)
  return parts.length === 0 ? '1' : parts.join(' AND ')
}

/** Parameters for a window, step and the given filters (all of them; unused ones are harmless). */
export function baseParams(window: QueryWindow, filters: Filters, extra: Record<string, number | string | string[]> = {}): SqlQuery['params'] {
  const params: SqlQuery['params'] = { from_ms: window.fromMs, to_ms: window.toMs, step_ms: window.stepS * 1000, ...extra }
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) params[`f_${k}`] = v
  return params
}

export function ctxParams(ctx: MetricContext, extra: Record<string, number | string | string[]> = {}): SqlQuery['params'] {
  return baseParams(ctx.window, ctx.filters, extra)
}

/** Literal for a constant of our own code (event names, outcomes); refuses anything that could escape. */
export function lit(value: string): string {
  if (!/^[a-z0-9_.]+$/.test(value)) throw new Error(`refusing to inline SQL literal ${JSON.stringify(value)}: expected a contract constant`)
  return `'${value}'`
}

export function litList(values: readonly string[]): string {
  return `(${values.map(lit).join(', ')})`
}

/** ClickHouse returns 64-bit integers as strings over HTTP and as numbers from chDB. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v)
}

/** A finite number or null (NaN from an empty quantile, missing columns). */
export function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null
  const n = num(v)
  return Number.isFinite(n) ? n : null
}
