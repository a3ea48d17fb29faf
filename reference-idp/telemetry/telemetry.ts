import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { logs, resources, tracing } from '@opentelemetry/sdk-node'
import { buildEvent, type EventAttributes, type EventName } from '../../contract'
import type { IdpMetrics } from './metrics'

export const SERVICE = 'reference-idp'

/** What each emitted event may be tied to: the request's span (trace id) and who asked. */
export interface EventContext { span?: Span }

/**
 * The IdP's telemetry: contract events as OTel log records and spans, both exported over
 * OTLP/HTTP protobuf. Providers are not registered globally, so several IdPs (tests, bench)
 * can live in one process.
 */
export interface Telemetry {
  emit(name: EventName, attrs: EventAttributes, ctx?: EventContext): void
  /** Run `fn` inside a span; the span ends with fn and records a thrown error. */
  span<T>(name: string, attrs: Record<string, string | number>, fn: (span: Span | undefined) => Promise<T>, kind?: SpanKind): Promise<T>
  /** A step of a request: a child span of `parent` (the request's span), or just `fn` without one. */
  step<T>(parent: Span | undefined, name: string, attrs: Record<string, string | number>, fn: () => Promise<T>): Promise<T>
  flush(): Promise<void>
  shutdown(): Promise<void>
}

export interface TelemetryOptions {
  enabled: boolean
  otlpEndpoint: string
  region: string
  version: string
  metrics: IdpMetrics
  /** Tests: replace the OTLP span exporter (e.g. an in-memory one). */
  spanExporter?: tracing.SpanExporter
}

export function createTelemetry(o: TelemetryOptions): Telemetry {
  if (!o.enabled) {
    return {
      emit: (name, attrs) => {
        buildEvent(name, attrs) // contract checks stay on even when nothing is exported
        o.metrics.eventsEmitted.inc({ event: name })
      },
      span: (_name, _attrs, fn) => fn(undefined),
      step: (_parent, _name, _attrs, fn) => fn(),
      flush: async () => {},
      shutdown: async () => {},
    }
  }
  const base = o.otlpEndpoint.replace(/\/+$/, '')
  const resource = resources.resourceFromAttributes({
    'service.name': SERVICE,
    'service.version': o.version,
    'cloud.region': o.region,
  })
  const loggerProvider = new logs.LoggerProvider({
    resource,
    processors: [new logs.BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }) })],
  })
  const tracerProvider = new tracing.BasicTracerProvider({
    resource,
    spanProcessors: [o.spanExporter ? new tracing.SimpleSpanProcessor(o.spanExporter) : new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
  })
  const logger = loggerProvider.getLogger(SERVICE, o.version)
  const tracer = tracerProvider.getTracer(SERVICE, o.version)
  return {
    emit(name, attrs, ctx) {
      const attributes = buildEvent(name, attrs)
      o.metrics.eventsEmitted.inc({ event: name })
      logger.emit({
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: name,
        attributes,
        context: ctx?.span ? trace.setSpan(ROOT_CONTEXT, ctx.span) : undefined,
      })
    },
    async span(name, attrs, fn, kind = SpanKind.INTERNAL) {
      const span = tracer.startSpan(name, { kind, attributes: attrs })
      try {
        return await fn(span)
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' })
        throw err
      } finally {
        span.end()
      }
    },
    async step(parent, name, attrs, fn) {
      const span = tracer.startSpan(name, { attributes: attrs }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : undefined)
      try {
        return await fn()
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' })
        throw err
      } finally {
        span.end()
      }
    },
    flush: async () => {
      await Promise.all([loggerProvider.forceFlush(), tracerProvider.forceFlush()])
    },
    shutdown: async () => {
      await Promise.all([loggerProvider.shutdown(), tracerProvider.shutdown()])
    },
  }
}
