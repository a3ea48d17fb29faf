import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { rmSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { createOtlpServer } from '../collector/otlp/server'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { flowRecords, sdkLogs, sdkSpans, SPAN_ID, TRACE_ID } from './support/otel-records'
import { ROOT, tempDir } from './support/processes'

let client: ClickHouseClient
let close: () => Promise<void>
let server: Server
let base: string
let dataDir: string

beforeAll(async () => {
  dataDir = tempDir('otlp')
  const cfg = loadCollectorConfig({}, { dataDir, maxBodyBytes: 64 * 1024 })
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
  rmSync(dataDir, { recursive: true, force: true })
})

async function rows(sql: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  return (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json()
}
const count = async (table: string) => Number((await rows(`SELECT count() AS n FROM ${table}`))[0].n)

async function post(path: string, body: Uint8Array | string, type: string, gzip = false) {
  const payload = gzip ? gzipSync(body) : body
  return fetch(`${base}${path}`, { method: 'POST', body: payload as BodyInit, headers: { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) } })
}

/** Every column but inserted_at and the content fingerprint, with the flow's own id and derived event ids made comparable across flows. */
async function mfaRowsOf(flow: string) {
  const got = await rows(`SELECT * EXCEPT (inserted_at, content_hash) FROM mfa_events WHERE flow_id = {flow:String} ORDER BY ts`, { flow })
  return got.map((r) => JSON.parse(JSON.stringify(r).replaceAll(flow, 'FLOW').replace(/"event_id":"[0-9a-f]{32}"/, '"event_id":"DERIVED"')))
}
/** Every log record of a flow, contract events included, from the view over otel_logs and mfa_events (migration 0070). */
async function logRowsOf(flow: string) {
  const got = await rows(`SELECT * FROM otel_logs_all WHERE LogAttributes['mfa.flow_id'] = {flow:String} OR LogAttributes['flow.ref'] = {flow:String} ORDER BY Timestamp`, { flow })
  return got.map((r) => JSON.parse(JSON.stringify(r).replaceAll(flow, 'FLOW').replace(/"event.id":"[0-9a-f]{32}"/, '"event.id":"DERIVED"')))
}

describe('OTLP/HTTP receiver into embedded ClickHouse', () => {
  it('stores identical rows from OTLP/JSON, OTLP/protobuf and gzipped protobuf', async () => {
    const json = JsonLogsSerializer.serializeRequest(await sdkLogs(flowRecords('flow-json')))!
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('flow-proto')))!
    const gz = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('flow-gzip')))!
    expect((await post('/v1/logs', json, 'application/json')).status).toBe(200)
    expect((await post('/v1/logs', proto, 'application/x-protobuf')).status).toBe(200)
    expect((await post('/v1/logs', gz, 'application/x-protobuf', true)).status).toBe(200)

    const mfa = await mfaRowsOf('flow-json')
    expect(mfa).toHaveLength(3)
    expect(mfa[0]).toMatchObject({
      ts: '2026-11-23 10:00:00.123', event: 'mfa.challenge.verified', event_id: 'FLOW-1', service: 'idp-test', flow_id: 'FLOW',
      factor: 'totp', outcome: 'failure', reason: 'invalid_code', latency_ms: 1500, attempt: 1, trace_id: TRACE_ID, span_id: SPAN_ID,
      attributes: { 'custom.key': 'tab\there "quote" \'single\' back\\slash\nnewline ünïcødé', 'custom.list': '["a","b"]' },
      tenant: 'default', severity_text: 'INFO', severity_number: 9, body: 'verified', trace_flags: 1, scope_name: 'test-scope', scope_version: '1.2.3',
      resource_attributes: { 'service.name': 'idp-test', 'deployment.environment': 'test' },
    })
    expect(mfa[1]).toMatchObject({ outcome: 'success', latency_ms: 3500, attempt: 2, user_group: 'admin', cost_micros: 1200, trace_id: '' })
    expect(mfa[2]).toMatchObject({ event: 'mfa.login.completed', event_id: 'DERIVED', ts: '2026-11-23 10:00:02.623' })
    expect(await mfaRowsOf('flow-proto')).toEqual(mfa)
    expect(await mfaRowsOf('flow-gzip')).toEqual(mfa)

    // Contract events are written once (mfa_events); otel_logs holds the plain log only, and the
    // otel_logs_all view renders the events as otel_logs rows (to the millisecond).
    expect(await rows(`SELECT Body FROM otel_logs WHERE LogAttributes['flow.ref'] = 'flow-json' OR LogAttributes['mfa.flow_id'] = 'flow-json'`)).toEqual([{ Body: 'plain app log' }])
    const logs = await logRowsOf('flow-json')
    expect(logs).toHaveLength(4)
    expect(logs[0]).toMatchObject({
      Timestamp: '2026-11-23 10:00:00.123000000', TraceId: TRACE_ID, SpanId: SPAN_ID, TraceFlags: 1, SeverityText: 'INFO', SeverityNumber: 9,
      ServiceName: 'idp-test', Body: 'verified', ScopeName: 'test-scope', ScopeVersion: '1.2.3', EventName: 'mfa.challenge.verified',
      ResourceAttributes: { 'service.name': 'idp-test', 'deployment.environment': 'test' },
    })
    expect(logs[1].Body).toBe('{"msg":"verified","n":2}')
    expect(logs[0].LogAttributes).toMatchObject({ 'event.id': 'FLOW-1', 'mfa.flow_id': 'FLOW', 'mfa.factor': 'totp', 'mfa.latency_ms': '1500', 'mfa.attempt': '1', 'custom.list': '["a","b"]' })
    expect(logs[2]).toMatchObject({ EventName: 'mfa.login.completed' })
    expect(logs[3]).toMatchObject({ Body: 'plain app log', SeverityText: 'WARN', EventName: '', LogAttributes: { 'http.route': '/login', 'flow.ref': 'FLOW' } })
    expect(await logRowsOf('flow-proto')).toEqual(logs)
    expect(await logRowsOf('flow-gzip')).toEqual(logs)
  })

  it('deduplicates a retried export on event.id, derived ids included', async () => {
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('flow-dup')))!
    expect((await post('/v1/logs', proto, 'application/x-protobuf')).status).toBe(200)
    expect((await post('/v1/logs', proto, 'application/x-protobuf')).status).toBe(200)
    expect(await rows(`SELECT event_id FROM mfa_events WHERE flow_id = 'flow-dup'`)).toHaveLength(3)
    expect(await rows(`SELECT 1 FROM otel_logs_all WHERE LogAttributes['mfa.flow_id'] = 'flow-dup'`)).toHaveLength(3)
    expect(await rows(`SELECT 1 FROM otel_logs WHERE LogAttributes['flow.ref'] = 'flow-dup'`)).toHaveLength(1)
  })

  it('rejects contract violations with partial_success and stores the rest', async () => {
    const records = await sdkLogs(flowRecords('flow-partial'))
    ;(records[0].attributes as Record<string, unknown>)['mfa.outcome'] = 'perhaps'
    const res = await post('/v1/logs', JsonLogsSerializer.serializeRequest(records)!, 'application/json')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.partialSuccess.rejectedLogRecords).toBe(1)
    expect(body.partialSuccess.errorMessage).toContain('mfa.outcome')
    expect((await rows(`SELECT outcome FROM mfa_events WHERE flow_id = 'flow-partial' ORDER BY ts`)).map((r) => r.outcome)).toEqual(['success', 'success'])
    // The rejected record is stored nowhere, not even in otel_logs.
    expect(await rows(`SELECT 1 FROM otel_logs WHERE LogAttributes['mfa.outcome'] = 'perhaps'`)).toHaveLength(0)
  })

  it('refuses bad bodies with the OTLP status and writes nothing', async () => {
    const before = [await count('mfa_events'), await count('otel_logs'), await count('otel_traces')]
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('flow-bad')))!
    const cases: [Promise<Response>, number][] = [
      [post('/v1/logs', proto.slice(0, proto.length - 7), 'application/x-protobuf'), 400],
      [post('/v1/logs', '{"resourceLogs": [ {', 'application/json'), 400],
      [post('/v1/logs', '{"resourceLogs": "nope"}', 'application/json'), 400],
      [post('/v1/logs', proto, 'text/plain'), 415],
      [post('/v1/logs', new Uint8Array(70 * 1024), 'application/x-protobuf'), 413],
      [post('/v1/logs', new Uint8Array(1024 * 1024), 'application/x-protobuf', true), 413],
      [post('/v1/traces', proto.slice(0, 20), 'application/x-protobuf'), 400],
    ]
    for (const [res, status] of cases) expect((await res).status).toBe(status)
    expect([await count('mfa_events'), await count('otel_logs'), await count('otel_traces')]).toEqual(before)
  })

  it('stores spans from the real trace serializers in otel_traces, same rows from JSON and protobuf', async () => {
    const spans = await sdkSpans('trace-proto')
    const jsonSpans = await sdkSpans('trace-json')
    expect((await post('/v1/traces', ProtobufTraceSerializer.serializeRequest(spans)!, 'application/x-protobuf')).status).toBe(200)
    expect((await post('/v1/traces', JsonTraceSerializer.serializeRequest(jsonSpans)!, 'application/json')).status).toBe(200)
    const of = async (service: string) => (await rows(`SELECT * FROM otel_traces WHERE ServiceName = {service:String} ORDER BY Timestamp`, { service }))
      .map((r) => ({ ...r, ServiceName: 'S', ResourceAttributes: {}, TraceId: 'T', SpanId: String(r.ParentSpanId) === '' ? 'root' : 'child', ParentSpanId: '' }))
    const got = await rows(`SELECT * FROM otel_traces WHERE ServiceName = 'trace-proto' AND SpanName = 'mfa.verify'`)
    expect(got).toHaveLength(1)
    const child = spans.find((s) => s.name === 'mfa.verify')!
    expect(got[0]).toMatchObject({
      Timestamp: '2026-11-23 10:00:00.123457789', TraceId: child.spanContext().traceId, SpanId: child.spanContext().spanId,
      ParentSpanId: child.parentSpanContext?.spanId, SpanKind: 'Client', ScopeName: 'tracer-scope', ScopeVersion: '0.1.0',
      SpanAttributes: { 'mfa.factor': 'totp', 'mfa.attempt': '2', ok: 'false', ratio: '0.25' },
      StatusCode: 'Error', StatusMessage: 'invalid code',
      'Events.Name': ['checked'], 'Events.Timestamp': ['2026-11-23 10:00:00.123458789'], 'Events.Attributes': [{ result: 'bad code' }],
      'Links.TraceId': [TRACE_ID], 'Links.SpanId': [SPAN_ID], 'Links.Attributes': [{ why: 'retry' }],
    })
    expect(String(got[0].Duration)).toBe('999999000')
    const lookup = await rows(`SELECT min(Start) AS start FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}`, { id: child.spanContext().traceId })
    expect(lookup).toEqual([{ start: '2026-11-23 10:00:00' }])
    expect(await of('trace-json')).toEqual(await of('trace-proto'))
    expect(await of('trace-proto')).toHaveLength(2)
  })

  it('receives records from an independent OTel SDK program (OTLPLogExporter, protobuf)', async () => {
    // Async: the receiver runs in this process and must keep answering while the sender runs.
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', `${ROOT}test/fixtures/otel-sender.ts`, base, 'flow-independent', '3'], { cwd: ROOT })
    expect(r.stdout).toContain('sent 3 records')
    const got = await rows(`SELECT outcome, factor, service, attributes FROM mfa_events WHERE flow_id = 'flow-independent' ORDER BY attempt`)
    expect(got.map((g) => g.outcome)).toEqual(['failure', 'failure', 'success'])
    expect(got[0]).toMatchObject({ factor: 'sms', service: 'third-party-idp', attributes: { 'vendor.custom': 'kept-in-map' } })
  })
})
