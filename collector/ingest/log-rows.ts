import { createHash } from 'node:crypto'
import { ATTR, isContractEventName, OTEL_MAPPING, validateEvent } from '../../contract'
import { type MfaEventRow, mfaEventRow } from '../storage/rows'
import type { LogIn, ResourceBlock } from '../otlp/model'
import { flat, nsTime, serviceName, text } from './columns'

/** At most this many validation messages go back to the exporter in `error_message`. */
const MAX_ERRORS = 3

/** Standard OTel keys read in place of an absent contract key (log.record.uid → event.id, user.hash → mfa.user_hash). */
const EQUIVALENTS = OTEL_MAPPING.filter((m) => m.how === 'equivalent').map((m) => [m.contract, m.otel] as const)
const absent = (v: unknown) => v === undefined || v === null || v === ''

export interface LogBatch {
  /** Typed rows for `mfa_events`, in record order. */
  mfa: MfaEventRow[]
  /** Positional rows for `otel_logs` (OTEL_LOGS_COLUMNS), in record order. */
  logs: unknown[][]
  /** Per `logs` row: the event id when the record is a contract event, else null. */
  logIds: (string | null)[]
  rejected: number
  /** The first problems, each naming the record and the attribute at fault. */
  errors: string[]
}

/**
 * A contract record without `event.id` gets one derived from its content, so a retried export
 * of the same record dedupes like one that carried an id.
 */
export function derivedEventId(service: string, tsNs: bigint, l: LogIn): string {
  return createHash('sha256')
    .update(`${service}\u0000${tsNs}\u0000${l.traceId}\u0000${l.spanId}\u0000${text(l.body)}\u0000${JSON.stringify(l.attributes)}`)
    .digest('hex')
    .slice(0, 32)
}

/**
 * Turn decoded log records into rows. Contract events (`mfa.*`, `gameday.*`, named by the
 * LogRecord's event_name field or else the `event.name` attribute) are validated: those that
 * break the contract are rejected (counted, stored nowhere); valid ones go to both tables.
 * Every other record goes to `otel_logs` only. Pure: no I/O, no clock.
 */
export function logRows(blocks: ResourceBlock<LogIn>[]): LogBatch {
  const out: LogBatch = { mfa: [], logs: [], logIds: [], rejected: 0, errors: [] }
  let index = 0
  const reject = (error: string) => {
    out.rejected++
    if (out.errors.length < MAX_ERRORS) out.errors.push(`log record ${index}: ${error}`)
  }
  for (const b of blocks) {
    const service = serviceName(b.resource)
    const resourceAttrs = flat(b.resource)
    for (const { scope, items } of b.scopes) {
      const scopeAttrs = flat(scope.attributes)
      for (const l of items) {
        const tsNs = l.timeNs || l.observedNs
        // The log record's EventName field first (OTel logs data model); the `event.name`
        // attribute of older producers otherwise.
        const attrName = l.attributes[ATTR.eventName]
        const name = l.eventName !== '' ? l.eventName : typeof attrName === 'string' ? attrName : ''
        let id: string | null = null
        if (name && isContractEventName(name)) {
          const attrs: Record<string, unknown> = { ...l.attributes, [ATTR.eventName]: name }
          for (const [contract, otel] of EQUIVALENTS) if (absent(attrs[contract]) && !absent(attrs[otel])) attrs[contract] = attrs[otel]
          if (absent(attrs[ATTR.eventId])) {
            attrs[ATTR.eventId] = derivedEventId(service, tsNs, l)
          }
          const v = validateEvent(attrs)
          if (!v.ok) { reject(v.error); index++; continue }
          if (tsNs === 0n) { reject(`${name}: neither time_unix_nano nor observed_time_unix_nano is set`); index++; continue }
          const row = mfaEventRow({ tsMs: Number(tsNs / 1_000_000n), service, attrs, traceId: l.traceId, spanId: l.spanId })
          out.mfa.push(row)
          id = row.event_id
        }
        out.logs.push([
          nsTime(tsNs), l.traceId, l.spanId, l.flags & 0xff, l.severityText, l.severityNumber, service, text(l.body),
          b.schemaUrl, resourceAttrs, scope.schemaUrl, scope.name, scope.version, scopeAttrs,
          flat(l.attributes), name, 1,
        ])
        out.logIds.push(id)
        index++
      }
    }
  }
  return out
}
