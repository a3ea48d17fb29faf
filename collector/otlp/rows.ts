import { createHash } from 'node:crypto'
import { ATTR, isContractEventName, validateEvent } from '../../contract'
import { type MfaEventRow, mfaEventRow } from '../storage/rows'
import type { AttrValue, Attrs, LogIn, ResourceBlock, SpanIn } from './model'

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const STATUS_CODES = ['Unset', 'Ok', 'Error']

const text = (v: AttrValue): string => (typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))
function flat(a: Attrs): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in a) out[k] = text(a[k])
  return out
}
/** DateTime64(9) text from epoch nanoseconds, exact (no float rounding). */
export function nsTime(ns: bigint): string {
  const s = ns / 1_000_000_000n
  return `${s}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`
}

export interface LogBatch { mfa: MfaEventRow[]; logs: Record<string, unknown>[]; rejected: number; errors: string[] }

/**
 * Turn decoded log records into rows. Contract events (`mfa.*`, `gameday.*`) that break the
 * contract are rejected (counted, not stored anywhere); valid ones go to both tables.
 * A contract event without `event.id` gets a deterministic one so retried exports dedupe.
 */
export function logRows(blocks: ResourceBlock<LogIn>[]): LogBatch {
  const out: LogBatch = { mfa: [], logs: [], rejected: 0, errors: [] }
  for (const b of blocks) {
    const service = typeof b.resource['service.name'] === 'string' ? (b.resource['service.name'] as string) : 'unknown_service'
    const resourceAttrs = flat(b.resource)
    for (const { scope, items } of b.scopes) {
      const scopeAttrs = flat(scope.attributes)
      for (const l of items) {
        const tsNs = l.timeNs || l.observedNs
        const name = typeof l.attributes[ATTR.eventName] === 'string' ? (l.attributes[ATTR.eventName] as string) : l.eventName
        if (name && isContractEventName(name)) {
          const attrs: Record<string, unknown> = { ...l.attributes, [ATTR.eventName]: name }
          if (attrs[ATTR.eventId] === undefined) {
            attrs[ATTR.eventId] = createHash('sha256').update(`${service}|${tsNs}|${JSON.stringify(l.attributes)}`).digest('hex').slice(0, 32)
          }
          const v = validateEvent(attrs)
          if (!v.ok) {
            out.rejected++
            if (out.errors.length < 5) out.errors.push(v.error)
            continue
          }
          out.mfa.push(mfaEventRow({ tsMs: Number(tsNs / 1_000_000n), service, attrs, traceId: l.traceId, spanId: l.spanId }))
        }
        out.logs.push({
          Timestamp: nsTime(tsNs),
          TraceId: l.traceId,
          SpanId: l.spanId,
          TraceFlags: l.flags & 0xff,
          SeverityText: l.severityText,
          SeverityNumber: l.severityNumber,
          ServiceName: service,
          Body: text(l.body),
          ResourceSchemaUrl: b.schemaUrl,
          ResourceAttributes: resourceAttrs,
          ScopeSchemaUrl: scope.schemaUrl,
          ScopeName: scope.name,
          ScopeVersion: scope.version,
          ScopeAttributes: scopeAttrs,
          LogAttributes: flat(l.attributes),
          EventName: name ?? '',
        })
      }
    }
  }
  return out
}

export function spanRows(blocks: ResourceBlock<SpanIn>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const b of blocks) {
    const service = typeof b.resource['service.name'] === 'string' ? (b.resource['service.name'] as string) : 'unknown_service'
    const resourceAttrs = flat(b.resource)
    for (const { scope, items } of b.scopes) {
      for (const s of items) {
        out.push({
          Timestamp: nsTime(s.startNs),
          TraceId: s.traceId,
          SpanId: s.spanId,
          ParentSpanId: s.parentSpanId,
          TraceState: s.traceState,
          SpanName: s.name,
          SpanKind: SPAN_KINDS[s.kind] ?? 'Unspecified',
          ServiceName: service,
          ResourceAttributes: resourceAttrs,
          ScopeName: scope.name,
          ScopeVersion: scope.version,
          SpanAttributes: flat(s.attributes),
          Duration: (s.endNs > s.startNs ? s.endNs - s.startNs : 0n).toString(),
          StatusCode: STATUS_CODES[s.statusCode] ?? 'Unset',
          StatusMessage: s.statusMessage,
          'Events.Timestamp': s.events.map((e) => nsTime(e.timeNs)),
          'Events.Name': s.events.map((e) => e.name),
          'Events.Attributes': s.events.map((e) => flat(e.attributes)),
          'Links.TraceId': s.links.map((l) => l.traceId),
          'Links.SpanId': s.links.map((l) => l.spanId),
          'Links.TraceState': s.links.map((l) => l.traceState),
          'Links.Attributes': s.links.map((l) => flat(l.attributes)),
        })
      }
    }
  }
  return out
}
