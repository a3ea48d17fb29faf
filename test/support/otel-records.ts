/**
 * Log records and spans made by the real OpenTelemetry JS SDK (sdk-logs, sdk-trace-base), for
 * feeding the real exporters' serializers (@opentelemetry/otlp-transformer) in OTLP tests.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import type { LogRecord } from '@opentelemetry/api-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, type ReadableLogRecord, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

export const TRACE_ID = '5b8efff798038103d269b633813fc60c'
export const SPAN_ID = 'eee19b7ec3c1b174'
/** 2026-11-23T10:00:00.123456789Z as [seconds, nanoseconds]: exact below the millisecond. */
export const T0: [number, number] = [Date.UTC(2026, 10, 23, 10, 0, 0) / 1000, 123_456_789]

/** A context whose active span is (TRACE_ID, SPAN_ID), so records carry trace correlation. */
export const spanContext = () => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })

export async function sdkLogs(records: LogRecord[], service = 'idp-test', scope: [string, string?] = ['test-scope', '1.2.3']): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }), processors: [new SimpleLogRecordProcessor({ exporter })] })
  const logger = provider.getLogger(scope[0], scope[1])
  for (const r of records) logger.emit(r)
  await provider.forceFlush()
  return exporter.getFinishedLogRecords()
}

/** Contract events of one flow plus one ordinary application log. Values include characters that need escaping. */
export function flowRecords(flow: string): LogRecord[] {
  const at = (ms: number): [number, number] => [T0[0] + Math.floor(ms / 1000), T0[1] + (ms % 1000) * 1_000_000]
  return [
    {
      timestamp: at(0), severityNumber: 9, severityText: 'INFO', body: 'verified', context: spanContext(),
      attributes: { 'event.name': 'mfa.challenge.verified', 'event.id': `${flow}-1`, 'mfa.flow_id': flow, 'mfa.factor': 'totp', 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.latency_ms': 1500, 'mfa.attempt': 1, 'custom.key': 'tab\there "quote" \'single\' back\\slash\nnewline ünïcødé', 'custom.list': ['a', 'b'] },
    },
    {
      timestamp: at(2000), severityNumber: 9, severityText: 'INFO', body: { msg: 'verified', n: 2 },
      attributes: { 'event.name': 'mfa.challenge.verified', 'event.id': `${flow}-2`, 'mfa.flow_id': flow, 'mfa.factor': 'totp', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 3500, 'mfa.attempt': 2, 'mfa.user_group': 'admin', 'mfa.cost_micros': 1200 },
    },
    // No event.id: the collector derives one from the record, so retries still dedupe.
    { timestamp: at(2500), eventName: 'mfa.login.completed', attributes: { 'mfa.flow_id': flow, 'mfa.outcome': 'success' } },
    { timestamp: at(3000), severityNumber: 13, severityText: 'WARN', body: 'plain app log', attributes: { 'http.route': '/login', 'flow.ref': flow } },
  ]
}

export async function sdkSpans(service = 'idp-test'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracer = provider.getTracer('tracer-scope', '0.1.0')
  const parent = tracer.startSpan('POST /login', { kind: SpanKind.SERVER, startTime: T0, attributes: { 'http.route': '/login' } })
  const child = tracer.startSpan('mfa.verify', {
    kind: SpanKind.CLIENT,
    startTime: [T0[0], T0[1] + 1000],
    attributes: { 'mfa.factor': 'totp', 'mfa.attempt': 2, ok: false, ratio: 0.25 },
    links: [{ context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }, attributes: { why: 'retry' } }],
  }, trace.setSpan(ROOT_CONTEXT, parent))
  child.addEvent('checked', { result: 'bad code' }, [T0[0], T0[1] + 2000])
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid code' })
  child.end([T0[0] + 1, T0[1]])
  parent.end([T0[0] + 2, T0[1]])
  await provider.forceFlush()
  return exporter.getFinishedSpans()
}
