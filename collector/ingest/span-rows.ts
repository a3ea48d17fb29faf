import type { ResourceBlock, SpanIn } from '../otlp/model'
import { nsTime, OTEL_TRACES_COLUMNS, serviceName } from './columns'
import { spanKey } from './dedup'
import { dayOfNs, quoted, tsv, tsvArray, tsvMap } from './encode'
import { type PreparedRows, RowsBuilder } from './prepared'

/** Enum spellings of the contrib exporter (SpanKind / StatusCode without their prefixes). */
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const STATUS_CODES = ['Unset', 'Ok', 'Error']

const SPAN_TABLES = [{ table: 'otel_traces', columns: OTEL_TRACES_COLUMNS }]

/**
 * otel_traces rows (OTEL_TRACES_COLUMNS) as candidate TabSeparated lines (prepared.ts), keyed
 * by (TraceId, SpanId): resolveRows drops a span already stored, or earlier in the request, as
 * a duplicate. Pure; runs on a decode worker.
 */
export function prepareSpanRows(blocks: ResourceBlock<SpanIn>[]): PreparedRows {
  const out = new RowsBuilder(SPAN_TABLES)
  for (const b of blocks) {
    const service = tsv(serviceName(b.resource))
    const resourceAttrs = tsvMap(b.resource)
    for (const { scope, items } of b.scopes) {
      const scopeFields = `${tsv(scope.name)}\t${tsv(scope.version)}`
      for (const s of items) {
        out.accepted++
        // UInt64 nanoseconds as a decimal string: exact beyond 2^53.
        const duration = (s.endNs > s.startNs ? s.endNs - s.startNs : 0n).toString()
        let events = '\t[]\t[]\t[]'
        if (s.events.length > 0) {
          events = `\t[${s.events.map((e) => quoted(nsTime(e.timeNs))).join(',')}]\t${tsvArray(s.events.map((e) => e.name))}\t[${s.events.map((e) => tsvMap(e.attributes)).join(',')}]`
        }
        let links = '\t[]\t[]\t[]\t[]'
        if (s.links.length > 0) {
          links = `\t${tsvArray(s.links.map((l) => l.traceId))}\t${tsvArray(s.links.map((l) => l.spanId))}\t${tsvArray(s.links.map((l) => l.traceState))}\t[${s.links.map((l) => tsvMap(l.attributes)).join(',')}]`
        }
        out.add(0, dayOfNs(s.startNs), spanKey(s.traceId, s.spanId), 1, `${nsTime(s.startNs)}\t${tsv(s.traceId)}\t${tsv(s.spanId)}\t${tsv(s.parentSpanId)}\t${tsv(s.traceState)}\t${tsv(s.name)}\t${SPAN_KINDS[s.kind] ?? 'Unspecified'}\t${service}\t${resourceAttrs}\t${scopeFields}\t${tsvMap(s.attributes)}\t${duration}\t${STATUS_CODES[s.statusCode] ?? 'Unset'}\t${tsv(s.statusMessage)}${events}${links}`)
      }
    }
  }
  return out.finish()
}

