import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { ClickHouseClient } from '@clickhouse/client'
import { Counter, type Registry } from 'prom-client'
import { decodeLogsJson, decodeTracesJson } from './decode-json'
import { decodeLogsProtobuf, decodeTracesProtobuf, encodePartialSuccess } from './decode-protobuf'
import { RecentIds } from './dedup'
import { DecodeError } from './model'
import { logRows, spanRows } from './rows'

const gunzipAsync = promisify(gunzip)

export interface OtlpServerOptions {
  client: ClickHouseClient
  maxBodyBytes: number
  registry?: Registry
  log?: (line: string) => void
  /** Requests decoded or inserting at once; beyond it clients get 503 + Retry-After. */
  maxInFlight?: number
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) return reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

type Signal = 'logs' | 'traces' | 'metrics'
const PATHS: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/traces': 'traces', '/v1/metrics': 'metrics' }

export function createOtlpServer(opts: OtlpServerOptions): Server {
  const { client, maxBodyBytes } = opts
  const log = opts.log ?? (() => {})
  const maxInFlight = opts.maxInFlight ?? 16
  const recent = new RecentIds()
  let inFlight = 0
  const records = new Counter({ name: 'factorwatch_otlp_records_total', help: 'OTLP records received, by signal and result', labelNames: ['signal', 'result'], registers: opts.registry ? [opts.registry] : [] })
  const requests = new Counter({ name: 'factorwatch_otlp_requests_total', help: 'OTLP requests by signal and HTTP status', labelNames: ['signal', 'status'], registers: opts.registry ? [opts.registry] : [] })

  async function handle(req: IncomingMessage, signal: Signal): Promise<{ rejected: number; message: string }> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (type !== 'application/json' && type !== 'application/x-protobuf') {
      throw new HttpError(415, `unsupported content type "${type || '(none)'}": expected application/json or application/x-protobuf`)
    }
    let body = await readBody(req, maxBodyBytes)
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase()
    if (encoding === 'gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: maxBodyBytes })
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `decompressed body exceeds the limit of ${maxBodyBytes} bytes`)
        throw new HttpError(400, `invalid gzip body: ${(err as Error).message}`)
      }
    } else if (encoding !== 'identity') {
      throw new HttpError(415, `unsupported content encoding "${encoding}": expected gzip or none`)
    }
    if (signal === 'metrics') return { rejected: 0, message: '' } // accepted, not stored yet
    const json = type === 'application/json'
    if (signal === 'traces') {
      const rows = spanRows(json ? decodeTracesJson(body.toString('utf8')) : decodeTracesProtobuf(body))
      if (rows.length) await client.insert({ table: 'otel_traces', values: rows, format: 'JSONEachRow' })
      records.inc({ signal, result: 'accepted' }, rows.length)
      return { rejected: 0, message: '' }
    }
    const batch = logRows(json ? decodeLogsJson(body.toString('utf8')) : decodeLogsProtobuf(body))
    const fresh = batch.mfa.filter((r, i, all) => !recent.has(r.event_id) && all.findIndex((o) => o.event_id === r.event_id) === i)
    if (fresh.length) await client.insert({ table: 'mfa_events', values: fresh, format: 'JSONEachRow' })
    if (batch.logs.length) await client.insert({ table: 'otel_logs', values: batch.logs, format: 'JSONEachRow' })
    recent.addAll(fresh.map((r) => r.event_id))
    records.inc({ signal, result: 'accepted' }, batch.logs.length)
    if (batch.rejected) records.inc({ signal, result: 'rejected' }, batch.rejected)
    return { rejected: batch.rejected, message: batch.errors.join('; ') }
  }

  return createServer((req, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    const signal = PATHS[path]
    const json = (req.headers['content-type'] ?? '').includes('json')
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.inc({ signal: signal ?? 'other', status: String(status) })
      if (status === 200 && !json) {
        const b = body as { rejected: number; message: string }
        res.writeHead(200, { 'content-type': 'application/x-protobuf', ...headers }).end(encodePartialSuccess(b.rejected, b.message))
        return
      }
      let payload: unknown = body
      if (status === 200) {
        const b = body as { rejected: number; message: string }
        const key = signal === 'traces' ? 'rejectedSpans' : signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedLogRecords'
        payload = b.rejected ? { partialSuccess: { [key]: b.rejected, errorMessage: b.message } } : {}
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload))
    }
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => send(status, { code: status, message }, headers)
    if (!signal) return fail(404, `no OTLP endpoint at ${path}: use /v1/logs, /v1/traces or /v1/metrics`)
    if (req.method !== 'POST') return fail(405, `method ${req.method} not allowed: OTLP exports use POST`, { allow: 'POST' })
    if (inFlight >= maxInFlight) {
      req.resume()
      return fail(503, 'collector busy: too many exports in flight, retry later', { 'retry-after': '1' })
    }
    inFlight++
    handle(req, signal)
      .then((r) => send(200, r))
      .catch((err: unknown) => {
        if (err instanceof HttpError) return fail(err.status, err.message, err.headers)
        if (err instanceof DecodeError) return fail(400, err.message)
        log(`otlp: insert failed: ${(err as Error).message}`)
        fail(503, 'storage unavailable, retry later', { 'retry-after': '5' })
      })
      .finally(() => inFlight--)
  })
}
