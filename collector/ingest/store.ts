import type { ClickHouseClient } from '@clickhouse/client'
import type { LogIn, MetricIn, ResourceBlock, SpanIn } from '../otlp/model'
import type { RowWriter } from './batcher'
import { DirectWriter } from './direct-writer'
import { loadRecentKeys, RecentIds } from './dedup'
import { conflictRow, prepareLogRows } from './log-rows'
import { type PreparedMetrics, prepareMetricRows } from './metric-rows'
import { type PreparedRows, resolveRows } from './prepared'
import { prepareSpanRows } from './span-rows'

export interface IngestResult {
  /** Records acknowledged: stored now, or already stored by an earlier delivery. */
  accepted: number
  /** Records refused (contract violations); stored nowhere. */
  rejected: number
  /** Records skipped because they were already stored (event id, span ids, log content). */
  duplicates: number
  /** Contract events refused because their event id was stored with other content (kept in ingest_conflicts). */
  conflicts?: number
  /** The first problems, for the exporter's `partial_success.error_message`. */
  message: string
}

export interface Ingest {
  logs(blocks: ResourceBlock<LogIn>[]): Promise<IngestResult>
  traces(blocks: ResourceBlock<SpanIn>[]): Promise<IngestResult>
  /** Gauges, sums and histograms into the contrib exporter's otel_metrics_* tables; other kinds are counted as rejected. */
  metrics(blocks: ResourceBlock<MetricIn>[]): Promise<IngestResult>
  /** Log or span rows prepared by prepareLogRows / prepareSpanRows (on a decode worker): deduplicated here, then written. */
  rows(p: PreparedRows): Promise<IngestResult>
  /** Metric rows prepared by prepareMetricRows. */
  metricRecords(p: PreparedMetrics): Promise<IngestResult>
}

/** Called after each completed insert, for metrics. */
export type InsertObserver = (table: string, rows: number, seconds: number) => void

/**
 * Storage side of the receiver: a request's rows are encoded (logs and spans as TabSeparated,
 * log-rows.ts / span-rows.ts; metrics as JSONCompactEachRow; split so no record spans too many
 * partition days) and handed to the write path, which resolves once they may be acknowledged —
 * durable in the spool (the collector process, SpoolWriter) or inserted (DirectWriter, the
 * default without one). A thrown error means nothing was acknowledged and the exporter must
 * retry (WriteRefused carries the status); keys are remembered only then.
 *
 * When `client` can query, the dedup memory is first filled from the tables (loadRecentKeys),
 * so a batch resent after a restart is recognised; logs and traces wait for that (a failed
 * load is reported through `log` and ingest goes on without it).
 */
/** Longest wait for the spool's replay before the dedup memory is loaded without it. */
const REPLAY_WAIT_MS = 30_000

export function createIngest(
  client: Pick<ClickHouseClient, 'exec'> & Partial<Pick<ClickHouseClient, 'query'>>,
  opts: { recent?: RecentIds; onInsert?: InsertObserver; writer?: RowWriter; dedupWindowS?: number; log?: (line: string) => void } = {},
): Ingest {
  const recent = opts.recent ?? new RecentIds()
  const onInsert = opts.onInsert ?? (() => {})
  const writer = opts.writer ?? new DirectWriter({ client, batchRows: 100_000, maxDays: 90, timeoutMs: 0, observer: { insert: onInsert } })
  // What an earlier process left in the spool is inserted first (bounded wait), so its keys are
  // among those loaded: an exporter that never got its answer resends exactly those records.
  const replayed = (): Promise<void> => {
    const w = writer as RowWriter
    if (!w.replayed) return Promise.resolve()
    let timer: NodeJS.Timeout | undefined
    const cap = new Promise<void>((resolve) => { timer = setTimeout(resolve, REPLAY_WAIT_MS) })
    return Promise.race([w.replayed(), cap]).finally(() => clearTimeout(timer))
  }
  const ready: Promise<unknown> = typeof client.query === 'function'
    ? replayed().then(() => loadRecentKeys(client as Pick<ClickHouseClient, 'query'>, recent, { windowS: opts.dedupWindowS, log: opts.log }))
      .catch((err: unknown) => opts.log?.(`dedup: could not load recent keys, resends from before this start are not recognised: ${(err as Error).message.slice(0, 200)}`))
    : Promise.resolve()

  /** Rows prepared from logs or spans (here, or on a decode worker), decided against the dedup memory and written. */
  async function rows(p: PreparedRows): Promise<IngestResult> {
    await ready
    const batch = resolveRows(p, recent, conflictRow)
    const write = writer.write(batch.records)
    // Later copies of these records (another request, or a retry while this one is in
    // flight) wait for this write; the keys are remembered only once it is acknowledged.
    recent.track(batch.fresh, write)
    await write
    await Promise.all(batch.waits)
    return { accepted: batch.accepted, rejected: batch.rejected, duplicates: batch.duplicates, conflicts: batch.conflicts, message: batch.errors.join('; ') }
  }
  async function encoded(p: PreparedMetrics): Promise<IngestResult> {
    await writer.write(p.records)
    return { accepted: p.accepted, rejected: p.rejected, duplicates: 0, message: p.errors.join('; ') }
  }
  return {
    // async: a builder's exception is a rejected promise, as before the split.
    logs: async (blocks) => rows(prepareLogRows(blocks)),
    traces: async (blocks) => rows(prepareSpanRows(blocks)),
    metrics: async (blocks) => encoded(prepareMetricRows(blocks)),
    rows,
    metricRecords: encoded,
  }
}
