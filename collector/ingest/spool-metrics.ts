import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Health, WriteObserver } from './batcher'
import type { Backlog } from './spool'

const HEALTH_VALUE: Record<Health['status'], number> = { ok: 0, degraded: 1, failing: 2 }

/**
 * The write path's prom-client metrics (labels bounded: table, kind, reason). Gauges are read
 * when /metrics is scraped, through `source`, which is set once the spool is open.
 */
export function spoolMetrics(registry: Registry | undefined, now: () => number) {
  const registers = registry ? [registry] : []
  let source: { backlog: () => Backlog; health: () => Health } | undefined
  new Gauge({
    name: 'factorwatch_spool_backlog_bytes', help: 'Bytes in the OTLP spool not yet inserted into ClickHouse', registers,
    collect() { this.set(source?.backlog().bytes ?? 0) },
  })
  new Gauge({
    name: 'factorwatch_spool_backlog_rows', help: 'Rows in the OTLP spool not yet inserted into ClickHouse', registers,
    collect() { this.set(source?.backlog().rows ?? 0) },
  })
  new Gauge({
    name: 'factorwatch_spool_backlog_segments', help: 'Spool segments (batches) not yet inserted', registers,
    collect() { this.set(source?.backlog().segments ?? 0) },
  })
  new Gauge({
    name: 'factorwatch_spool_oldest_age_seconds', help: 'Age of the oldest spooled row not yet inserted (0 when none)', registers,
    collect() {
      const at = source?.backlog().oldestAt
      this.set(at === undefined ? 0 : Math.max(0, (now() - at) / 1000))
    },
  })
  new Gauge({
    name: 'factorwatch_ingest_health', help: 'Write path health: 0 ok, 1 degraded, 2 failing (reason in /healthz)', registers,
    collect() { this.set(source ? HEALTH_VALUE[source.health().status] : 0) },
  })
  const fsync = new Histogram({
    name: 'factorwatch_spool_commit_seconds', help: 'One group commit of the spool: write + fdatasync', registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  })
  const commitRecords = new Histogram({
    name: 'factorwatch_spool_commit_records', help: 'Records (one table of one request each) sharing one group commit', registers,
    buckets: [1, 2, 4, 8, 16, 32, 64],
  })
  const batchRows = new Histogram({
    name: 'factorwatch_insert_batch_rows', help: 'Rows per ClickHouse INSERT of the write path, by table', labelNames: ['table'] as const, registers,
    buckets: [100, 1000, 5000, 10_000, 20_000, 50_000, 100_000],
  })
  const insertSeconds = new Histogram({
    name: 'factorwatch_insert_seconds', help: 'Duration of one ClickHouse INSERT of the write path, by table', labelNames: ['table'] as const, registers,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  })
  const failures = new Counter({
    name: 'factorwatch_insert_failures_total', help: 'Failed INSERTs by table and kind (transient, data, partitions, unknown)', labelNames: ['table', 'kind'] as const, registers,
  })
  const refused = new Counter({
    name: 'factorwatch_insert_refused_rows_total', help: 'Acknowledged rows ClickHouse refused for a data reason, isolated and dropped', labelNames: ['table', 'reason'] as const, registers,
  })
  const observer: WriteObserver = {
    insert(table, rows, seconds) {
      batchRows.observe({ table }, rows)
      insertSeconds.observe({ table }, seconds)
    },
    failure(table, kind) { failures.inc({ table, kind }) },
    refused(table, rows, reason) { refused.inc({ table, reason }, rows) },
  }
  return {
    observer,
    commit(seconds: number, records: number) {
      fsync.observe(seconds)
      commitRecords.observe(records)
    },
    watch(s: { backlog: () => Backlog; health: () => Health }) { source = s },
  }
}
