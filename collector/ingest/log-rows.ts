import { createHash } from 'node:crypto'
import { ATTR, OTEL_MAPPING } from '../../contract'
import { DEFAULT_TENANT, TENANT_ATTRIBUTE } from '../../contract/access'
import { NUMBER_COLUMNS, STRING_COLUMNS } from '../storage/rows'
import type { Attrs, LogIn, ResourceBlock } from '../otlp/model'
import { nsTime, OTEL_LOGS_COLUMNS, serviceName, text } from './columns'
import { contractError } from './contract-check'
import { contentKey, eventKey, logKey, NOTHING_SEEN, type SeenKeys } from './dedup'
import { dayOfNs, msTime, quoted, TSV_NULL, tsv, tsvMap } from './encode'
import { type PreparedRows, type ResolvedRows, resolveRows, RowsBuilder, type TableRecords } from './prepared'

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

/** The tables a request's log records go to, in PreparedRows order. */
const MFA = 0
const LOGS = 1
const LOG_TABLES = [
  { table: 'mfa_events', columns: MFA_EVENTS_COLUMNS, conflicts: true },
  { table: 'otel_logs', columns: LOGS_COLUMNS, settings: MATERIALIZED },
]

/** A request's log records decided against the dedup memory: resolveRows' answer with each table's rows by name. */
export interface LogBatch extends ResolvedRows {
  /** mfa_events rows (contract events), otel_logs rows (other records), ingest_conflicts rows. */
  mfa: TableRecords
  logs: TableRecords
  conflictRows: TableRecords
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
 * Turn decoded log records into candidate rows (prepared.ts). Contract events (`mfa.*`,
 * `gameday.*`, named by the LogRecord's event_name field or else the `event.name` attribute)
 * are checked against the contract: those that break it are rejected (counted, stored nowhere);
 * valid ones become one mfa_events row, keyed by event id. Every other record becomes one
 * otel_logs row, keyed by a hash of its content. Pure; runs on a decode worker. Takes ownership
 * of `blocks` (contract records' attribute objects are completed in place).
 */
export function prepareLogRows(blocks: ResourceBlock<LogIn>[]): PreparedRows {
  const out = new RowsBuilder(LOG_TABLES)
  let index = -1
  const reject = (error: string) => {
    out.rejected++
    if (out.errors.length < MAX_ERRORS) out.errors.push(`log record ${index}: ${error}`)
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
          // The row ends with content_hash: the fingerprint of everything before it.
          out.addFingerprinted(MFA, dayOfNs(tsNs), eventKey(a[ATTR.eventId] as string), mfaLine(tsMs, name, blockFields, a, l, scopeFields))
          continue
        }
        out.accepted++
        const line = `${nsTime(tsNs)}\t${tsv(l.traceId)}\t${tsv(l.spanId)}\t${l.flags & 0xff}\t${tsv(l.severityText)}\t${l.severityNumber & 0xff}\t${serviceField}\t${tsv(text(l.body))}\t${logScope}\t${tsvMap(a)}\t${tsv(name)}`
        const hash = contentKey(line)
        out.add(LOGS, dayOfNs(tsNs), logKey(hash), 1, `${line}\t1\t${hash}`)
      }
    }
  }
  return out.finish()
}

/**
 * Decoded log records as rows, each decided against `seen` (resolveRows): a record already
 * stored, or earlier in this batch, is dropped as a duplicate; an event id stored with other
 * content is a conflict: dropped, counted and written to ingest_conflicts. The receiver runs
 * the two halves on different threads; this is both in one call.
 */
export function logRows(blocks: ResourceBlock<LogIn>[], seen: SeenKeys = NOTHING_SEEN): LogBatch {
  return logBatch(resolveRows(prepareLogRows(blocks), seen, conflictRow))
}

const EVENT = MFA_EVENTS_COLUMNS.indexOf('event')
const EVENT_ID = MFA_EVENTS_COLUMNS.indexOf('event_id')
const SERVICE = MFA_EVENTS_COLUMNS.indexOf('service')
const TENANT = MFA_EVENTS_COLUMNS.indexOf('tenant')
const LATENCY = MFA_EVENTS_COLUMNS.indexOf('latency_ms')
const FIRST_STRING = MFA_EVENTS_COLUMNS.indexOf(STRING_COLUMNS[0][1])
const FIRST_NUMBER = MFA_EVENTS_COLUMNS.indexOf(NUMBER_COLUMNS[0][1])
const ATTRIBUTES = MFA_EVENTS_COLUMNS.indexOf('attributes')
/** A TabSeparated field as a quoted Map/Array string: both escape the same characters, quoted also the quote. */
const tsvToQuoted = (field: string) => `'${field.replace(/'/g, "\\'")}'`

/**
 * A contract event's attributes as a Map literal, read back from its mfa_events line: the
 * typed columns under their attribute keys, then the attributes map. For ingest_conflicts,
 * only when a conflict happens. A typed attribute sent as '' (strings) or 0 (numbers) reads
 * like an absent one and is left out.
 */
export function conflictAttributes(line: string): string {
  return attributesOf(line.split('\t'))
}

/** The ingest_conflicts row (CONFLICT_COLUMNS) of a contract event's mfa_events line whose id was stored with fingerprint `first`. */
export function conflictRow(line: string, first: number, fp: number): string {
  const f = line.split('\t')
  return `${f[0]}\t${f[EVENT]}\t${f[EVENT_ID]}\t${f[SERVICE]}\t${f[TENANT]}\t${first}\t${fp}\t${attributesOf(f)}`
}

function attributesOf(f: string[]): string {
  const parts = [`${quoted(ATTR.eventName)}:${tsvToQuoted(f[EVENT])}`]
  if (f[LATENCY] !== TSV_NULL) parts.push(`${quoted(ATTR.latencyMs)}:${tsvToQuoted(f[LATENCY])}`)
  STRING_KEYS.forEach((k, i) => { if (f[FIRST_STRING + i] !== '') parts.push(`${quoted(k)}:${tsvToQuoted(f[FIRST_STRING + i])}`) })
  NUMBER_KEYS.forEach((k, i) => { if (f[FIRST_NUMBER + i] !== '0') parts.push(`${quoted(k)}:${tsvToQuoted(f[FIRST_NUMBER + i])}`) })
  if (f[ATTRIBUTES].length > 2) parts.push(f[ATTRIBUTES].slice(1, -1))
  return `{${parts.join(',')}}`
}

/** resolveRows' answer for log records, with each table's rows by name. */
function logBatch(r: ResolvedRows): LogBatch {
  const none: TableRecords = { rows: 0, records: () => [] }
  return { ...r, mfa: r.byTable.get('mfa_events') ?? none, logs: r.byTable.get('otel_logs') ?? none, conflictRows: r.byTable.get('ingest_conflicts') ?? none }
}
