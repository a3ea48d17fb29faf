import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { logs, tracing } from '@opentelemetry/sdk-node'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdpMetrics } from './metrics'
import { otlpProtocol, otlpUrl } from './otel-env'
import { createTelemetry } from './telemetry'

const TRACE = '0af7651916cd43dd8448eb211c80319c'
const PARENT = 'b7ad6b7169203331'

function setup(env: Record<string, string | undefined> = {}) {
  const spans = new tracing.InMemorySpanExporter()
  const records = new logs.InMemoryLogRecordExporter()
  const t = createTelemetry({ enabled: true, otlpEndpoint: 'http://127.0.0.1:9', region: 'eu-west', version: 't', metrics: createIdpMetrics(), spanExporter: spans, logExporter: records, env })
  return { t, spans, records }
}

const saved = { ...process.env }
afterEach(() => {
  for (const k of ['OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})

describe('IdP telemetry', () => {
  it('emits contract events in the log record EventName field and keeps the event.name attribute', async () => {
    const { t, records } = setup()
    t.emit('mfa.login.started', { 'mfa.flow_id': 'f1', 'mfa.user_hash': 'a1b2c3d4e5f60718' })
    await t.flush()
    const [r] = records.getFinishedLogRecords()
    expect(r.eventName).toBe('mfa.login.started')
    expect(r.attributes['event.name']).toBe('mfa.login.started')
    expect(r.resource.attributes['service.name']).toBe('reference-idp')
  })

  it('takes service.name and resource attributes from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES', async () => {
    process.env.OTEL_SERVICE_NAME = 'idp-eu-1'
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=staging,cloud.region=eu-central'
    const { t, records } = setup()
    t.emit('mfa.login.started', { 'mfa.flow_id': 'f2', 'mfa.user_hash': 'a1b2c3d4e5f60719' })
    await t.flush()
    const res = records.getFinishedLogRecords()[0].resource.attributes
    expect(res).toMatchObject({ 'service.name': 'idp-eu-1', 'deployment.environment.name': 'staging', 'cloud.region': 'eu-central', 'service.version': 't' })
  })

  it.each([
    [200, SpanStatusCode.UNSET, undefined],
    [404, SpanStatusCode.UNSET, undefined],
    [502, SpanStatusCode.ERROR, '502'],
    [503, SpanStatusCode.ERROR, '503'],
  ])('a server span continues the incoming traceparent; answered %i its status is %i', async (status, code, errorType) => {
    const { t, spans } = setup()
    await t.span('POST /api/v1/login', { 'http.route': '/api/v1/login' }, async () => {}, SpanKind.SERVER, { headers: { traceparent: `00-${TRACE}-${PARENT}-01` }, status: () => status })
    const [s] = spans.getFinishedSpans()
    expect(s.spanContext().traceId).toBe(TRACE)
    expect(s.parentSpanContext?.spanId).toBe(PARENT)
    expect(s.kind).toBe(SpanKind.SERVER)
    expect(s.status.code).toBe(code)
    expect(s.attributes['http.response.status_code']).toBe(status)
    expect(s.attributes['error.type']).toBe(errorType)
  })

  it('starts a new trace when traceparent is missing or malformed', async () => {
    const { t, spans } = setup()
    await t.span('GET /', {}, async () => {}, SpanKind.SERVER, { headers: { traceparent: '00-zz-yy-01' }, status: () => 200 })
    const [s] = spans.getFinishedSpans()
    expect(s.spanContext().traceId).not.toBe(TRACE)
    expect(s.parentSpanContext).toBeUndefined()
  })
})

describe('OTEL_EXPORTER_OTLP_* decisions', () => {
  it.each([
    [{}, 'logs', 'http/protobuf'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'traces', 'http/json'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf' }, 'logs', 'http/protobuf'],
  ] as const)('protocol from %j for %s is %s', (env, signal, want) => {
    expect(otlpProtocol(env, signal)).toBe(want)
  })
  it('refuses grpc naming the variable', () => {
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, 'traces')).toThrow(/^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: got "grpc"/)
  })
  it('appends the signal path to the base endpoint unless a signal-specific endpoint is set', () => {
    expect(otlpUrl({}, 'logs', 'http://c:4318/')).toBe('http://c:4318/v1/logs')
    expect(otlpUrl({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://x/logs' }, 'logs', 'http://c:4318')).toBeUndefined()
    expect(otlpUrl({}, 'traces', undefined)).toBeUndefined()
  })
})
