import { createHash } from 'node:crypto'
import { ATTR, OTEL_MAPPING } from '../../contract'
import { DEFAULT_TENANT, TENANT_ATTRIBUTE } from '../../contract/access'
import { NUMBER_COLUMNS, STRING_COLUMNS } from '../storage/rows'
import type { Attrs, LogIn, ResourceBlock } from '../otlp/model'
import type { EncodedRows } from './spool-record'
import { nsTime, OTEL_LOGS_COLUMNS, serviceName, text } from './columns'
import { contractError } from './contract-check'
import { contentKey, eventKey, fingerprint, logKey, NOTHING_SEEN, type SeenKeys } from './dedup'
import { dayOfNs, msTime, TableRows, TSV_NULL, tsv, tsvMap } from './encode'

/** At most this many validation messages go back to the exporter in `error_message`. */
const MAX_ERRORS = 3

/** Standard OTel keys read in place of an absent contract key (log.record.uid → event.id, user.hash → mfa.user_hash). */
const EQUIVALENTS = OTEL_MAPPING.filter((m) => m.how === 'equivalent').map((m) => [m.contract, m.otel] as const)
const absent = (v: unknown) => v === undefined || v === null || v === ''

/** mfa_events columns in body order (migrations 0001, 0050/0070). */
export const MFA_EVENTS_COLUMNS = [
  'ts', 'event', 'service', 'tenant', 'latency_ms',
  ...STRING_COLUMNS.map(([, c]) => c), ...NUMBER_COLUMNS.map(([, c]) => c),
  'trace_id', 'span_id', 'trace_flags', 'severity_text', 'severity_number', 'body', 'scope_name', 'scope_version',
  'resource_attributes', 'attributes', 'content_hash',
] as const
const STRING_KEYS = STRING_COLUMNS.map(([k]) => k)
const NUMBER_KEYS = NUMBER_COLUMNS.map(([k]) => k)
const TYPED = new Set<string>([ATTR.eventName, ATTR.latencyMs, ...STRING_KEYS, ...NUMBER_KEYS])
/** Keys left out of the attributes map: the typed columns, and null values. */
const typedOrNull = (k: string, v: unknown) => v === null || TYPED.has(k)

/** otel_logs columns in body order: the receiver's own (FactorWatchIngest, FactorWatchHash) are MATERIALIZED. */
const LOGS_COLUMNS = [...OTEL_LOGS_COLUMNS, 'FactorWatchHash'] as const
const MATERIALIZED = { insert_allow_materialized_columns: 1 }

export const CONFLICT_COLUMNS = ['ts', 'event', 'event_id', 'service', 'tenant', 'first_hash', 'conflict_hash', 'attributes'] as const

export interface LogBatch {
  /** mfa_events rows (contract events), otel_logs rows (other records), ingest_conflicts rows. */
  mfa: TableRows
  logs: TableRows
  conflictRows: TableRows
  /** Keys first stored by this batch, with fingerprints: remember them once the write is acknowledged. */
  fresh: [string, number][]
  /** Writes of other requests that hold keys this batch dropped as their copies: acknowledge after them. */
  waits: Promise<void>[]
  accepted: number
  rejected: number
  /** Records dropped because the same record was already stored (or is being stored). */
  duplicates: number
  /** Contract events dropped because their event id was stored with other content. */
  conflicts: number
  /** The first problems, each naming the record and the attribute at fault. */
  errors: string[]
}

/** Every table's rows of the batch, for the write path. */
export function logRecords(b: LogBatch): EncodedRows[] {
  return [...b.mfa.records(), ...b.logs.records(), ...b.conflictRows.records()]
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

/** Scratch fields of one row, reused: joined once into a flat string (no chain of partial strings to flatten later). */
const fields: string[] = []

/** One contract event's mfa_events line, without its trailing content_hash field. `a` passed the contract. */
function mfaLine(tsMs: number, name: string, block: string, a: Attrs, l: LogIn, scope: string): string {
  const latency = a[ATTR.latencyMs]
  fields.length = 0
  fields.push(msTime(tsMs), tsv(name), block, latency === undefined ? TSV_NULL : String(latency))
  for (let i = 0; i < STRING_KEYS.length; i++) {
    const v = a[STRING_KEYS[i]]
    fields.push(v === undefined ? '' : tsv(v as string))
  }
  for (let i = 0; i < NUMBER_KEYS.length; i++) {
    const v = a[NUMBER_KEYS[i]]
    fields.push(v === undefined ? '0' : String(v))
  }
  fields.push(tsv(l.traceId), tsv(l.spanId), String(l.flags & 0xff), tsv(l.severityText), String(l.severityNumber & 0xff), tsv(text(l.body)), scope, tsvMap(a, typedOrNull))
  return fields.join('\t')
}

/**
 * Turn decoded log records into insert bodies. Contract events (`mfa.*`, `gameday.*`, named by
 * the LogRecord's event_name field or else the `event.name` attribute) are checked against the
 * contract: those that break it are rejected (counted, stored nowhere); valid ones become one
 * mfa_events row. Every other record becomes one otel_logs row. A record already stored (per
 * `seen`, or earlier in this batch) is dropped as a duplicate; an event id stored with other
 * content is a conflict: dropped, counted and written to ingest_conflicts.
 * Pure apart from `seen` lookups; takes ownership of `blocks` (contract records' attribute
 * objects are completed in place).
 */
export function logRows(blocks: ResourceBlock<LogIn>[], seen: SeenKeys = NOTHING_SEEN): LogBatch {
  const mfa = new TableRows('mfa_events', MFA_EVENTS_COLUMNS)
  const logs = new TableRows('otel_logs', LOGS_COLUMNS, MATERIALIZED)
  const conflictRows = new TableRows('ingest_conflicts', CONFLICT_COLUMNS)
  const out: LogBatch = { mfa, logs, conflictRows, fresh: [], waits: [], accepted: 0, rejected: 0, duplicates: 0, conflicts: 0, errors: [] }
  /** Keys of this batch so far → fingerprint. */
  const batch = new Map<string, number>()
  let index = -1
  const reject = (error: string) => {
    out.rejected++
    if (out.errors.length < MAX_ERRORS) out.errors.push(`log record ${index}: ${error}`)
  }
  /** 'new', or the fingerprint first stored under `key` (waiting on its write when in flight). */
  const lookup = (key: string): number | 'new' => {
    const own = batch.get(key)
    if (own !== undefined) return own
    const s = seen.get(key)
    if (s === undefined) return 'new'
    if (s.wait !== undefined) out.waits.push(s.wait)
    return s.fp
  }

  for (const b of blocks) {
    const service = serviceName(b.resource)
    const tenantAttr = b.resource[TENANT_ATTRIBUTE]
    const tenant = typeof tenantAttr === 'string' && tenantAttr !== '' ? tenantAttr : DEFAULT_TENANT
    const serviceField = tsv(service)
    const resourceMap = tsvMap(b.resource)
    const blockFields = `${serviceField}\t${tsv(tenant)}`
    const resourceSchema = tsv(b.schemaUrl)
    for (const { scope, items } of b.scopes) {
      const scopeFields = `${tsv(scope.name)}\t${tsv(scope.version)}\t${resourceMap}`
      const logScope = `${resourceSchema}\t${resourceMap}\t${tsv(scope.schemaUrl)}\t${tsv(scope.name)}\t${tsv(scope.version)}\t${tsvMap(scope.attributes)}`
      for (const l of items) {
        index++
        const tsNs = l.timeNs || l.observedNs
        // The log record's EventName field first (OTel logs data model); the `event.name`
        // attribute of older producers otherwise.
        const a = l.attributes
        const attrName = a[ATTR.eventName]
        const name = l.eventName !== '' ? l.eventName : typeof attrName === 'string' ? attrName : ''
        if (name.startsWith('mfa.') || name.startsWith('gameday.')) {
          if (tsNs === 0n) { reject(`${name}: neither time_unix_nano nor observed_time_unix_nano is set`); continue }
          if (absent(a[ATTR.eventId]) && absent(a['log.record.uid'])) a[ATTR.eventId] = derivedEventId(service, tsNs, l)
          a[ATTR.eventName] = name
          for (const [contract, otel] of EQUIVALENTS) if (absent(a[contract]) && !absent(a[otel])) a[contract] = a[otel]
          const error = contractError(a)
          if (error !== null) { reject(error); continue }
          out.accepted++
          const tsMs = Number(tsNs / 1_000_000n)
          const line = mfaLine(tsMs, name, blockFields, a, l, scopeFields)
          const fp = fingerprint(line)
          const key = eventKey(a[ATTR.eventId] as string)
          const first = lookup(key)
          if (first === 'new') {
            batch.set(key, fp)
            out.fresh.push([key, fp])
            mfa.add(dayOfNs(tsNs), `${line}\t${fp}`)
          } else if (first === fp || first === 0) {
            out.duplicates++
          } else {
            out.conflicts++
            conflictRows.add(dayOfNs(tsNs), `${msTime(tsMs)}\t${tsv(name)}\t${tsv(a[ATTR.eventId] as string)}\t${blockFields}\t${first}\t${fp}\t${tsvMap(a)}`)
          }
          continue
        }
        out.accepted++
        const line = `${nsTime(tsNs)}\t${tsv(l.traceId)}\t${tsv(l.spanId)}\t${l.flags & 0xff}\t${tsv(l.severityText)}\t${l.severityNumber & 0xff}\t${serviceField}\t${tsv(text(l.body))}\t${logScope}\t${tsvMap(a)}\t${tsv(name)}`
        const hash = contentKey(line)
        const key = logKey(hash)
        if (lookup(key) !== 'new') { out.duplicates++; continue }
        batch.set(key, 1)
        out.fresh.push([key, 1])
        logs.add(dayOfNs(tsNs), `${line}\t1\t${hash}`)
      }
    }
  }
  return out
}
