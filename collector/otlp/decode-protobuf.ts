import { BinaryReader } from '@bufbuild/protobuf/wire'
import {
  type AttrValue, type Attrs, DecodeError, emptyScope, int64, type LogIn, type ResourceBlock, type Scope,
  type SpanEventIn, type SpanIn, type SpanLinkIn, toHex,
} from './model'

/*
 * OTLP/protobuf decoder driven by @bufbuild/protobuf's BinaryReader, field numbers from
 * opentelemetry-proto (collector/logs/v1, collector/trace/v1, common/v1, resource/v1).
 * Unknown fields are skipped, as protobuf requires.
 */

const u64 = (v: bigint | string): bigint => (typeof v === 'bigint' ? v : BigInt(v))

function sub(r: BinaryReader): BinaryReader {
  const bytes = r.bytes()
  return new BinaryReader(bytes)
}

function anyValue(r: BinaryReader): AttrValue {
  let v: AttrValue = null
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    switch (no) {
      case 1: v = r.string(); break
      case 2: v = r.bool(); break
      case 3: v = int64(r.int64()); break
      case 4: v = r.double(); break
      case 5: v = arrayValue(sub(r)); break
      case 6: v = kvList(sub(r)); break
      case 7: v = Buffer.from(r.bytes()).toString('base64'); break
      default: r.skip(wt, no)
    }
  }
  return v
}

function arrayValue(r: BinaryReader): AttrValue[] {
  const out: AttrValue[] = []
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) out.push(anyValue(sub(r)))
    else r.skip(wt, no)
  }
  return out
}

function kvList(r: BinaryReader): Attrs {
  const out: Attrs = {}
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) keyValue(sub(r), out)
    else r.skip(wt, no)
  }
  return out
}

function keyValue(r: BinaryReader, into: Attrs): void {
  let key = ''
  let value: AttrValue = null
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) key = r.string()
    else if (no === 2) value = anyValue(sub(r))
    else r.skip(wt, no)
  }
  into[key] = value
}

function scope(r: BinaryReader): Scope {
  const s = emptyScope()
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) s.name = r.string()
    else if (no === 2) s.version = r.string()
    else if (no === 3) keyValue(sub(r), s.attributes)
    else r.skip(wt, no)
  }
  return s
}

function logRecord(r: BinaryReader): LogIn {
  const l: LogIn = { timeNs: 0n, observedNs: 0n, severityNumber: 0, severityText: '', body: null, attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' }
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    switch (no) {
      case 1: l.timeNs = u64(r.fixed64()); break
      case 2: l.severityNumber = r.int32(); break
      case 3: l.severityText = r.string(); break
      case 5: l.body = anyValue(sub(r)); break
      case 6: keyValue(sub(r), l.attributes); break
      case 8: l.flags = r.fixed32(); break
      case 9: l.traceId = toHex(r.bytes()); break
      case 10: l.spanId = toHex(r.bytes()); break
      case 11: l.observedNs = u64(r.fixed64()); break
      case 12: l.eventName = r.string(); break
      default: r.skip(wt, no)
    }
  }
  return l
}

function spanEvent(r: BinaryReader): SpanEventIn {
  const e: SpanEventIn = { timeNs: 0n, name: '', attributes: {} }
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) e.timeNs = u64(r.fixed64())
    else if (no === 2) e.name = r.string()
    else if (no === 3) keyValue(sub(r), e.attributes)
    else r.skip(wt, no)
  }
  return e
}

function spanLink(r: BinaryReader): SpanLinkIn {
  const l: SpanLinkIn = { traceId: '', spanId: '', traceState: '', attributes: {} }
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    if (no === 1) l.traceId = toHex(r.bytes())
    else if (no === 2) l.spanId = toHex(r.bytes())
    else if (no === 3) l.traceState = r.string()
    else if (no === 4) keyValue(sub(r), l.attributes)
    else r.skip(wt, no)
  }
  return l
}

function span(r: BinaryReader): SpanIn {
  const s: SpanIn = { traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 0, startNs: 0n, endNs: 0n, attributes: {}, events: [], links: [], statusCode: 0, statusMessage: '' }
  while (r.pos < r.len) {
    const [no, wt] = r.tag()
    switch (no) {
      case 1: s.traceId = toHex(r.bytes()); break
      case 2: s.spanId = toHex(r.bytes()); break
      case 3: s.traceState = r.string(); break
      case 4: s.parentSpanId = toHex(r.bytes()); break
      case 5: s.name = r.string(); break
      case 6: s.kind = r.int32(); break
      case 7: s.startNs = u64(r.fixed64()); break
      case 8: s.endNs = u64(r.fixed64()); break
      case 9: keyValue(sub(r), s.attributes); break
      case 11: s.events.push(spanEvent(sub(r))); break
      case 13: s.links.push(spanLink(sub(r))); break
      case 15: {
        const st = sub(r)
        while (st.pos < st.len) {
          const [sno, swt] = st.tag()
          if (sno === 2) s.statusMessage = st.string()
          else if (sno === 3) s.statusCode = st.int32()
          else st.skip(swt, sno)
        }
        break
      }
      default: r.skip(wt, no)
    }
  }
  return s
}

function blocks<T>(buf: Uint8Array, scopeField: number, item: (r: BinaryReader) => T): ResourceBlock<T>[] {
  const out: ResourceBlock<T>[] = []
  try {
    const r = new BinaryReader(buf)
    while (r.pos < r.len) {
      const [no, wt] = r.tag()
      if (no !== 1) { r.skip(wt, no); continue }
      const rr = sub(r)
      const block: ResourceBlock<T> = { resource: {}, schemaUrl: '', scopes: [] }
      while (rr.pos < rr.len) {
        const [rno, rwt] = rr.tag()
        if (rno === 1) block.resource = kvList(sub(rr)) // Resource.attributes is field 1, like KeyValueList.values
        else if (rno === 3) block.schemaUrl = rr.string()
        else if (rno === scopeField) {
          const sr = sub(rr)
          const entry = { scope: emptyScope(), items: [] as T[] }
          while (sr.pos < sr.len) {
            const [sno, swt] = sr.tag()
            if (sno === 1) entry.scope = scope(sub(sr))
            else if (sno === 2) entry.items.push(item(sub(sr)))
            else if (sno === 3) entry.scope.schemaUrl = sr.string()
            else sr.skip(swt, sno)
          }
          block.scopes.push(entry)
        } else rr.skip(rwt, rno)
      }
      out.push(block)
    }
  } catch (err) {
    throw new DecodeError(`invalid OTLP protobuf: ${(err as Error).message}`)
  }
  return out
}

export const decodeLogsProtobuf = (buf: Uint8Array) => blocks(buf, 2, logRecord)
export const decodeTracesProtobuf = (buf: Uint8Array) => blocks(buf, 2, span)

/** ExportLogsServiceResponse / ExportTraceServiceResponse with an optional partial_success. */
export function encodePartialSuccess(rejected: number, message: string): Uint8Array {
  if (rejected === 0 && !message) return new Uint8Array(0)
  const inner: number[] = []
  if (rejected > 0) { inner.push(0x08); varint(inner, rejected) }
  if (message) {
    const m = Buffer.from(message, 'utf8')
    inner.push(0x12); varint(inner, m.length); inner.push(...m)
  }
  const out: number[] = [0x0a]
  varint(out, inner.length)
  out.push(...inner)
  return Uint8Array.from(out)
}

function varint(out: number[], n: number): void {
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
}


