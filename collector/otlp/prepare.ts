import { stampTenant } from '../access/ingest'
import { prepareLogRows } from '../ingest/log-rows'
import { type PreparedMetrics, prepareMetricRows } from '../ingest/metric-rows'
import type { PreparedRows } from '../ingest/prepared'
import { prepareSpanRows } from '../ingest/span-rows'
import { decodeLogsJson, decodeTracesJson } from './decode-json'
import { decodeMetricsJson, decodeMetricsProtobuf } from './decode-metrics'
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf'
import type { Encoding, Signal } from './response'
import { type Sanitized, sanitizeLogs, sanitizeMetrics, type SanitizeOptions, sanitizeSpans } from './sanitize'

/** One export's decompressed body and what its decoding needs: all plain data, so it can go to a decode worker. */
export interface ExportTask {
  signal: Signal
  encoding: Encoding
  body: Uint8Array
  /** The tenant of the producer token, stamped on every resource. */
  tenant: string
  maxDepth: number
  sanitize: SanitizeOptions
}

/** The sanitize pass's counts and messages, without the blocks. */
export type SanitizeSummary = Omit<Sanitized<unknown>, 'blocks'>

export type PreparedExport =
  | { signal: 'logs' | 'traces'; rows: PreparedRows; sanitized: SanitizeSummary }
  | { signal: 'metrics'; metrics: PreparedMetrics; sanitized: SanitizeSummary }

const summary = ({ blocks: _blocks, ...rest }: Sanitized<unknown>): SanitizeSummary => rest

/**
 * Decode, sanitize and turn into rows one export: everything about a request that does not
 * need the receiver's state. Pure and synchronous; throws DecodeError (400) on a body that is
 * not OTLP. The receiver runs it on a decode worker (decode-pool.ts), or inline without one.
 */
export function prepareExport(t: ExportTask): PreparedExport {
  const limits = { maxDepth: t.maxDepth }
  if (t.signal === 'metrics') {
    const s = sanitizeMetrics(t.encoding === 'json' ? decodeMetricsJson(t.body, limits) : decodeMetricsProtobuf(t.body, limits), t.sanitize)
    return { signal: 'metrics', metrics: prepareMetricRows(stampTenant(s.blocks, t.tenant)), sanitized: summary(s) }
  }
  if (t.signal === 'traces') {
    const s = sanitizeSpans(t.encoding === 'json' ? decodeTracesJson(t.body, limits) : decodeTracesProtobuf(t.body, limits), t.sanitize)
    return { signal: 'traces', rows: prepareSpanRows(stampTenant(s.blocks, t.tenant)), sanitized: summary(s) }
  }
  const s = sanitizeLogs(t.encoding === 'json' ? decodeLogsJson(t.body, limits) : decodeLogsProtobuf(t.body, limits), t.sanitize)
  return { signal: 'logs', rows: prepareLogRows(stampTenant(s.blocks, t.tenant)), sanitized: summary(s) }
}
