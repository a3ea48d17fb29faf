import type { ClickHouseClient } from '@clickhouse/client'
import type { MfaEventRow } from '../storage/rows'
import type { LogIn, MetricIn, ResourceBlock, SpanIn } from '../otlp/model'
import { OTEL_LOGS_COLUMNS, OTEL_TRACES_COLUMNS } from './columns'
import { RecentIds } from './dedup'
import { GroupWriter } from './group-writer'
import { logRows } from './log-rows'
import { metricRows, OTEL_METRICS_GAUGE_COLUMNS, OTEL_METRICS_HISTOGRAM_COLUMNS, OTEL_METRICS_SUM_COLUMNS } from './metric-rows'
import { spanRows } from './span-rows'

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

const quote = (c: string) => `\`${c}\``

/**
 * Storage side of the receiver: rows are written before this resolves (the caller answers the
 * exporter only then), as JSONCompactEachRow through the one ClickHouse client, so chDB and a
 * ClickHouse server take the same path; concurrent requests share inserts (GroupWriter).
 * A thrown error means nothing was acknowledged and the exporter must retry; ids are
 * remembered only once stored.
 */
export function createIngest(client: Pick<ClickHouseClient, 'insert'>, opts: { recent?: RecentIds; onInsert?: InsertObserver } = {}): Ingest {
  const recent = opts.recent ?? new RecentIds()
  const onInsert = opts.onInsert ?? (() => {})

  async function insert(table: string, columns: readonly string[], values: unknown[][], settings?: { insert_allow_materialized_columns: 1 }): Promise<void> {
    if (values.length === 0) return
    const t0 = performance.now()
    await client.insert({ table, columns: columns.map(quote) as [string, ...string[]], values, format: 'JSONCompactEachRow', ...(settings ? { clickhouse_settings: settings } : {}) })
    onInsert(table, values.length, (performance.now() - t0) / 1000)
  }
  const mfaEvents = new GroupWriter<MfaEventRow>((rows) => {
    const columns = Object.keys(rows[0]) as (keyof MfaEventRow)[]
    return insert('mfa_events', columns, rows.map((r) => columns.map((c) => r[c])))
  })
  const otelLogs = new GroupWriter<unknown[]>((rows) => insert('otel_logs', OTEL_LOGS_COLUMNS, rows, { insert_allow_materialized_columns: 1 }))
  const otelTraces = new GroupWriter<unknown[]>((rows) => insert('otel_traces', OTEL_TRACES_COLUMNS, rows))
  const gauges = new GroupWriter<unknown[]>((rows) => insert('otel_metrics_gauge', OTEL_METRICS_GAUGE_COLUMNS, rows))
  const sums = new GroupWriter<unknown[]>((rows) => insert('otel_metrics_sum', OTEL_METRICS_SUM_COLUMNS, rows))
  const histograms = new GroupWriter<unknown[]>((rows) => insert('otel_metrics_histogram', OTEL_METRICS_HISTOGRAM_COLUMNS, rows))

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
      if (fresh.length > 0) {
        await mfaEvents.write(fresh)
        recent.mark(fresh.map((r) => r.event_id), 'mfa')
      }
      await otelLogs.write(logs)
      recent.mark(known.keys(), 'both')
      return { accepted: batch.logs.length, rejected: batch.rejected, duplicates: batch.mfa.length - fresh.length, message: batch.errors.join('; ') }
    },

    async traces(blocks) {
      const rows = spanRows(blocks)
      await otelTraces.write(rows)
      return { accepted: rows.length, rejected: 0, duplicates: 0, message: '' }
    },
    async metrics(blocks) {
      const batch = metricRows(blocks)
      await Promise.all([gauges.write(batch.gauge), sums.write(batch.sum), histograms.write(batch.histogram)])
      return { accepted: batch.gauge.length + batch.sum.length + batch.histogram.length, rejected: batch.rejected, duplicates: 0, message: batch.errors.join('; ') }
    },
  }
}
