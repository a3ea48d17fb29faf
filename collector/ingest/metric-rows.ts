import type { Attrs, ExemplarIn, MetricIn, ResourceBlock } from '../otlp/model'
import { flat, nsTime, serviceName } from './columns'
import { encodeJsonRows, type EncodedRows } from './spool-record'

/*
 * Column order of the rows for the contrib exporter's metric tables (migration 0040), handed to
 * ClickHouse as JSONCompactEachRow like the log and span rows.
 */
const COMMON = [
  'ResourceAttributes', 'ResourceSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes', 'ScopeDroppedAttrCount', 'ScopeSchemaUrl',
  'ServiceName', 'MetricName', 'MetricDescription', 'MetricUnit', 'Attributes', 'StartTimeUnix', 'TimeUnix',
] as const
const EXEMPLARS = ['Exemplars.FilteredAttributes', 'Exemplars.TimeUnix', 'Exemplars.Value', 'Exemplars.SpanId', 'Exemplars.TraceId'] as const
export const OTEL_METRICS_GAUGE_COLUMNS = [...COMMON, 'Value', 'Flags', ...EXEMPLARS] as const
export const OTEL_METRICS_SUM_COLUMNS = [...COMMON, 'Value', 'Flags', ...EXEMPLARS, 'AggregationTemporality', 'IsMonotonic'] as const
export const OTEL_METRICS_HISTOGRAM_COLUMNS = [...COMMON, 'Count', 'Sum', 'BucketCounts', 'ExplicitBounds', ...EXEMPLARS, 'Flags', 'Min', 'Max', 'AggregationTemporality'] as const

export interface MetricBatch {
  gauge: unknown[][]
  sum: unknown[][]
  histogram: unknown[][]
  /** Data points not stored: exponential histograms, summaries, points without any time. */
  rejected: number
  errors: string[]
}

const exemplarColumns = (e: ExemplarIn[]) => [
  e.map((x) => flat(x.filteredAttributes)), e.map((x) => nsTime(x.timeNs)), e.map((x) => x.value), e.map((x) => x.spanId), e.map((x) => x.traceId),
]
/** Non-finite doubles as JSON text (ClickHouse reads "nan", "inf", "-inf" into Float64). */
const f64 = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf')

/** Rows for otel_metrics_gauge / _sum / _histogram. Pure. */
export function metricRows(blocks: ResourceBlock<MetricIn>[]): MetricBatch {
  const out: MetricBatch = { gauge: [], sum: [], histogram: [], rejected: 0, errors: [] }
  for (const b of blocks) {
    const service = serviceName(b.resource)
    const resourceAttrs = flat(b.resource)
    for (const { scope, items } of b.scopes) {
      const scopeAttrs = flat(scope.attributes)
      for (const m of items) {
        const common = (attributes: Attrs, startNs: bigint, timeNs: bigint) => [
          resourceAttrs, b.schemaUrl, scope.name, scope.version, scopeAttrs, scope.droppedAttributes, scope.schemaUrl,
          service, m.name, m.description, m.unit, flat(attributes), nsTime(startNs), nsTime(timeNs),
        ]
        if (m.unsupported > 0) {
          out.rejected += m.unsupported
          if (out.errors.length < 3) out.errors.push(`metric ${m.name}: ${m.kind} data points are not stored (gauge, sum and histogram are)`)
        }
        const timed = <P extends { timeNs: bigint }>(points: P[]): P[] => {
          const ok = points.filter((p) => p.timeNs !== 0n)
          if (ok.length < points.length) {
            out.rejected += points.length - ok.length
            if (out.errors.length < 3) out.errors.push(`metric ${m.name}: data point without time_unix_nano`)
          }
          return ok
        }
        for (const p of timed(m.numbers)) {
          const row = [...common(p.attributes, p.startNs, p.timeNs), f64(p.value), p.flags, ...exemplarColumns(p.exemplars)]
          if (m.kind === 'gauge') out.gauge.push(row)
          else out.sum.push([...row, m.temporality, m.monotonic])
        }
        for (const p of timed(m.histograms)) {
          out.histogram.push([
            ...common(p.attributes, p.startNs, p.timeNs), p.count.toString(), f64(p.sum), p.bucketCounts.map(String), p.explicitBounds.map(f64),
            ...exemplarColumns(p.exemplars), p.flags, f64(p.min), f64(p.max), m.temporality,
          ])
        }
      }
    }
  }
  return out
}

/** A request's metric rows, encoded for the write path (no dedup: points are not deduplicated). */
export interface PreparedMetrics {
  records: EncodedRows[]
  accepted: number
  rejected: number
  errors: string[]
}

/** UTC day of the "seconds.nanoseconds" text of columns.ts nsTime. */
const dayOfNsTime = (t: string) => {
  const dot = t.indexOf('.')
  return Math.floor(Number(dot < 0 ? t : t.slice(0, dot)) / 86_400)
}
const TIME_UNIX = OTEL_METRICS_GAUGE_COLUMNS.indexOf('TimeUnix')

/** metricRows encoded as JSONCompactEachRow records of the three tables. Pure; runs on a decode worker. */
export function prepareMetricRows(blocks: ResourceBlock<MetricIn>[]): PreparedMetrics {
  const batch = metricRows(blocks)
  const day = (r: unknown[]) => dayOfNsTime(r[TIME_UNIX] as string)
  return {
    records: [
      ...encodeJsonRows('otel_metrics_gauge', OTEL_METRICS_GAUGE_COLUMNS, batch.gauge, day),
      ...encodeJsonRows('otel_metrics_sum', OTEL_METRICS_SUM_COLUMNS, batch.sum, day),
      ...encodeJsonRows('otel_metrics_histogram', OTEL_METRICS_HISTOGRAM_COLUMNS, batch.histogram, day),
    ],
    accepted: batch.gauge.length + batch.sum.length + batch.histogram.length,
    rejected: batch.rejected,
    errors: batch.errors,
  }
}
