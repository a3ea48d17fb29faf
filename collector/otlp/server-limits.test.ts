import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { flowRecords, sdkLogs } from '../../test/support/otel-records'
import { requirePrerequisite, tempDir } from '../../test/support/processes'
import { HealthRegistry } from '../health'
import { DecodePool } from './decode-pool'
import { createOtlpServer, type OtlpServerOptions } from './server'

/*
 * The receiver's refusals and limits over real HTTP, storage stubbed: slow clients, zstd,
 * depth, invalid UTF-8, retention, attribute limits, the refusal counters and /healthz.
 */

/** A stand-in for the ClickHouse client: records inserts (either API the write path uses). */
function fakeClient() {
  const inserts: { table: string; rows: unknown[][] }[] = []
  const client = {
    async insert(p: { table: string; values: unknown }) {
      inserts.push({ table: p.table, rows: p.values as unknown[][] })
      return { executed: true, query_id: 'q', summary: undefined, response_headers: {} }
    },
    async exec(p: { query: string; values: AsyncIterable<Buffer> }) {
      const m = /^INSERT INTO (\w+)/.exec(p.query)!
      let body = ''
      for await (const chunk of p.values) body += chunk.toString()
      // One row a line in the text formats the write path uses; only counted here.
      inserts.push({ table: m[1], rows: body.split('\n').filter(Boolean).map((l) => [l]) })
      return { stream: Readable.from([]), query_id: 'q', response_headers: {} }
    },
  } as unknown as OtlpServerOptions['client']
  const rows = (table: string) => inserts.filter((i) => i.table === table).flatMap((i) => i.rows)
  return { client, inserts, rows }
}

let close: (() => Promise<void>) | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await close?.()
  close = undefined
})
/** Decode workers of the servers `start` makes (the inputs run with decoding inline and on a worker). */
let decodeWorkers = 0

async function start(opts: Partial<OtlpServerOptions> = {}) {
  const fake = fakeClient()
  const registry = new Registry()
  const server = createOtlpServer({ client: fake.client, maxBodyBytes: 256 * 1024, registry, decodeWorkers, ...opts })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()) })
  const port = (server.address() as AddressInfo).port
  const base = `http://127.0.0.1:${port}`
  const post = (body: Uint8Array | string, type = 'application/x-protobuf', headers: Record<string, string> = {}, path = '/v1/logs') =>
    fetch(`${base}${path}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type, ...headers } })
  const refused = async () => {
    const text = await registry.getSingleMetricAsString('factorwatch_otlp_refused_total')
    return Object.fromEntries([...text.matchAll(/reason="(\w+)"} (\d+)/g)].map((m) => [m[1], Number(m[2])]))
  }
  return { ...fake, registry, base, port, post, refused }
}

/** A raw connection: what it is sent, and everything it receives until the server closes it. */
function raw(port: number) {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (d) => { received += d.toString('latin1') })
  socket.on('error', () => {})
  const closed = new Promise<string>((r) => socket.on('close', () => r(received)))
  return { socket, closed, write: (s: string) => socket.write(s) }
}

const body = async (flow: string) => ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords(flow)))!

describe('slow clients', () => {
  it('16 connections trickling their bodies hold no in-flight slot: a normal export is answered 200', async () => {
    const s = await start({ maxInFlight: 16, limits: { bodyIdleTimeoutMs: 20_000, requestTimeoutMs: 60_000 } })
    const slow = Array.from({ length: 16 }, () => {
      const c = raw(s.port)
      c.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\n\r\n`)
      return c
    })
    const trickle = setInterval(() => { for (const c of slow) c.write('\u0000') }, 50)
    try {
      await new Promise((r) => setTimeout(r, 300))
      const res = await s.post(await body('slow-1'))
      expect(res.status).toBe(200)
      expect(s.rows('mfa_events')).toHaveLength(3)
    } finally {
      clearInterval(trickle)
    }
  })

  it('a body that stalls is answered 408 in OTLP form and its connection closed', async () => {
    const s = await start({ limits: { bodyIdleTimeoutMs: 200 } })
    const c = raw(s.port)
    c.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceLogs":`)
    const answer = await c.closed
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    expect(answer).toMatch(/\r\nconnection: close\r\n/i)
    expect(answer).toContain('"message":"request body stalled: no bytes for 200 ms"')
    expect((await s.refused()).body_timeout).toBe(1)
    expect(s.inserts).toHaveLength(0)
  })

  it('a body that keeps trickling past the request deadline is answered 408', async () => {
    const s = await start({ limits: { bodyIdleTimeoutMs: 5_000, requestTimeoutMs: 400, headersTimeoutMs: 400 } })
    const c = raw(s.port)
    c.write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`)
    const trickle = setInterval(() => c.write(' '), 50)
    try {
      expect(await c.closed).toMatch(/^HTTP\/1\.1 408 [^]*not complete within 400 ms/)
    } finally {
      clearInterval(trickle)
    }
    expect((await s.refused()).request_timeout).toBe(1)
  })

  it('headers that never finish are answered 408 and counted', async () => {
    const s = await start({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300 } })
    const c = raw(s.port)
    c.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\n')
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    expect((await s.refused()).header_timeout).toBe(1)
  })

  it('too many bodies being received at once: 503 + Retry-After for the next', async () => {
    const s = await start({ limits: { maxReading: 2, bodyIdleTimeoutMs: 20_000 } })
    for (let i = 0; i < 2; i++) raw(s.port).write(`POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 10\r\n\r\nab`)
    await new Promise((r) => setTimeout(r, 200))
    const res = await s.post(await body('busy'))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect((await s.refused()).busy_reading).toBe(1)
  })
})

const ZSTD = '/usr/bin/zstd'
const hasZstd = requirePrerequisite(existsSync(ZSTD), `${ZSTD} (Debian package zstd)`)

describe.each([0, 1])('inputs (%i decode workers)', (workers) => {
  beforeAll(() => { decodeWorkers = workers })
  afterAll(() => { decodeWorkers = 0 })
  it.skipIf(!hasZstd)('Content-Encoding: zstd is accepted; a zstd bomb is 413', async () => {
    const s = await start()
    const res = await s.post(execFileSync(ZSTD, ['-c', '-q'], { input: await body('zstd-1') }), 'application/x-protobuf', { 'content-encoding': 'zstd' })
    expect(res.status).toBe(200)
    expect(s.rows('mfa_events')).toHaveLength(3)
    const bomb = execFileSync(ZSTD, ['-c', '-q', '--no-content-size'], { input: Buffer.alloc(4 * 1024 * 1024) })
    const big = await s.post(bomb, 'application/json', { 'content-encoding': 'zstd' })
    expect(big.status).toBe(413)
    expect((await big.json()).message).toBe('decompressed body exceeds the limit of 262144 bytes')
    expect((await s.refused()).decompressed_too_large).toBe(1)
  })

  it('JSON nested 5,000 deep is 400, counted as too_deep, nothing written', async () => {
    const s = await start({ limits: { maxDepth: 16 } })
    const deep = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(5000)}{"stringValue":"x"}${']}}'.repeat(5000)}}]}]}]}`
    const res = await s.post(deep, 'application/json')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ code: 3, message: 'attribute value nested deeper than 16 levels (OTLP_MAX_DEPTH)' })
    expect((await s.refused()).too_deep).toBe(1)
    expect(s.inserts).toHaveLength(0)
  })

  it('a JSON body that is not UTF-8 is 400', async () => {
    const s = await start()
    const res = await s.post(Buffer.concat([Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}]}]}]}')]), 'application/json')
    expect(res.status).toBe(400)
    expect((await res.json()).message).toBe('invalid JSON: the body is not valid UTF-8')
  })

  it('old records, long values and many attributes: refused or limited in partial_success, counted at /metrics', async () => {
    const now = Date.UTC(2026, 11, 7)
    const s = await start({ now: () => now, limits: { ttlDays: 30, maxAttributes: 20, maxAttributeValueBytes: 100 } })
    const day = 86_400_000
    const ev = (id: string, ms: number, extra: Record<string, string> = {}) => ({
      timestamp: ms, eventName: 'mfa.login.completed', attributes: { 'event.id': id, 'mfa.flow_id': `f-${id}`, 'mfa.outcome': 'success', ...extra },
    })
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x.${String(i).padStart(2, '0')}`, 'v']))
    const records = await sdkLogs([ev('old', now - 31 * day), ev('long', now - day, { 'x.note': 'n'.repeat(500) }), ev('many', now - day, many)])
    const res = await s.post(ProtobufLogsSerializer.serializeRequest(records)!)
    expect(res.status).toBe(200)
    const json = await (await s.post(JSON.stringify({ resourceLogs: [] }), 'application/json')).json()
    expect(json).toEqual({})
    const stored = s.rows('mfa_events')
    expect(stored).toHaveLength(2)
    const metrics = await s.registry.metrics()
    expect(metrics).toMatch(/factorwatch_otlp_records_refused_total\{signal="logs",reason="expired"\} 1/)
    expect(metrics).toMatch(/factorwatch_otlp_attributes_limited_total\{signal="logs",action="truncated"\} 1/)
    // 40 + event.id, mfa.flow_id, mfa.outcome (the SDK sends the event name as a field): 43, 20 kept.
    expect(metrics).toMatch(/factorwatch_otlp_attributes_limited_total\{signal="logs",action="dropped"\} 23/)
  })

  it('answers the partial_success message in protobuf for refused and limited records', async () => {
    const now = Date.UTC(2026, 11, 7)
    const s = await start({ now: () => now, limits: { ttlDays: 30, maxAttributeValueBytes: 100 } })
    const records = await sdkLogs([
      { timestamp: now - 40 * 86_400_000, eventName: 'mfa.login.completed', attributes: { 'event.id': 'o1', 'mfa.flow_id': 'f', 'mfa.outcome': 'success' } },
      { timestamp: now, eventName: 'mfa.login.completed', attributes: { 'event.id': 'o2', 'mfa.flow_id': 'f', 'mfa.outcome': 'success', note: 'é'.repeat(100) } },
    ])
    const res = await s.post(ProtobufLogsSerializer.serializeRequest(records)!)
    const text = Buffer.from(await res.arrayBuffer()).toString('latin1')
    expect(text).toContain('log record 0: time 2026-10-28T00:00:00.000Z is older than the retention of 30 days (MFA_EVENTS_TTL_DAYS): it would be dropped at once')
    expect(text).toContain('stored with limits applied: 1 attribute value truncated to 100 bytes (OTLP_MAX_ATTRIBUTE_VALUE_BYTES)')
    expect(s.rows('mfa_events')).toHaveLength(1)
  })
})

describe('decode workers', () => {
  it('an export whose worker dies is answered 503 + Retry-After, counted as decoder, nothing written; the next is decoded', async () => {
    // A worker that is ready, then dies on its first task.
    const entry = join(tempDir('decoder-dies'), 'dies.mjs')
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads'\nparentPort.on('message', () => process.exit(7))\nparentPort.postMessage({ ready: true })\n")
    const lines: string[] = []
    const s = await start({ decodeWorkers: new DecodePool(1, (l) => lines.push(l), new URL(`file://${entry}`)), log: (l) => lines.push(l) })
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('dies')))!
    const res = await s.post(body)
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1'])
    expect((await s.refused()).decoder).toBe(1)
    expect(s.inserts).toHaveLength(0)
    expect(lines.join('\n')).toMatch(/otlp: logs export not decoded: decode worker stopped \(exit code 7\)/)
  })
})

describe('refusal counters and /healthz', () => {
  it('counts every refused request by reason', async () => {
    const s = await start({ maxBodyBytes: 1024 })
    await s.post('x', 'application/json', {}, '/v1/nope')
    await fetch(`${s.base}/v1/logs`)
    await s.post('x', 'text/plain')
    await s.post('x', 'application/json', { 'content-encoding': 'br' })
    await s.post('x'.repeat(2000), 'application/json')
    await s.post('not gzip', 'application/json', { 'content-encoding': 'gzip' })
    await s.post('{', 'application/json')
    expect(await s.refused()).toEqual({ not_found: 1, method: 1, content_type: 1, content_encoding: 1, body_too_large: 1, bad_compression: 1, invalid_body: 1 })
  })

  it('serves /healthz on the OTLP port when given the checks: 200 for degraded, 503 for failing', async () => {
    const health = new HealthRegistry().register({ name: 'spool', check: async () => ({ status: 'degraded', reason: 'backlog' }) })
    const s = await start({ health })
    const res = await fetch(`${s.base}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'degraded', checks: [{ name: 'spool', status: 'degraded', reason: 'backlog' }] })
    health.register({ name: 'disk', check: async () => ({ status: 'failing', reason: 'full' }) })
    expect((await fetch(`${s.base}/healthz`)).status).toBe(503)
  })

  it('answers 404 for /healthz without checks, as before', async () => {
    const s = await start()
    expect((await fetch(`${s.base}/healthz`)).status).toBe(404)
  })
})
