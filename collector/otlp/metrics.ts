import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { IngestResult } from '../ingest/store'
import type { RefusalReason } from './body'
import type { Signal } from './response'

/** Reasons a record is refused inside an accepted request (partial_success). */
export type RecordRefusalReason = 'invalid_utf8' | 'expired' | 'contract' | 'unsupported'

/** The receiver's prom-client metrics; labels are bounded (signal, result, status, table, reason, action). */
export function otlpMetrics(registry?: Registry, decodeWorkers: () => number = () => 0) {
  const registers = registry ? [registry] : []
  new Gauge({
    name: 'factorwatch_otlp_decode_workers',
    help: 'Decode worker threads running (OTLP_DECODE_WORKERS); 0: exports are decoded on the main thread',
    registers,
    collect() { this.set(decodeWorkers()) },
  })
  const records = new Counter({
    name: 'factorwatch_otlp_records_total',
    help: 'OTLP records received, by signal and result (accepted, rejected, duplicate, conflict: an event.id stored with other content)',
    labelNames: ['signal', 'result'] as const,
    registers,
  })
  const requests = new Counter({
    name: 'factorwatch_otlp_requests_total',
    help: 'OTLP export requests by signal and HTTP status',
    labelNames: ['signal', 'status'] as const,
    registers,
  })
  const inserts = new Histogram({
    name: 'factorwatch_otlp_insert_seconds',
    help: 'Duration of one ClickHouse insert of an export request, by table',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  const refused = new Counter({
    name: 'factorwatch_otlp_refused_total',
    help: 'OTLP export requests refused whole (4xx/5xx), by reason',
    labelNames: ['reason'] as const,
    registers,
  })
  const recordsRefused = new Counter({
    name: 'factorwatch_otlp_records_refused_total',
    help: 'Records (log records, spans, data points) refused in partial_success of an accepted request, by signal and reason',
    labelNames: ['signal', 'reason'] as const,
    registers,
  })
  const limited = new Counter({
    name: 'factorwatch_otlp_attributes_limited_total',
    help: 'Attribute values truncated (OTLP_MAX_ATTRIBUTE_VALUE_BYTES) and attributes dropped (OTLP_MAX_ATTRIBUTES), by signal',
    labelNames: ['signal', 'action'] as const,
    registers,
  })
  const stages = new Histogram({
    name: 'factorwatch_otlp_stage_seconds',
    help: 'Where an accepted export\'s time goes, by stage: read (its body arriving), decode (decompress, decode and build rows, a decode worker\'s queue included), write (deduplicate, then until the rows are durable in the spool or inserted)',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2.5],
    registers,
  })
  return {
    /** Seconds an accepted export spent in each stage. */
    stages(read: number, decode: number, write: number) {
      stages.observe({ stage: 'read' }, read)
      stages.observe({ stage: 'decode' }, decode)
      stages.observe({ stage: 'write' }, write)
    },
    request(signal: Signal | 'other', status: number) {
      requests.inc({ signal, status: String(status) })
    },
    refused(reason: RefusalReason) {
      refused.inc({ reason })
    },
    recordsRefused(signal: Signal, reason: RecordRefusalReason, n: number) {
      if (n > 0) recordsRefused.inc({ signal, reason }, n)
    },
    limited(signal: Signal, truncated: number, dropped: number) {
      if (truncated > 0) limited.inc({ signal, action: 'truncated' }, truncated)
      if (dropped > 0) limited.inc({ signal, action: 'dropped' }, dropped)
    },
    records(signal: Signal, r: IngestResult) {
      if (r.accepted) records.inc({ signal, result: 'accepted' }, r.accepted)
      if (r.rejected) records.inc({ signal, result: 'rejected' }, r.rejected)
      if (r.duplicates) records.inc({ signal, result: 'duplicate' }, r.duplicates)
      if (r.conflicts) records.inc({ signal, result: 'conflict' }, r.conflicts)
    },
    insert(table: string, _rows: number, seconds: number) {
      inserts.observe({ table }, seconds)
    },
  }
}
