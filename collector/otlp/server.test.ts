import type { AddressInfo } from 'node:net'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { BinaryReader } from '@bufbuild/protobuf/wire'
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { flowRecords, sdkLogs } from '../../test/support/otel-records'
import { createOtlpServer, type OtlpServerOptions } from './server'

/** A stand-in for the ClickHouse client: records inserts, can be told to fail or to stall. */
function fakeClient() {
  const inserts: { table: string; rows: unknown[][]; columns: string[] }[] = []
  const state = { fail: false, stall: null as Promise<void> | null }
  const client = {
    async insert(p: { table: string; values: unknown; columns?: unknown }) {
      if (state.stall) await state.stall
      if (state.fail) throw new Error('connection refused')
      inserts.push({ table: p.table, rows: p.values as unknown[][], columns: p.columns as string[] })
      return { executed: true, query_id: 'q', summary: undefined, response_headers: {} }
    },
    // The write path (collector/ingest/batcher.ts) sends `INSERT INTO t (cols) … FORMAT TabSeparated` (or JSONCompactEachRow) with the body as a stream.
    async exec(p: { query: string; values: AsyncIterable<Buffer> }) {
      if (state.stall) await state.stall
      if (state.fail) throw new Error('connection refused')
      const m = /^INSERT INTO (\w+) \(([^)]*)\)/.exec(p.query)!
      let body = ''
      for await (const chunk of p.values) body += chunk.toString()
      const tsv = / FORMAT TabSeparated$/.test(p.query)
      const rows = body.split('\n').filter(Boolean).map((l) => (tsv ? l.split('\t') : JSON.parse(l)) as unknown[])
      inserts.push({ table: m[1], rows, columns: m[2].split(', ').map((c) => c.replace(/`/g, '')) })
      return { stream: Readable.from([]), query_id: 'q', response_headers: {} }
    },
  } as unknown as OtlpServerOptions['client']
  const rows = (table: string) => inserts.filter((i) => i.table === table).flatMap((i) => i.rows)
  return { client, inserts, state, rows }
}

let close: (() => Promise<void>) | undefined
afterEach(async () => { await close?.(); close = undefined })
/** Decode workers of the servers `start` makes: every test runs with decoding inline and on a worker. */
let decodeWorkers = 0

async function start(opts: Partial<OtlpServerOptions> = {}) {
  const fake = fakeClient()
  const registry = new Registry()
  const server = createOtlpServer({ client: fake.client, maxBodyBytes: 64 * 1024, registry, decodeWorkers, ...opts })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()) })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = (path: string, body: Uint8Array | string, type: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type, ...headers } })
  return { ...fake, registry, base, post, port: (server.address() as AddressInfo).port }
}

/** google.rpc.Status { code = 1, message = 2 } or ExportLogsServiceResponse.partial_success, read back. */
function readProto(buf: ArrayBuffer | Uint8Array): Record<number, unknown> {
  const r = new BinaryReader(buf instanceof Uint8Array ? buf : new Uint8Array(buf))
  const out: Record<number, unknown> = {}
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (wt === 0) out[no] = Number(r.int64())
    else if (wt === 2) out[no] = r.bytes()
    else r.skip(wt, no)
  }
  return out
}

describe.each([0, 1])('OTLP/HTTP receiver (storage stubbed, %i decode workers)', (workers) => {
  beforeAll(() => { decodeWorkers = workers })
  afterAll(() => { decodeWorkers = 0 })
  it('answers protobuf with protobuf: partial_success names the first problem, valid records stored', async () => {
    const s = await start()
    const records = await sdkLogs(flowRecords('p1'))
    ;(records[0].attributes as Record<string, unknown>)['mfa.outcome'] = 'perhaps'
    const res = await s.post('/v1/logs', ProtobufLogsSerializer.serializeRequest(records)!, 'application/x-protobuf')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-protobuf')
    const partial = readProto(readProto(await res.arrayBuffer())[1] as Uint8Array)
    expect(partial[1]).toBe(1)
    expect(Buffer.from(partial[2] as Uint8Array).toString()).toMatch(/log record 0: .*mfa\.outcome/)
    // Contract events go to mfa_events only; otel_logs takes the plain log.
    expect(s.rows('mfa_events')).toHaveLength(2)
    expect(s.rows('otel_logs')).toHaveLength(1)
  })

  it('answers an all-valid export with an empty response', async () => {
    const s = await start()
    const records = await sdkLogs(flowRecords('p2'))
    const pb = await s.post('/v1/logs', ProtobufLogsSerializer.serializeRequest(records)!, 'application/x-protobuf')
    expect(pb.status).toBe(200)
    expect((await pb.arrayBuffer()).byteLength).toBe(0)
    const js = await s.post('/v1/logs', JsonLogsSerializer.serializeRequest(await sdkLogs(flowRecords('p3')))!, 'application/json; charset=utf-8')
    expect(await js.json()).toEqual({})
  })

  it('refuses bad requests with a google.rpc.Status in the request encoding and inserts nothing', async () => {
    const s = await start()
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('bad')))!
    const truncated = await s.post('/v1/logs', proto.subarray(0, proto.length - 5), 'application/x-protobuf')
    expect(truncated.status).toBe(400)
    const status = readProto(await truncated.arrayBuffer())
    expect(status[1]).toBe(3) // INVALID_ARGUMENT
    expect(Buffer.from(status[2] as Uint8Array).toString()).toMatch(/invalid OTLP protobuf/)
    const cases: [Promise<Response>, number, RegExp][] = [
      [s.post('/v1/logs', '{"resourceLogs": {', 'application/json'), 400, /invalid JSON/],
      [s.post('/v1/logs', '{"resourceSpans": []}', 'application/json'), 400, /resourceLogs/],
      [s.post('/v1/logs', proto, 'text/plain'), 415, /content type/],
      [s.post('/v1/logs', proto, 'application/x-protobuf', { 'content-encoding': 'br' }), 415, /content encoding/],
      [s.post('/v1/logs', 'not gzip', 'application/json', { 'content-encoding': 'gzip' }), 400, /gzip/],
      [s.post('/v1/logs', new Uint8Array(65 * 1024), 'application/json'), 413, /limit/],
      [s.post('/v1/logs', gzipSync(Buffer.alloc(1024 * 1024)), 'application/json', { 'content-encoding': 'gzip' }), 413, /decompressed/],
      [fetch(`${s.base}/v1/logs`), 405, /POST/],
      [s.post('/v1/log', proto, 'application/x-protobuf'), 404, /\/v1\/logs/],
    ]
    for (const [pending, code, message] of cases) {
      const res = await pending
      expect(res.status).toBe(code)
      if (res.headers.get('content-type') === 'application/json') expect((await res.json()).message).toMatch(message)
      else expect(Buffer.from(readProto(await res.arrayBuffer())[2] as Uint8Array).toString()).toMatch(message)
    }
    expect(s.inserts).toHaveLength(0)
    expect(await s.registry.getSingleMetricAsString('factorwatch_otlp_requests_total')).toMatch(/signal="logs",status="413"} 2/)
  })

  it('refuses a chunked body that grows past the limit and closes the connection', async () => {
    const s = await start()
    const res = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/v1/logs', method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }, (r) => {
        r.resume()
        resolve({ status: r.statusCode!, connection: r.headers.connection })
      })
      req.on('error', reject)
      const chunk = Buffer.alloc(16 * 1024)
      let sent = 0
      const pump = () => { while (sent < 40 && req.write(chunk)) sent++; if (sent < 40) req.once('drain', pump); else req.end() }
      pump()
    })
    expect(res).toEqual({ status: 413, connection: 'close' })
    expect(s.inserts).toHaveLength(0)
  })

  it('drops retried contract events by event.id, within and across requests', async () => {
    const s = await start()
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs([...flowRecords('d1'), ...flowRecords('d1')]))!
    expect((await s.post('/v1/logs', body, 'application/x-protobuf')).status).toBe(200)
    expect((await s.post('/v1/logs', body, 'application/x-protobuf')).status).toBe(200)
    // 3 contract events once (by event.id), the plain log once (by a hash of its content).
    expect(s.rows('mfa_events')).toHaveLength(3)
    expect(s.rows('otel_logs')).toHaveLength(1)
    expect(await s.registry.getSingleMetricAsString('factorwatch_otlp_records_total')).toMatch(/result="duplicate"} 12/)
  })

  it('answers 503 + Retry-After when storage fails, and the retry then stores everything', async () => {
    const s = await start()
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('r1')))!
    s.state.fail = true
    const failed = await s.post('/v1/logs', body, 'application/x-protobuf')
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('5')
    s.state.fail = false
    expect((await s.post('/v1/logs', body, 'application/x-protobuf')).status).toBe(200)
    expect(s.rows('mfa_events')).toHaveLength(3)
    expect(s.rows('otel_logs')).toHaveLength(1)
  })

  it('refuses with 503 + Retry-After beyond the in-flight limit, then recovers', async () => {
    const s = await start({ maxInFlight: 1 })
    let release!: () => void
    s.state.stall = new Promise<void>((r) => (release = r))
    const body = JsonLogsSerializer.serializeRequest(await sdkLogs(flowRecords('o1')))!
    const first = s.post('/v1/logs', body, 'application/json')
    await new Promise((r) => setTimeout(r, 100))
    const second = await s.post('/v1/logs', body, 'application/json')
    expect(second.status).toBe(503)
    expect(second.headers.get('retry-after')).toBe('1')
    release()
    s.state.stall = null
    expect((await first).status).toBe(200)
    expect((await s.post('/v1/logs', body, 'application/json')).status).toBe(200)
  })

  it('refuses with 503 beyond the in-flight byte budget', async () => {
    const s = await start({ maxInFlightBytes: 10 })
    let release!: () => void
    s.state.stall = new Promise<void>((r) => (release = r))
    const body = JsonLogsSerializer.serializeRequest(await sdkLogs(flowRecords('o2')))!
    const first = s.post('/v1/logs', body, 'application/json')
    await new Promise((r) => setTimeout(r, 100))
    expect((await s.post('/v1/logs', body, 'application/json')).status).toBe(503)
    release()
    expect((await first).status).toBe(200)
  })

  it('answers an empty metrics export with 200 and inserts nothing', async () => {
    const s = await start()
    const res = await s.post('/v1/metrics', '{"resourceMetrics":[]}', 'application/json')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    expect(s.inserts).toHaveLength(0)
  })
})
