import type { AttrValue, Attrs } from '../otlp/model'

/*
 * Column order of the rows handed to ClickHouse as JSONCompactEachRow (positional arrays:
 * cheaper to build and to parse than objects). Must name columns of migrations
 * 0002_otel_logs.sql (+ 0041) / 0003_otel_traces.sql; defaults (TimestampTime) are left out.
 */

export const OTEL_LOGS_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber', 'ServiceName', 'Body',
  'ResourceSchemaUrl', 'ResourceAttributes', 'ScopeSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes',
  'LogAttributes', 'EventName',
  // Marks the row as written by this receiver (its contract events are in mfa_events already),
  // so the otel_logs → mfa_events view of migration 0041 skips it. MATERIALIZED: inserting it
  // needs insert_allow_materialized_columns.
  'FactorWatchIngest',
] as const

export const OTEL_TRACES_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
  'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
  'Events.Timestamp', 'Events.Name', 'Events.Attributes',
  'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
] as const

/** Map(String, String) values, as the contrib exporter stores them: scalars as text, the rest JSON. */
export function text(v: AttrValue): string {
  if (typeof v === 'string') return v
  if (v === null) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

export function flat(a: Attrs): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in a) out[k] = text(a[k])
  return out
}

/** DateTime64(9) text from epoch nanoseconds, exact (no float rounding): "seconds.nanoseconds". */
export function nsTime(ns: bigint): string {
  const s = ns.toString()
  if (s.length > 9) return `${s.slice(0, -9)}.${s.slice(-9)}`
  return `0.${s.padStart(9, '0')}`
}

/** `service.name` of a resource, or the SDKs' default when a producer did not set one. */
export function serviceName(resource: Attrs): string {
  const v = resource['service.name']
  return typeof v === 'string' && v !== '' ? v : 'unknown_service'
}
