import { BinaryReader } from '@bufbuild/protobuf/wire'
import {
  type AttrValue, type Attrs, DecodeError, emptyScope, int64, type LogIn, type ResourceBlock, type Scope,
  type SpanEventIn, type SpanIn, type SpanLinkIn, toHex,
} from './model'

/*
 * OTLP/protobuf decoder: @bufbuild/protobuf's BinaryReader walks the buffer once and writes
 * straight into the normalized records. Field numbers from opentelemetry-proto
 * (collector/{logs,trace}/v1, logs/v1, trace/v1, common/v1, resource/v1).
 * Nested messages are read in place between `pos` and an end offset (no sub-readers, no
 * copies); every nested message must end exactly at its declared length, so a truncated or
 * corrupted body is refused rather than half-read. Unknown fields are skipped.
 */

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

function anyValue(r: BinaryReader, end: number): AttrValue {
  let v: AttrValue = null
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 1: expect(wt, WT_LEN, no); v = r.string(); break
      case 2: expect(wt, WT_VARINT, no); v = r.bool(); break
      case 3: expect(wt, WT_VARINT, no); v = int64(r.int64()); break
      case 4: expect(wt, WT_I64, no); v = r.double(); break
      case 5: expect(wt, WT_LEN, no); v = arrayValue(r, open(r, end)); break
      case 6: expect(wt, WT_LEN, no); v = kvList(r, open(r, end)); break
      case 7: expect(wt, WT_LEN, no); v = Buffer.from(r.bytes()).toString('base64'); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return v
}

function arrayValue(r: BinaryReader, end: number): AttrValue[] {
  const out: AttrValue[] = []
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) out.push(anyValue(r, open(r, end)))
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  return out
}

/** KeyValueList.values = 1, and also Resource.attributes = 1: repeated KeyValue at field 1. */
function kvList(r: BinaryReader, end: number): Attrs {
  const out: Attrs = {}
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) keyValue(r, open(r, end), out)
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  return out
}

export function keyValue(r: BinaryReader, end: number, into: Attrs): void {
  let key = ''
  let value: AttrValue = null
  while (r.pos < end) {
    const tag = r.uint32()
    if (tag === ((1 << 3) | WT_LEN)) key = r.string()
    else if (tag === ((2 << 3) | WT_LEN)) value = anyValue(r, open(r, end))
    else r.skip(tag & 7, tag >>> 3)
  }
  close(r, end)
  into[key] = value
}

function scope(r: BinaryReader, end: number, s: Scope): void {
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); s.name = r.string() }
    else if (no === 2) { expect(wt, WT_LEN, no); s.version = r.string() }
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
      case 3: expect(wt, WT_LEN, no); l.severityText = r.string(); break
      case 5: expect(wt, WT_LEN, no); l.body = anyValue(r, open(r, end)); break
      case 6: expect(wt, WT_LEN, no); keyValue(r, open(r, end), l.attributes); break
      case 8: expect(wt, WT_I32, no); l.flags = r.fixed32(); break
      case 9: expect(wt, WT_LEN, no); l.traceId = toHex(r.bytes()); break
      case 10: expect(wt, WT_LEN, no); l.spanId = toHex(r.bytes()); break
      case 11: expect(wt, WT_I64, no); l.observedNs = u64(r.fixed64()); break
      case 12: expect(wt, WT_LEN, no); l.eventName = r.string(); break
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
    else if (no === 2) { expect(wt, WT_LEN, no); e.name = r.string() }
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
    else if (no === 3) { expect(wt, WT_LEN, no); l.traceState = r.string() }
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
    if (no === 2) { expect(wt, WT_LEN, no); s.statusMessage = r.string() }
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
      case 3: expect(wt, WT_LEN, no); s.traceState = r.string(); break
      case 4: expect(wt, WT_LEN, no); s.parentSpanId = toHex(r.bytes()); break
      case 5: expect(wt, WT_LEN, no); s.name = r.string(); break
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

export type Item<T> = (r: BinaryReader, end: number) => T

/** ScopeLogs / ScopeSpans / ScopeMetrics: scope = 1, log_records / spans / metrics = 2, schema_url = 3. */
function scoped<T>(r: BinaryReader, end: number, item: Item<T>): { scope: Scope; items: T[] } {
  const entry = { scope: emptyScope(), items: [] as T[] }
  let schemaUrl = ''
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); scope(r, open(r, end), entry.scope) }
    else if (no === 2) { expect(wt, WT_LEN, no); entry.items.push(item(r, open(r, end))) }
    else if (no === 3) { expect(wt, WT_LEN, no); schemaUrl = r.string() }
    else r.skip(wt, no)
  }
  close(r, end)
  entry.scope.schemaUrl = schemaUrl
  return entry
}

/** ResourceLogs / ResourceSpans / ResourceMetrics: resource = 1, scope_logs / scope_spans / scope_metrics = 2, schema_url = 3. */
function resourceBlock<T>(r: BinaryReader, end: number, item: Item<T>): ResourceBlock<T> {
  const block: ResourceBlock<T> = { resource: {}, schemaUrl: '', scopes: [] }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); block.resource = kvList(r, open(r, end)) }
    else if (no === 2) { expect(wt, WT_LEN, no); block.scopes.push(scoped(r, open(r, end), item)) }
    else if (no === 3) { expect(wt, WT_LEN, no); block.schemaUrl = r.string() }
    else r.skip(wt, no)
  }
  close(r, end)
  return block
}

/** Export{Logs,Trace,Metrics}ServiceRequest: resource_logs / resource_spans / resource_metrics = 1. */
export function request<T>(buf: Uint8Array, item: Item<T>): ResourceBlock<T>[] {
  const out: ResourceBlock<T>[] = []
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
    throw new DecodeError(`invalid OTLP protobuf: ${(err as Error).message}`)
  }
  return out
}

export const decodeLogsProtobuf = (buf: Uint8Array): ResourceBlock<LogIn>[] => request(buf, logRecord)
export const decodeTracesProtobuf = (buf: Uint8Array): ResourceBlock<SpanIn>[] => request(buf, span)
