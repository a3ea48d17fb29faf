import { Counter, Histogram, type Registry } from 'prom-client'
import type { IngestResult } from '../ingest/store'
import type { Signal } from './response'

/** The receiver's prom-client metrics; labels are bounded (signal, result, status, table). */
export function otlpMetrics(registry?: Registry) {
  const registers = registry ? [registry] : []
  const records = new Counter({
    name: 'factorwatch_otlp_records_total',
    help: 'OTLP records received, by signal and result (accepted, rejected, duplicate)',
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
  return {
    request(signal: Signal | 'other', status: number) {
      requests.inc({ signal, status: String(status) })
    },
    records(signal: Signal, r: IngestResult) {
      if (r.accepted) records.inc({ signal, result: 'accepted' }, r.accepted)
      if (r.rejected) records.inc({ signal, result: 'rejected' }, r.rejected)
      if (r.duplicates) records.inc({ signal, result: 'duplicate' }, r.duplicates)
    },
    insert(table: string, _rows: number, seconds: number) {
      inserts.observe({ table }, seconds)
    },
  }
}
