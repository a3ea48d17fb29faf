import { BinaryReader } from '@bufbuild/protobuf/wire'
import {
  type AttrValue, type Attrs, DecodeError, DEFAULT_DECODE_LIMITS, type DecodeLimits, emptyScope, int64, type LogIn, type ResourceBlock,
  type Scope, type SpanEventIn, type SpanIn, type SpanLinkIn, toHex, tooDeep,
} from './model'

/*
 * OTLP/protobuf decoder: @bufbuild/protobuf's BinaryReader walks the buffer once and writes
 * straight into the normalized records. Field numbers from opentelemetry-proto
 * (collector/{logs,trace}/v1, logs/v1, trace/v1, common/v1, resource/v1).
 * Nested messages are read in place between `pos` and an end offset (no sub-readers, no
 * copies); every nested message must end exactly at its declared length, so a truncated or
 * corrupted body is refused rather than half-read. Unknown fields are skipped.
 *
 * AnyValue nesting deeper than `maxDepth` refuses the request (400) before any recursion can
 * exhaust the stack. Strings must be UTF-8 (the protobuf spec): a string field that is not is
 * not replaced with U+FFFD but marks its record (or its resource or scope, and so all their
 * records) `invalid`, and the sanitize pass refuses those records in partial_success.
 */

/*
 * Decoding is synchronous, so one request's limits and UTF-8 findings live in module state,
 * reset by request(): no context object threaded through every reader.
 */
let maxDepth = DEFAULT_DECODE_LIMITS.maxDepth
/** Strings seen that were not UTF-8, and what the last one was; a reader compares counts before and after. */
let badUtf8 = 0
let badField = ''
/** The body being decoded (what the reader reads). */
let body: Uint8Array = new Uint8Array(0)
/** The reason for an item whose strings included invalid UTF-8 since `mark`, else undefined. */
export const utf8Problem = (mark: number): string | undefined => (badUtf8 === mark ? undefined : `${badField} is not valid UTF-8`)
export function beginDecode(limits: DecodeLimits): void {
  maxDepth = limits.maxDepth
  badUtf8 = 0
  badField = ''
}

// ignoreBOM: a leading U+FEFF is text the producer sent, kept.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/**
 * Node's Buffer#latin1Slice, called on the body's Uint8Array: for ASCII bytes the same string
 * as UTF-8 decoding, without a view or an array of codes per string. Attribute keys and most
 * values are short ASCII; this was a tenth of decoding.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice
/** Longest string read through the ASCII check; longer ones go straight to the (native, vectorized) decoder. */
const SHORT = 64

/** A string field: strict UTF-8; invalid bytes are recorded (the caller's item is refused) and read as ''. */
export function text(r: BinaryReader, field: string): string {
  const len = r.uint32()
  const start = r.pos
  const end = start + len
  // A broken body (RangeError), as BinaryReader's own bounds check says it.
  if (end > r.len) throw new RangeError('premature EOF')
  r.pos = end
  return textAt(start, end, field)
}

/** The string of body[start, end) (see `text`). */
function textAt(start: number, end: number, field: string): string {
  const b = body
  if (end - start <= SHORT && latin1Slice !== undefined) {
    let i = start
    while (i < end && b[i] < 0x80) i++
    if (i === end) return latin1Slice.call(b, start, end)
  }
  try {
    return utf8.decode(b.subarray(start, end))
  } catch (err) {
    // The strict decoder throws TypeError.
    if (!(err instanceof TypeError)) throw err
    badUtf8++
    badField = field
    return ''
  }
}

/*
 * Attribute keys repeat in every record of an export (`mfa.factor`, `mfa.outcome`, …): a small
 * direct-mapped cache of short ASCII keys, checked byte for byte, gives back the same string
 * without a native call, an allocation and V8's internalizing it again as a property name.
 */
const KEY_SLOTS = 512
const keyLen = new Int32Array(KEY_SLOTS).fill(-1)
const keyBytes = new Uint8Array(KEY_SLOTS * SHORT)
const keyText: string[] = new Array<string>(KEY_SLOTS).fill('')

/** An attribute key: `text`, through the cache above. */
export function key(r: BinaryReader): string {
  const len = r.uint32()
  const start = r.pos
  const end = start + len
  if (end > r.len) throw new RangeError('premature EOF')
  r.pos = end
  if (len === 0 || len > SHORT) return textAt(start, end, 'an attribute key')
  const b = body
  const slot = ((len * 31) ^ (b[start] * 7) ^ (b[end - 1] << 3) ^ b[start + (len >>> 1)]) & (KEY_SLOTS - 1)
  if (keyLen[slot] === len) {
    const at = slot * SHORT
    let i = 0
    while (i < len && keyBytes[at + i] === b[start + i]) i++
    if (i === len) return keyText[slot]
  }
  const s = textAt(start, end, 'an attribute key')
  // Only ASCII keys (one byte a character) are kept: not UTF-8 reads as '' and must be found
  // again each time; the same ASCII bytes always read as this string.
  if (s.length === len) {
    keyLen[slot] = len
    keyBytes.set(b.subarray(start, end), slot * SHORT)
    keyText[slot] = s
  }
  return s
}

export const WT_VARINT = 0
export const WT_I64 = 1
export const WT_LEN = 2
export const WT_I32 = 5

/** Start of a length-delimited field: returns its end offset, checked against the parent's. */
export function open(r: BinaryReader, parentEnd: number): number {
  const len = r.uint32()
  const end = r.pos + len
  if (end > parentEnd) throw new RangeError(`nested message overruns its parent (${end} > ${parentEnd})`)
  return end
}
export function close(r: BinaryReader, end: number): void {
  if (r.pos !== end) throw new RangeError(`nested message ends at ${r.pos}, declared end ${end}`)
}
export function expect(wt: number, want: number, no: number): void {
  if (wt !== want) throw new RangeError(`field ${no}: wire type ${wt}, expected ${want}`)
}
export const u64 = (v: bigint | string): bigint => (typeof v === 'bigint' ? v : BigInt(v))

function anyValue(r: BinaryReader, end: number, depth: number): AttrValue {
  if (depth > maxDepth) throw tooDeep(maxDepth)
  let v: AttrValue = null
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 1: expect(wt, WT_LEN, no); v = text(r, 'a string value'); break
      case 2: expect(wt, WT_VARINT, no); v = r.bool(); break
      case 3: expect(wt, WT_VARINT, no); v = int64(r.int64()); break
      case 4: expect(wt, WT_I64, no); v = r.double(); break
      case 5: expect(wt, WT_LEN, no); v = arrayValue(r, open(r, end), depth); break
      case 6: expect(wt, WT_LEN, no); v = kvList(r, open(r, end), depth); break
      case 7: expect(wt, WT_LEN, no); v = Buffer.from(r.bytes()).toString('base64'); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return v
}

function arrayValue(r: BinaryReader, end: number, depth: number): AttrValue[] {
  const out: AttrValue[] = []
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) out.push(anyValue(r, open(r, end), depth + 1))
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  return out
}

/** KeyValueList.values = 1, and also Resource.attributes = 1: repeated KeyValue at field 1. `depth` is the list's own AnyValue level (0 for a resource). */
function kvList(r: BinaryReader, end: number, depth: number): Attrs {
  const out: Attrs = {}
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) keyValue(r, open(r, end), out, depth + 1)
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  return out
}

/** One KeyValue into `into`; `depth` is its value's AnyValue level (1 for an item's own attributes). */
export function keyValue(r: BinaryReader, end: number, into: Attrs, depth = 1): void {
  let name = ''
  let value: AttrValue = null
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) name = key(r)
    else if (tag === ((2 << 3) | WT_LEN)) value = anyValue(r, open(r, end), depth)
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  into[name] = value
}

function scope(r: BinaryReader, end: number, s: Scope): void {
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); s.name = text(r, 'the scope name') }
    else if (no === 2) { expect(wt, WT_LEN, no); s.version = text(r, 'the scope version') }
    else if (no === 3) { expect(wt, WT_LEN, no); keyValue(r, open(r, end), s.attributes) }
    else if (no === 4) { expect(wt, WT_VARINT, no); s.droppedAttributes = r.uint32() }
    else r.skip(wt, no)
  }
  close(r, end)
}

function logRecord(r: BinaryReader, end: number): LogIn {
  const l: LogIn = { timeNs: 0n, observedNs: 0n, severityNumber: 0, severityText: '', body: null, attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 1: expect(wt, WT_I64, no); l.timeNs = u64(r.fixed64()); break
      case 2: expect(wt, WT_VARINT, no); l.severityNumber = r.int32(); break
      case 3: expect(wt, WT_LEN, no); l.severityText = text(r, 'severity_text'); break
      case 5: expect(wt, WT_LEN, no); l.body = anyValue(r, open(r, end), 1); break
      case 6: expect(wt, WT_LEN, no); keyValue(r, open(r, end), l.attributes); break
      case 8: expect(wt, WT_I32, no); l.flags = r.fixed32(); break
      case 9: expect(wt, WT_LEN, no); l.traceId = toHex(r.bytes()); break
      case 10: expect(wt, WT_LEN, no); l.spanId = toHex(r.bytes()); break
      case 11: expect(wt, WT_I64, no); l.observedNs = u64(r.fixed64()); break
      case 12: expect(wt, WT_LEN, no); l.eventName = text(r, 'event_name'); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return l
}

function spanEvent(r: BinaryReader, end: number): SpanEventIn {
  const e: SpanEventIn = { timeNs: 0n, name: '', attributes: {} }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_I64, no); e.timeNs = u64(r.fixed64()) }
    else if (no === 2) { expect(wt, WT_LEN, no); e.name = text(r, 'a span event name') }
    else if (no === 3) { expect(wt, WT_LEN, no); keyValue(r, open(r, end), e.attributes) }
    else r.skip(wt, no)
  }
  close(r, end)
  return e
}

function spanLink(r: BinaryReader, end: number): SpanLinkIn {
  const l: SpanLinkIn = { traceId: '', spanId: '', traceState: '', attributes: {} }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); l.traceId = toHex(r.bytes()) }
    else if (no === 2) { expect(wt, WT_LEN, no); l.spanId = toHex(r.bytes()) }
    else if (no === 3) { expect(wt, WT_LEN, no); l.traceState = text(r, 'a link trace_state') }
    else if (no === 4) { expect(wt, WT_LEN, no); keyValue(r, open(r, end), l.attributes) }
    else r.skip(wt, no)
  }
  close(r, end)
  return l
}

function status(r: BinaryReader, end: number, s: SpanIn): void {
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 2) { expect(wt, WT_LEN, no); s.statusMessage = text(r, 'the status message') }
    else if (no === 3) { expect(wt, WT_VARINT, no); s.statusCode = r.int32() }
    else r.skip(wt, no)
  }
  close(r, end)
}

function span(r: BinaryReader, end: number): SpanIn {
  const s: SpanIn = { traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 0, startNs: 0n, endNs: 0n, attributes: {}, events: [], links: [], statusCode: 0, statusMessage: '' }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 1: expect(wt, WT_LEN, no); s.traceId = toHex(r.bytes()); break
      case 2: expect(wt, WT_LEN, no); s.spanId = toHex(r.bytes()); break
      case 3: expect(wt, WT_LEN, no); s.traceState = text(r, 'trace_state'); break
      case 4: expect(wt, WT_LEN, no); s.parentSpanId = toHex(r.bytes()); break
      case 5: expect(wt, WT_LEN, no); s.name = text(r, 'the span name'); break
      case 6: expect(wt, WT_VARINT, no); s.kind = r.int32(); break
      case 7: expect(wt, WT_I64, no); s.startNs = u64(r.fixed64()); break
      case 8: expect(wt, WT_I64, no); s.endNs = u64(r.fixed64()); break
      case 9: expect(wt, WT_LEN, no); keyValue(r, open(r, end), s.attributes); break
      case 11: expect(wt, WT_LEN, no); s.events.push(spanEvent(r, open(r, end))); break
      case 13: expect(wt, WT_LEN, no); s.links.push(spanLink(r, open(r, end))); break
      case 15: expect(wt, WT_LEN, no); status(r, open(r, end), s); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return s
}

/** A record decoder; `invalid` is set on what it returns when one of its strings was not UTF-8. */
export type Item<T extends { invalid?: string }> = (r: BinaryReader, end: number) => T

/** ScopeLogs / ScopeSpans / ScopeMetrics: scope = 1, log_records / spans / metrics = 2, schema_url = 3. */
function scoped<T extends { invalid?: string }>(r: BinaryReader, end: number, item: Item<T>): { scope: Scope; items: T[]; invalid?: string } {
  const entry: { scope: Scope; items: T[]; invalid?: string } = { scope: emptyScope(), items: [] }
  let schemaUrl = ''
  // Only the scope's own strings count against it; its items' count against each item.
  const ownField = (read: () => void) => {
    const before = badUtf8
    read()
    if (badUtf8 !== before) entry.invalid = `scope: ${utf8Problem(before)}`
  }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); ownField(() => scope(r, open(r, end), entry.scope)) }
    else if (no === 2) {
      expect(wt, WT_LEN, no)
      const mark = badUtf8
      const it = item(r, open(r, end))
      if (badUtf8 !== mark) it.invalid = utf8Problem(mark)
      entry.items.push(it)
    }
    else if (no === 3) { expect(wt, WT_LEN, no); ownField(() => { schemaUrl = text(r, 'the scope schema_url') }) }
    else r.skip(wt, no)
  }
  close(r, end)
  entry.scope.schemaUrl = schemaUrl
  return entry
}

/** ResourceLogs / ResourceSpans / ResourceMetrics: resource = 1, scope_logs / scope_spans / scope_metrics = 2, schema_url = 3. */
function resourceBlock<T extends { invalid?: string }>(r: BinaryReader, end: number, item: Item<T>): ResourceBlock<T> {
  const block: ResourceBlock<T> = { resource: {}, schemaUrl: '', scopes: [] }
  const ownField = (read: () => void) => {
    const before = badUtf8
    read()
    if (badUtf8 !== before) block.invalid = `resource: ${utf8Problem(before)}`
  }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); ownField(() => { block.resource = kvList(r, open(r, end), 0) }) }
    else if (no === 2) { expect(wt, WT_LEN, no); block.scopes.push(scoped(r, open(r, end), item)) }
    else if (no === 3) { expect(wt, WT_LEN, no); ownField(() => { block.schemaUrl = text(r, 'the resource schema_url') }) }
    else r.skip(wt, no)
  }
  close(r, end)
  return block
}

/** Export{Logs,Trace,Metrics}ServiceRequest: resource_logs / resource_spans / resource_metrics = 1. */
export function request<T extends { invalid?: string }>(buf: Uint8Array, item: Item<T>, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): ResourceBlock<T>[] {
  const out: ResourceBlock<T>[] = []
  beginDecode(limits)
  body = buf
  try {
    const r = new BinaryReader(buf)
    while (r.pos < r.len) {
      const tag = r.uint32()
      const no = tag >>> 3
      const wt = tag & 7
      if (no === 0) throw new RangeError('field number 0')
      if (no === 1) { expect(wt, WT_LEN, no); out.push(resourceBlock(r, open(r, r.len), item)) }
      else r.skip(wt, no)
    }
    if (r.pos !== r.len) throw new RangeError('premature EOF')
  } catch (err) {
    if (err instanceof DecodeError) throw err
    throw new DecodeError(`invalid OTLP protobuf: ${(err as Error).message}`)
  }
  return out
}

export const decodeLogsProtobuf = (buf: Uint8Array, limits?: DecodeLimits): ResourceBlock<LogIn>[] => request(buf, logRecord, limits)
export const decodeTracesProtobuf = (buf: Uint8Array, limits?: DecodeLimits): ResourceBlock<SpanIn>[] => request(buf, span, limits)
