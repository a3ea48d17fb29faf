import type { ResourceBlock, SpanIn } from '../otlp/model'
import { flat, nsTime, serviceName } from './columns'

/** Enum spellings of the contrib exporter (SpanKind / StatusCode without their prefixes). */
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const STATUS_CODES = ['Unset', 'Ok', 'Error']

/** Positional rows for `otel_traces` (OTEL_TRACES_COLUMNS). Pure. */
export function spanRows(blocks: ResourceBlock<SpanIn>[]): unknown[][] {
  const out: unknown[][] = []
  for (const b of blocks) {
    const service = serviceName(b.resource)
    const resourceAttrs = flat(b.resource)
    for (const { scope, items } of b.scopes) {
      for (const s of items) {
        out.push([
          nsTime(s.startNs), s.traceId, s.spanId, s.parentSpanId, s.traceState, s.name,
          SPAN_KINDS[s.kind] ?? 'Unspecified', service, resourceAttrs, scope.name, scope.version, flat(s.attributes),
          // UInt64 nanoseconds as a decimal string: exact beyond 2^53.
          (s.endNs > s.startNs ? s.endNs - s.startNs : 0n).toString(),
          STATUS_CODES[s.statusCode] ?? 'Unset', s.statusMessage,
          s.events.map((e) => nsTime(e.timeNs)), s.events.map((e) => e.name), s.events.map((e) => flat(e.attributes)),
          s.links.map((l) => l.traceId), s.links.map((l) => l.spanId), s.links.map((l) => l.traceState), s.links.map((l) => flat(l.attributes)),
        ])
      }
    }
  }
  return out
}
