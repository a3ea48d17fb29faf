import type { IncomingHttpHeaders } from 'node:http'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { logs, resources, tracing } from '@opentelemetry/sdk-node'
import { buildEvent, type EventAttributes, type EventName } from '../../contract'
import type { IdpMetrics } from './metrics'
import { bufferPolicy, isServerError, otlpProtocol, otlpUrl, sdkDisabled } from './otel-env'
import { OutageBuffer, type BufferPolicy, type BufferReport } from './outage-buffer'

export const SERVICE = 'reference-idp'

/** What each emitted event may be tied to: the request's span (trace id) and who asked. */
export interface EventContext { span?: Span }

/** What makes a span a request's server span: the incoming headers (`traceparent`) and the status answered. */
export interface ServerRequest { headers: IncomingHttpHeaders; status: () => number }

/**
 * The IdP's telemetry: contract events as OTel log records and spans, both exported over
 * OTLP/HTTP protobuf. Providers are not registered globally, so several IdPs (tests, bench)
 * can live in one process.
 */
export interface Telemetry {
  emit(name: EventName, attrs: EventAttributes, ctx?: EventContext): void
  /**
   * Run `fn` inside a span; the span ends with fn and records a thrown error. With `request`
   * it is that request's server span: it continues an incoming W3C `traceparent`, and ends
   * with `http.response.status_code` and, on a 5xx, status error and `error.type`.
   */
  span<T>(name: string, attrs: Record<string, string | number>, fn: (span: Span | undefined) => Promise<T>, kind?: SpanKind, request?: ServerRequest): Promise<T>
  /** A step of a request: a child span of `parent` (the request's span), or just `fn` without one. */
  step<T>(parent: Span | undefined, name: string, attrs: Record<string, string | number>, fn: () => Promise<T>): Promise<T>
  flush(): Promise<void>
  shutdown(): Promise<void>
}

export interface TelemetryOptions {
  enabled: boolean
  /** Base OTLP/HTTP URL (`/v1/logs`, `/v1/traces` appended); unset: the exporters read OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint?: string
  region: string
  version: string
  metrics: IdpMetrics
  /** Tests: replace the OTLP span exporter (e.g. an in-memory one). */
  spanExporter?: tracing.SpanExporter
  /** Tests: replace the OTLP log exporter (e.g. an in-memory one). */
  logExporter?: logs.LogRecordExporter
  /** The standard OTEL_* variables; default process.env (the SDK's detector and exporters read process.env too). */
  env?: Record<string, string | undefined>
  /** The outage buffer's bounds and backoff; default from IDP_TELEMETRY_* (otel-env.ts `bufferPolicy`). */
  buffer?: BufferPolicy
  /** Where the buffer's few state lines go (collector unreachable, back, buffer full); default stderr. */
  log?: (line: string) => void
}

const propagator = new W3CTraceContextPropagator()
const headerGetter = {
  keys: (h: IncomingHttpHeaders) => Object.keys(h),
  get: (h: IncomingHttpHeaders, key: string) => h[key.toLowerCase()],
}

/**
 * The resource the standard way: the SDK's defaults (telemetry.sdk.*), the IdP's own
 * service.name / version / region, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME on top
 * (the SDK's env detector; later attributes win).
 */
function idpResource(o: TelemetryOptions) {
  return resources.defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': SERVICE, 'service.version': o.version, 'cloud.region': o.region }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
}

function exporters(o: TelemetryOptions, env: Record<string, string | undefined>) {
  const logsUrl = otlpUrl(env, 'logs', o.otlpEndpoint)
  const tracesUrl = otlpUrl(env, 'traces', o.otlpEndpoint)
  const logsJson = otlpProtocol(env, 'logs') === 'http/json'
  const tracesJson = otlpProtocol(env, 'traces') === 'http/json'
  // Only the URL is given; headers, timeout, compression and certificates come from OTEL_EXPORTER_OTLP_*.
  return {
    logs: logsJson ? new OTLPLogExporterJson(logsUrl ? { url: logsUrl } : {}) : new OTLPLogExporter(logsUrl ? { url: logsUrl } : {}),
    traces: tracesJson ? new OTLPTraceExporterJson(tracesUrl ? { url: tracesUrl } : {}) : new OTLPTraceExporter(tracesUrl ? { url: tracesUrl } : {}),
  }
}

export function createTelemetry(o: TelemetryOptions): Telemetry {
  const env = o.env ?? process.env
  if (!o.enabled || sdkDisabled(env)) {
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
  const resource = idpResource(o)
  const exporter = exporters(o, env)
  // The OTLP exporters sit behind outage buffers: the collector being away (restarting, or
  // stopped first) costs memory up to a bound, never the events or the process.
  const policy = o.buffer ?? bufferPolicy(env)
  const report = bufferReport(o.metrics, o.log ?? ((line) => console.error(line)))
  const logBuffer = new OutageBuffer<logs.ReadableLogRecord>(exporter.logs, 'logs', policy, report)
  const spanBuffer = new OutageBuffer<tracing.ReadableSpan>(exporter.traces, 'traces', policy, report)
  const buffers = [...(o.logExporter ? [] : [logBuffer]), ...(o.spanExporter ? [] : [spanBuffer])]
  const loggerProvider = new logs.LoggerProvider({
    resource,
    processors: [o.logExporter ? new logs.SimpleLogRecordProcessor({ exporter: o.logExporter }) : new logs.BatchLogRecordProcessor({ exporter: logBuffer })],
  })
  const tracerProvider = new tracing.BasicTracerProvider({
    resource,
    spanProcessors: [o.spanExporter ? new tracing.SimpleSpanProcessor(o.spanExporter) : new tracing.BatchSpanProcessor(spanBuffer)],
  })
  const logger = loggerProvider.getLogger(SERVICE, o.version)
  const tracer = tracerProvider.getTracer(SERVICE, o.version)
  return {
    emit(name, attrs, ctx) {
      const attributes = buildEvent(name, attrs)
      o.metrics.eventsEmitted.inc({ event: name })
      logger.emit({
        // The log record's EventName field (OTel logs data model); `event.name` stays among the attributes for older collectors.
        eventName: name,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: name,
        attributes,
        context: ctx?.span ? trace.setSpan(ROOT_CONTEXT, ctx.span) : undefined,
      })
    },
    async span(name, attrs, fn, kind = SpanKind.INTERNAL, request) {
      const parent = request ? propagator.extract(ROOT_CONTEXT, request.headers, headerGetter) : undefined
      const span = tracer.startSpan(name, { kind: request ? SpanKind.SERVER : kind, attributes: attrs }, parent)
      try {
        return await fn(span)
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' })
        throw err
      } finally {
        if (request) {
          const status = request.status()
          span.setAttribute('http.response.status_code', status)
          if (isServerError(status)) {
            span.setAttribute('error.type', String(status))
            span.setStatus({ code: SpanStatusCode.ERROR })
          }
        }
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
    // Neither ever rejects: a flush or shutdown with the collector away waits at most the
    // buffer's shutdown bound, then shutdown counts what is left as dropped.
    flush: async () => {
      await Promise.allSettled([loggerProvider.forceFlush(), tracerProvider.forceFlush()])
    },
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([loggerProvider.shutdown(), tracerProvider.shutdown()]),
        new Promise((r) => (timer = setTimeout(r, policy.shutdownMs + 250))),
      ])
      clearTimeout(timer)
      for (const b of buffers) b.abandon()
    },
  }
}

function bufferReport(metrics: IdpMetrics, log: (line: string) => void): BufferReport {
  return {
    dropped: (signal, n, reason) => metrics.telemetryDropped.inc({ signal, reason }, n),
    failed: (signal) => metrics.telemetryFailures.inc({ signal }),
    buffered: (signal, n) => metrics.telemetryBuffered.set({ signal }, n),
    log,
  }
}
