import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { createOtlpServer } from '../collector/otlp/server'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { ROOT, tempDir } from './support/processes'

let client: ClickHouseClient
let close: () => Promise<void>
let server: Server
let base: string

beforeAll(async () => {
  const cfg = loadCollectorConfig({}, { dataDir: tempDir('otlp'), maxBodyBytes: 64 * 1024 })
  const ch = await openClickHouse(cfg)
  client = ch.client
  close = ch.close
  await migrate(client, { ttlDays: 30 })
  server = createOtlpServer({ client, maxBodyBytes: cfg.maxBodyBytes })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
  await close()
})

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await client.query({ query: sql, format: 'JSONEachRow' })).json()
}
const count = async (table: string) => Number((await rows(`SELECT count() AS n FROM ${table}`))[0].n)

/** Log records made by the real OTel JS SDK, for the real exporters' serializers. */
async function sdkLogs(flow: string) {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'idp-test' }), processors: [new SimpleLogRecordProcessor({ exporter })] })
  const logger = provider.getLogger('t')
  const t = Date.UTC(2026, 10, 23, 10, 0, 0)
  logger.emit({ timestamp: t, body: 'verified', attributes: { 'event.name': 'mfa.challenge.verified', 'event.id': `${flow}-1`, 'mfa.flow_id': flow, 'mfa.factor': 'totp', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.latency_ms': 1500, 'mfa.attempt': 1, 'custom.key': 'x' } })
  logger.emit({ timestamp: t + 2000, body: 'verified', attributes: { 'event.name': 'mfa.challenge.verified', 'event.id': `${flow}-2`, 'mfa.flow_id': flow, 'mfa.factor': 'totp', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 3500, 'mfa.attempt': 2, 'mfa.user_group': 'admin' } })
  logger.emit({ timestamp: t + 3000, body: 'plain app log', attributes: { 'http.route': '/login' } })
  await provider.forceFlush()
  return exporter.getFinishedLogRecords()
}

async function post(path: string, body: Uint8Array | string, type: string, gzip = false) {
  const payload = gzip ? gzipSync(body) : body
  return fetch(`${base}${path}`, { method: "POST", body: payload as BodyInit, headers: { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) } })
}

const MFA_COLUMNS = 'ts, event, event_id, service, flow_id, factor, outcome, reason, latency_ms, attempt, user_group, attributes'

describe('OTLP/HTTP receiver', () => {
  it('stores identical rows from OTLP/JSON, OTLP/protobuf and gzip', async () => {
    const json = JsonLogsSerializer.serializeRequest(await sdkLogs('flow-json'))!
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs('flow-proto'))!
    const gz = ProtobufLogsSerializer.serializeRequest(await sdkLogs('flow-gzip'))!
    expect((await post('/v1/logs', json, 'application/json')).status).toBe(200)
    expect((await post('/v1/logs', proto, 'application/x-protobuf')).status).toBe(200)
    expect((await post('/v1/logs', gz, 'application/x-protobuf', true)).status).toBe(200)
    const byFlow = async (flow: string) =>
      (await rows(`SELECT ${MFA_COLUMNS} FROM mfa_events WHERE flow_id = '${flow}' ORDER BY ts`)).map((r): Record<string, unknown> => ({ ...r, flow_id: 'X', event_id: String(r.event_id).replace(flow, 'X') }))
    const a = await byFlow('flow-json')
    expect(a).toHaveLength(2)
    expect(a[1]).toMatchObject({ event: 'mfa.challenge.verified', factor: 'totp', outcome: 'success', latency_ms: 3500, attempt: 2, user_group: 'admin', service: 'idp-test' })
    expect(a[0].attributes).toEqual({ 'custom.key': 'x' })
    expect(await byFlow('flow-proto')).toEqual(a)
    expect(await byFlow('flow-gzip')).toEqual(a)
    const logs = await rows(`SELECT Body, ServiceName, EventName, LogAttributes FROM otel_logs WHERE Body = 'plain app log'`)
    expect(logs).toHaveLength(3)
    expect(logs[0]).toMatchObject({ ServiceName: 'idp-test', EventName: '', LogAttributes: { 'http.route': '/login' } })
  })

  it('deduplicates a retried export on event.id', async () => {
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs('flow-dup'))!
    await post('/v1/logs', proto, 'application/x-protobuf')
    await post('/v1/logs', proto, 'application/x-protobuf')
    expect(await rows(`SELECT event_id FROM mfa_events FINAL WHERE flow_id = 'flow-dup'`)).toHaveLength(2)
    expect(await rows(`SELECT event_id FROM mfa_events WHERE flow_id = 'flow-dup'`)).toHaveLength(2)
  })

  it('rejects contract violations with partial_success and keeps the rest', async () => {
    const records = await sdkLogs('flow-partial')
    ;(records[0].attributes as Record<string, unknown>)['mfa.outcome'] = 'perhaps'
    const res = await post('/v1/logs', JsonLogsSerializer.serializeRequest(records)!, 'application/json')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.partialSuccess.rejectedLogRecords).toBe(1)
    expect(body.partialSuccess.errorMessage).toContain('mfa.outcome')
    expect(await rows(`SELECT outcome FROM mfa_events WHERE flow_id = 'flow-partial'`)).toEqual([{ outcome: 'success' }])
  })

  it('refuses bad bodies with the OTLP status and writes nothing', async () => {
    const before = [await count('mfa_events'), await count('otel_logs'), await count('otel_traces')]
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs('flow-bad'))!
    const cases: [Promise<Response>, number][] = [
      [post('/v1/logs', proto.slice(0, proto.length - 7), 'application/x-protobuf'), 400],
      [post('/v1/logs', '{"resourceLogs": [ {', 'application/json'), 400],
      [post('/v1/logs', '{"resourceLogs": "nope"}', 'application/json'), 400],
      [post('/v1/logs', '{"hello": 1}', 'application/json'), 400],
      [post('/v1/logs', proto, 'text/plain'), 415],
      [post('/v1/logs', new Uint8Array(70 * 1024), 'application/x-protobuf'), 413],
      [post('/v1/logs', new Uint8Array(1024 * 1024), 'application/x-protobuf', true), 413],
      [fetch(`${base}/v1/logs`), 405],
      [post('/v2/logs', proto, 'application/x-protobuf'), 404],
    ]
    for (const [res, status] of cases) {
      const r = await res
      expect(r.status).toBe(status)
      expect((await r.json()).message).toMatch(/\w/)
    }
    expect([await count('mfa_events'), await count('otel_logs'), await count('otel_traces')]).toEqual(before)
  })

  it('stores spans from the real trace serializers in otel_traces', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'idp-test' }), spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const tracer = provider.getTracer('t')
    const span = tracer.startSpan('mfa.verify', { attributes: { 'mfa.factor': 'totp' } })
    span.addEvent('checked', { ok: true })
    span.end()
    await provider.forceFlush()
    const spans = exporter.getFinishedSpans()
    expect((await post('/v1/traces', ProtobufTraceSerializer.serializeRequest(spans)!, 'application/x-protobuf')).status).toBe(200)
    expect((await post('/v1/traces', JsonTraceSerializer.serializeRequest(spans)!, 'application/json')).status).toBe(200)
    const got = await rows(`SELECT SpanName, ServiceName, SpanAttributes, TraceId, Events.Name AS ev FROM otel_traces WHERE SpanName = 'mfa.verify'`)
    expect(got).toHaveLength(2)
    expect(got[0]).toEqual(got[1])
    expect(got[0]).toMatchObject({ ServiceName: 'idp-test', SpanAttributes: { 'mfa.factor': 'totp' }, TraceId: spans[0].spanContext().traceId, ev: ['checked'] })
  })

  it('receives records from an independent OTel SDK program', async () => {
    // Async: the receiver runs in this process and must keep answering while the sender runs.
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', `${ROOT}test/fixtures/otel-sender.ts`, base, 'flow-independent', '3'], { cwd: ROOT })
    expect(r.stdout).toContain('sent 3 records')
    const got = await rows(`SELECT outcome, factor, attributes FROM mfa_events WHERE flow_id = 'flow-independent' ORDER BY attempt`)
    expect(got.map((g) => g.outcome)).toEqual(['failure', 'failure', 'success'])
    expect(got[0]).toMatchObject({ factor: 'sms', attributes: { 'vendor.custom': 'kept-in-map' } })
  })
})
