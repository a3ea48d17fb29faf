import type { ResourceBlock, SpanIn } from '../otlp/model'
import { nsTime, OTEL_TRACES_COLUMNS, serviceName } from './columns'
import { NOTHING_SEEN, type SeenKeys, spanKey } from './dedup'
import { dayOfNs, quoted, TableRows, tsv, tsvArray, tsvMap } from './encode'

/** Enum spellings of the contrib exporter (SpanKind / StatusCode without their prefixes). */
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const STATUS_CODES = ['Unset', 'Ok', 'Error']

export interface SpanBatch {
  rows: TableRows
  accepted: number
  duplicates: number
  /** Keys first stored by this batch: remember them once the write is acknowledged. */
  fresh: [string, number][]
  /** Writes of other requests holding spans this batch dropped as their copies. */
  waits: Promise<void>[]
}

/**
 * otel_traces rows (OTEL_TRACES_COLUMNS) as TabSeparated lines. A span already stored (same
 * TraceId and SpanId, per `seen` or earlier in the batch) is dropped as a duplicate. Pure apart
 * from `seen` lookups.
 */
export function spanRows(blocks: ResourceBlock<SpanIn>[], seen: SeenKeys = NOTHING_SEEN): SpanBatch {
  const out: SpanBatch = { rows: new TableRows('otel_traces', OTEL_TRACES_COLUMNS), accepted: 0, duplicates: 0, fresh: [], waits: [] }
  const batch = new Set<string>()
  for (const b of blocks) {
    const service = tsv(serviceName(b.resource))
    const resourceAttrs = tsvMap(b.resource)
    for (const { scope, items } of b.scopes) {
      const scopeFields = `${tsv(scope.name)}\t${tsv(scope.version)}`
      for (const s of items) {
        out.accepted++
        const key = spanKey(s.traceId, s.spanId)
        const known = batch.has(key) ? { fp: 1 } : seen.get(key)
        if (known !== undefined) {
          out.duplicates++
          if (known.wait !== undefined) out.waits.push(known.wait)
          continue
        }
        batch.add(key)
        out.fresh.push([key, 1])
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
        out.rows.add(dayOfNs(s.startNs), `${nsTime(s.startNs)}\t${tsv(s.traceId)}\t${tsv(s.spanId)}\t${tsv(s.parentSpanId)}\t${tsv(s.traceState)}\t${tsv(s.name)}\t${SPAN_KINDS[s.kind] ?? 'Unspecified'}\t${service}\t${resourceAttrs}\t${scopeFields}\t${tsvMap(s.attributes)}\t${duration}\t${STATUS_CODES[s.statusCode] ?? 'Unset'}\t${tsv(s.statusMessage)}${events}${links}`)
      }
    }
  }
  return out
}
