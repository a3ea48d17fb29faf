import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry } from 'prom-client'
import { type RowWriter, WriteRefused } from '../ingest/batcher'
import { RecentIds } from '../ingest/dedup'
import { createIngest, type IngestResult } from '../ingest/store'
import { type HealthRegistry, httpStatusOf } from '../health'
import { DEFAULT_TENANT } from '../../contract/access'
import type { AuthorizeIngest } from '../access/ingest'
import { byteBudget, decodeContent, HttpError, readBody, type RefusalReason } from './body'
import { DecodePool, DecoderFailed } from './decode-pool'
import { DEFAULT_OTLP_LIMITS, type OtlpLimits } from './limits'
import { otlpMetrics } from './metrics'
import { DecodeError, TooDeepError } from './model'
import { CONTENT_TYPE, type Encoding, exportResponse, type Signal, statusBody } from './response'
import { type ExportTask, prepareExport, type SanitizeSummary } from './prepare'
import { sanitizeMessage, type SanitizeOptions } from './sanitize'

export interface OtlpServerOptions {
  client: Pick<ClickHouseClient, 'exec'>
  /** Where rows go: the spool (collector/main.ts) or, without it, straight inserts (DirectWriter). */
  writer?: RowWriter
  /** Largest accepted body, compressed and decompressed alike (config.maxBodyBytes). */
  maxBodyBytes: number
  /** prom-client registry for the receiver's counters; none registered without it. */
  registry?: Registry
  log?: (line: string) => void
  /** Requests being decoded or written at once (a body being received holds no slot); beyond it 503 + Retry-After. Default 16. */
  maxInFlight?: number
  /** Body bytes (compressed plus decompressed) held by requests being received or in flight. Default 4 × maxBodyBytes. */
  maxInFlightBytes?: number
  /** Event ids remembered for deduplication. Default 200,000. */
  dedupCapacity?: number
  /** Depth, attribute, retention and timeout limits (limits.ts); each defaults to DEFAULT_OTLP_LIMITS, no retention check without ttlDays. */
  limits?: Partial<OtlpLimits>
  /** The receive time (ms) of a record without one, and the retention cut-off; Date.now by default. */
  now?: () => number
  /** GET /healthz on this port too (for a load balancer in front of ingest), when given. */
  health?: HealthRegistry
  /** Producer tokens (collector/access/ingest.ts): asked before the body is read; its tenant is stamped on every resource. Default: all accepted as tenant `default`. */
  authorizeIngest?: AuthorizeIngest
  /** Worker threads that decode exports and build their rows (decode-pool.ts), or a pool of them; stopped with the server. 0: on the main thread. Default 0. */
  decodeWorkers?: number | DecodePool
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
  const now = opts.now ?? Date.now
  const limits: OtlpLimits = { ...DEFAULT_OTLP_LIMITS, ...opts.limits }
  const maxInFlight = opts.maxInFlight ?? 16
  const budget = byteBudget(opts.maxInFlightBytes ?? 4 * maxBodyBytes)
  const pool = opts.decodeWorkers instanceof DecodePool ? opts.decodeWorkers : opts.decodeWorkers ? new DecodePool(opts.decodeWorkers, log) : undefined
  const metrics = otlpMetrics(opts.registry, () => pool?.running ?? 0)
  const ingest = createIngest(opts.client, { recent: new RecentIds(opts.dedupCapacity), onInsert: metrics.insert, writer: opts.writer })
  const timeouts = { idleMs: limits.bodyIdleTimeoutMs, totalMs: limits.requestTimeoutMs }
  let inFlight = 0
  let reading = 0

  /** The sanitize pass's refusals and limits, added to what the write path reports. */
  function merge(signal: Signal, s: SanitizeSummary, so: SanitizeOptions, r: IngestResult): IngestResult {
    metrics.recordsRefused(signal, 'invalid_utf8', s.refused.invalid_utf8)
    metrics.recordsRefused(signal, 'expired', s.refused.expired)
    metrics.recordsRefused(signal, signal === 'metrics' ? 'unsupported' : 'contract', r.rejected)
    metrics.limited(signal, s.truncated, s.dropped)
    const message = [sanitizeMessage(s, so), r.message].filter(Boolean).join('; ')
    return { ...r, rejected: r.rejected + s.rejected, message }
  }

  /** Read the body (no in-flight slot held), then take a slot to decode, sanitize and write it. */
  async function handle(req: IncomingMessage, signal: Signal, encoding: Encoding, held: { bytes: number }, slot: { taken: boolean }, startedAt: number, tenant: string): Promise<IngestResult> {
    const arrivedAt = performance.now()
    reading++
    let raw: Buffer
    try {
      raw = await readBody(req, maxBodyBytes, budget, held, timeouts, startedAt)
    } finally {
      reading--
    }
    const readAt = performance.now()
    if (inFlight >= maxInFlight) throw new HttpError(503, 'collector busy: too many exports in flight, retry later', { 'retry-after': '1' }, 'busy_in_flight')
    inFlight++
    slot.taken = true
    const contentEncoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
    const body = await decodeContent(raw, contentEncoding, maxBodyBytes, budget, held)
    const so: SanitizeOptions = { maxAttributes: limits.maxAttributes, maxAttributeValueBytes: limits.maxAttributeValueBytes, ttlDays: limits.ttlDays, nowMs: now() }
    const task: ExportTask = { signal, encoding, body, tenant, maxDepth: limits.maxDepth, sanitize: so }
    const p = pool ? await pool.run(task) : prepareExport(task)
    const decodedAt = performance.now()
    const r = merge(signal, p.sanitized, so, p.signal === 'metrics' ? await ingest.metricRecords(p.metrics) : await ingest.rows(p.rows))
    metrics.stages((readAt - arrivedAt) / 1000, (decodedAt - readAt) / 1000, (performance.now() - decodedAt) / 1000)
    return r
  }

  /** Sockets whose current request reached the handler: a timeout on them is the body's, else the headers'. */
  const answering = new WeakSet<Duplex>()

  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    // Node's own whole-request deadline is the backstop behind readBody's (which answers in OTLP's format).
    requestTimeout: limits.requestTimeoutMs + 1000,
    // How often Node checks those two deadlines (default 30 s).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
  }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    const signal: Signal | undefined = PATHS[path]
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    const encoding: Encoding | undefined = ENCODINGS[contentType]
    const replyEncoding: Encoding = encoding ?? 'json'

    const startedAt = Date.now()
    answering.add(req.socket)
    res.once('finish', () => answering.delete(req.socket))
    const send = (status: number, body: Uint8Array | string, headers: Record<string, string> = {}) => {
      metrics.request(signal ?? 'other', status)
      // A body we stopped reading cannot be skipped on a kept-alive connection: close it.
      if (!req.complete) headers.connection = 'close'
      if (res.headersSent || res.destroyed) return
      res.writeHead(status, { 'content-type': CONTENT_TYPE[replyEncoding], ...headers }).end(body)
    }
    const fail = (status: number, reason: RefusalReason, message: string, headers: Record<string, string> = {}) => {
      metrics.refused(reason)
      send(status, statusBody(status, replyEncoding, message), headers)
    }

    if (path === '/healthz' && opts.health && (req.method === 'GET' || req.method === 'HEAD')) {
      void opts.health.report().then((r) => {
        res.writeHead(httpStatusOf(r.status), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(r))
      })
      return
    }
    if (!signal) return fail(404, 'not_found', `no OTLP endpoint at ${path.slice(0, 100)}: use /v1/logs, /v1/traces or /v1/metrics`)
    if (req.method !== 'POST') return fail(405, 'method', `method ${req.method} not allowed: OTLP exports use POST`, { allow: 'POST' })
    // Before anything is read: the producer token names the tenant (the payload never does).
    const auth = (opts.authorizeIngest ?? (() => ({ tenant: DEFAULT_TENANT })))(req)
    if (auth instanceof HttpError) return fail(auth.status, auth.status === 403 ? 'forbidden' : 'unauthorized', auth.message, auth.headers)
    if (!encoding) return fail(415, 'content_type', `unsupported content type "${contentType.slice(0, 100) || '(none)'}": expected application/json or application/x-protobuf`)
    if (reading >= limits.maxReading) return fail(503, 'busy_reading', 'collector busy: too many exports being received, retry later', { 'retry-after': '1' })

    const held = { bytes: 0 }
    const slot = { taken: false }
    handle(req, signal, encoding, held, slot, startedAt, auth.tenant)
      .then((r) => {
        metrics.records(signal, r)
        send(200, exportResponse(signal, replyEncoding, r.rejected, r.message))
      })
      .catch((err: unknown) => {
        if (err instanceof HttpError) return fail(err.status, err.reason ?? 'invalid_body', err.message, err.headers)
        if (err instanceof DecodeError) return fail(400, err instanceof TooDeepError ? 'too_deep' : 'invalid_body', err.message)
        // A decode worker stopped under this request: nothing was stored, the exporter retries.
        if (err instanceof DecoderFailed) {
          log(`otlp: ${signal} export not decoded: ${err.message}`)
          return fail(503, 'decoder', 'collector could not decode the export, retry later', { 'retry-after': '1' })
        }
        // The write path refused (spool over its limits: 503 storage behind) or storage refused the rows (400).
        if (err instanceof WriteRefused) return fail(err.status, err.status === 429 ? 'overloaded' : err.status === 400 ? 'storage_refused' : 'storage', err.message, err.retryAfterS ? { 'retry-after': String(err.retryAfterS) } : {})
        // Storage failed: nothing was acknowledged, so the exporter's retry loses nothing.
        log(`otlp: ${signal} insert failed: ${(err as Error).message.slice(0, 300)}`)
        fail(503, 'storage', 'storage unavailable, retry later', { 'retry-after': '5' })
      })
      .finally(() => {
        if (slot.taken) inFlight--
        budget.give(held.bytes)
      })
  })

  // Requests that never reach the handler: headers too slow (headersTimeout), too large, or not HTTP.
  // Answered as Node would, and counted.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    metrics.refused(timeout ? (answering.has(socket) ? 'request_timeout' : 'header_timeout') : 'bad_http')
    metrics.request('other', status)
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  })
  if (pool) server.on('close', () => void pool.close())
  return server
}
