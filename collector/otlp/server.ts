import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry } from 'prom-client'
import { type RowWriter, WriteRefused } from '../ingest/batcher'
import { RecentIds } from '../ingest/dedup'
import { createIngest, type IngestResult } from '../ingest/store'
import { byteBudget, decodeContent, HttpError, readBody } from './body'
import { decodeLogsJson, decodeTracesJson } from './decode-json'
import { decodeMetricsJson, decodeMetricsProtobuf } from './decode-metrics'
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf'
import { otlpMetrics } from './metrics'
import { DecodeError } from './model'
import { CONTENT_TYPE, type Encoding, exportResponse, type Signal, statusBody } from './response'

export interface OtlpServerOptions {
  client: Pick<ClickHouseClient, 'exec'>
  /** Where rows go: the spool (collector/main.ts) or, without it, straight inserts (DirectWriter). */
  writer?: RowWriter
  /** Largest accepted body, compressed and decompressed alike (config.maxBodyBytes). */
  maxBodyBytes: number
  /** prom-client registry for the receiver's counters; none registered without it. */
  registry?: Registry
  log?: (line: string) => void
  /** Requests being read, decoded or inserted at once; beyond it 503 + Retry-After. Default 16. */
  maxInFlight?: number
  /** Body bytes (compressed plus decompressed) held by in-flight requests. Default 4 × maxBodyBytes. */
  maxInFlightBytes?: number
  /** Event ids remembered for deduplication. Default 200,000. */
  dedupCapacity?: number
}

const PATHS: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/traces': 'traces', '/v1/metrics': 'metrics' }
const ENCODINGS: Record<string, Encoding> = { 'application/json': 'json', 'application/x-protobuf': 'protobuf' }

/**
 * The OTLP/HTTP receiver (`/v1/logs`, `/v1/traces`, `/v1/metrics`, OTLP/JSON and
 * OTLP/protobuf, optionally gzip). A request is read, decoded and validated completely before
 * anything is written, and answered 200 only once its rows are stored; a refused request
 * writes nothing. Metrics go to the contrib exporter's otel_metrics_gauge / _sum / _histogram;
 * exponential histograms and summaries come back as rejected data points in partial_success.
 */
export function createOtlpServer(opts: OtlpServerOptions): Server {
  const { maxBodyBytes } = opts
  const log = opts.log ?? (() => {})
  const maxInFlight = opts.maxInFlight ?? 16
  const budget = byteBudget(opts.maxInFlightBytes ?? 4 * maxBodyBytes)
  const metrics = otlpMetrics(opts.registry)
  const ingest = createIngest(opts.client, { recent: new RecentIds(opts.dedupCapacity), onInsert: metrics.insert, writer: opts.writer })
  let inFlight = 0

  async function handle(req: IncomingMessage, signal: Signal, encoding: Encoding, held: { bytes: number }): Promise<IngestResult> {
    const raw = await readBody(req, maxBodyBytes, budget, held)
    const contentEncoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
    const body = await decodeContent(raw, contentEncoding, maxBodyBytes, budget, held)
    if (signal === 'metrics') return ingest.metrics(encoding === 'json' ? decodeMetricsJson(body.toString('utf8')) : decodeMetricsProtobuf(body))
    if (signal === 'traces') {
      return ingest.traces(encoding === 'json' ? decodeTracesJson(body.toString('utf8')) : decodeTracesProtobuf(body))
    }
    return ingest.logs(encoding === 'json' ? decodeLogsJson(body.toString('utf8')) : decodeLogsProtobuf(body))
  }

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    const signal: Signal | undefined = PATHS[path]
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    const encoding: Encoding | undefined = ENCODINGS[contentType]
    const replyEncoding: Encoding = encoding ?? 'json'

    const send = (status: number, body: Uint8Array | string, headers: Record<string, string> = {}) => {
      metrics.request(signal ?? 'other', status)
      // A body we stopped reading cannot be skipped on a kept-alive connection: close it.
      if (!req.complete) headers.connection = 'close'
      res.writeHead(status, { 'content-type': CONTENT_TYPE[replyEncoding], ...headers }).end(body)
    }
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => send(status, statusBody(status, replyEncoding, message), headers)

    if (!signal) return fail(404, `no OTLP endpoint at ${path.slice(0, 100)}: use /v1/logs, /v1/traces or /v1/metrics`)
    if (req.method !== 'POST') return fail(405, `method ${req.method} not allowed: OTLP exports use POST`, { allow: 'POST' })
    if (!encoding) return fail(415, `unsupported content type "${contentType.slice(0, 100) || '(none)'}": expected application/json or application/x-protobuf`)
    if (inFlight >= maxInFlight) return fail(503, 'collector busy: too many exports in flight, retry later', { 'retry-after': '1' })

    inFlight++
    const held = { bytes: 0 }
    handle(req, signal, encoding, held)
      .then((r) => {
        metrics.records(signal, r)
        send(200, exportResponse(signal, replyEncoding, r.rejected, r.message))
      })
      .catch((err: unknown) => {
        if (err instanceof HttpError) return fail(err.status, err.message, err.headers)
        if (err instanceof DecodeError) return fail(400, err.message)
        // The write path refused (spool over its limits: 503 storage behind) or storage refused the rows (400).
        if (err instanceof WriteRefused) return fail(err.status, err.message, err.retryAfterS ? { 'retry-after': String(err.retryAfterS) } : {})
        // Storage failed: nothing was acknowledged, so the exporter's retry loses nothing.
        log(`otlp: ${signal} insert failed: ${(err as Error).message.slice(0, 300)}`)
        fail(503, 'storage unavailable, retry later', { 'retry-after': '5' })
      })
      .finally(() => {
        inFlight--
        budget.give(held.bytes)
      })
  })
}
