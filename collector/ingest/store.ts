import type { ClickHouseClient } from '@clickhouse/client'
import type { MfaEventRow } from '../storage/rows'
import type { LogIn, MetricIn, ResourceBlock, SpanIn } from '../otlp/model'
import { DirectWriter, type RowWriter } from './batcher'
import { OTEL_LOGS_COLUMNS, OTEL_TRACES_COLUMNS } from './columns'
import { RecentIds } from './dedup'
import { logRows } from './log-rows'
import { metricRows, OTEL_METRICS_GAUGE_COLUMNS, OTEL_METRICS_HISTOGRAM_COLUMNS, OTEL_METRICS_SUM_COLUMNS } from './metric-rows'
import { spanRows } from './span-rows'
import { type EncodedRows, encodeJsonRows } from './spool-record'

export interface IngestResult {
  /** Records acknowledged: stored now, or already stored by an earlier delivery. */
  accepted: number
  /** Records refused (contract violations); stored nowhere. */
  rejected: number
  /** Contract events skipped because their event id was already stored. */
  duplicates: number
  /** The first problems, for the exporter's `partial_success.error_message`. */
  message: string
}

export interface Ingest {
  logs(blocks: ResourceBlock<LogIn>[]): Promise<IngestResult>
  traces(blocks: ResourceBlock<SpanIn>[]): Promise<IngestResult>
  /** Gauges, sums and histograms into the contrib exporter's otel_metrics_* tables; other kinds are counted as rejected. */
  metrics(blocks: ResourceBlock<MetricIn>[]): Promise<IngestResult>
}

/** Called after each completed insert, for metrics. */
export type InsertObserver = (table: string, rows: number, seconds: number) => void

/** UTC day of 'YYYY-MM-DD …' (mfa_events.ts). */
const dayOfChTime = (ts: string) => Date.UTC(+ts.slice(0, 4), +ts.slice(5, 7) - 1, +ts.slice(8, 10)) / 86_400_000
/** UTC day of the "seconds.nanoseconds" text of columns.ts nsTime. */
const dayOfNsTime = (t: string) => {
  const dot = t.indexOf('.')
  return Math.floor(Number(dot < 0 ? t : t.slice(0, dot)) / 86_400)
}
const TIME_UNIX = OTEL_METRICS_GAUGE_COLUMNS.indexOf('TimeUnix')
const MATERIALIZED = { insert_allow_materialized_columns: 1 }

/**
 * Storage side of the receiver: a request's rows are encoded (JSONCompactEachRow, split so no
 * record spans too many partition days) and handed to the write path, which resolves once they
 * may be acknowledged — durable in the spool (the collector process, SpoolWriter) or inserted
 * (DirectWriter, the default without one). A thrown error means nothing was acknowledged and
 * the exporter must retry (WriteRefused carries the status); ids are remembered only then.
 */
export function createIngest(client: Pick<ClickHouseClient, 'exec'>, opts: { recent?: RecentIds; onInsert?: InsertObserver; writer?: RowWriter } = {}): Ingest {
  const recent = opts.recent ?? new RecentIds()
  const onInsert = opts.onInsert ?? (() => {})
  const writer = opts.writer ?? new DirectWriter({ client, batchRows: 100_000, maxDays: 90, timeoutMs: 30_000, observer: { insert: onInsert } })

  return {
    async logs(blocks) {
      const batch = logRows(blocks)
      // One lookup per id; the first copy of an id in a batch is the one kept.
      const known = new Map<string, 'mfa' | 'both' | undefined>()
      const fresh: MfaEventRow[] = []
      for (const row of batch.mfa) {
        if (known.has(row.event_id)) continue
        const state = recent.get(row.event_id)
        known.set(row.event_id, state)
        if (state === undefined) fresh.push(row)
      }
      const logs: unknown[][] = []
      const emitted = new Set<string>()
      for (let i = 0; i < batch.logs.length; i++) {
        const id = batch.logIds[i]
        if (id !== null) {
          if (emitted.has(id)) continue
          emitted.add(id)
          if (known.get(id) === 'both') continue
        }
        logs.push(batch.logs[i])
      }
      const records: EncodedRows[] = []
      if (fresh.length > 0) {
        const columns = Object.keys(fresh[0]) as (keyof MfaEventRow)[]
        const ts = columns.indexOf('ts')
        records.push(...encodeJsonRows('mfa_events', columns, fresh.map((r) => columns.map((c) => r[c])), (r) => dayOfChTime(r[ts] as string)))
      }
      records.push(...encodeJsonRows('otel_logs', OTEL_LOGS_COLUMNS, logs, (r) => dayOfNsTime(r[0] as string), MATERIALIZED))
      await writer.write(records)
      recent.mark(known.keys(), 'both')
      return { accepted: batch.logs.length, rejected: batch.rejected, duplicates: batch.mfa.length - fresh.length, message: batch.errors.join('; ') }
    },

    async traces(blocks) {
      const rows = spanRows(blocks)
      await writer.write(encodeJsonRows('otel_traces', OTEL_TRACES_COLUMNS, rows, (r) => dayOfNsTime(r[0] as string)))
      return { accepted: rows.length, rejected: 0, duplicates: 0, message: '' }
    },
    async metrics(blocks) {
      const batch = metricRows(blocks)
      const day = (r: unknown[]) => dayOfNsTime(r[TIME_UNIX] as string)
      await writer.write([
        ...encodeJsonRows('otel_metrics_gauge', OTEL_METRICS_GAUGE_COLUMNS, batch.gauge, day),
        ...encodeJsonRows('otel_metrics_sum', OTEL_METRICS_SUM_COLUMNS, batch.sum, day),
        ...encodeJsonRows('otel_metrics_histogram', OTEL_METRICS_HISTOGRAM_COLUMNS, batch.histogram, day),
      ])
      return { accepted: batch.gauge.length + batch.sum.length + batch.histogram.length, rejected: batch.rejected, duplicates: 0, message: batch.errors.join('; ') }
    },
  }
}
