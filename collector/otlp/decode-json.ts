import { isUtf8 } from 'node:buffer'
import {
  type AttrValue, type Attrs, DecodeError, DEFAULT_DECODE_LIMITS, type DecodeLimits, emptyScope, int64, type LogIn, type ResourceBlock,
  type Scope, type SpanIn, tooDeep,
} from './model'

/*
 * OTLP/JSON (proto3 JSON mapping with OTLP's exceptions: trace/span ids are hex, enums are
 * numbers, int64 may be strings). Produces the same normalized shape as the protobuf decoder.
 *
 * A body that is not UTF-8 is refused whole (400: JSON text must be UTF-8, RFC 8259). A string
 * escaping a lone surrogate (`"\ud800"`) is valid JSON but no Unicode text; like a non-UTF-8
 * protobuf string it marks its record (or resource, or scope) `invalid` for the sanitize pass.
 * AnyValue nesting deeper than `maxDepth` refuses the request (400). JSON.parse itself does not
 * recurse on the stack, so only these readers needed the bound.
 */

// Decoding is synchronous: one request's limits and findings live in module state (see decode-protobuf.ts).
let maxDepth = DEFAULT_DECODE_LIMITS.maxDepth
let badText = 0
let badPath = ''
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed
const problem = (mark: number): string | undefined => (badText === mark ? undefined : `${badPath} is not valid Unicode text (a lone surrogate)`)

export type J = Record<string, unknown>
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v)

function fail(path: string, expected: string): never {
  throw new DecodeError(`invalid OTLP JSON at ${path}: expected ${expected}`)
}
export function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) fail(path, 'an array')
  return v
}
export function obj(v: unknown, path: string): J {
  if (v === undefined || v === null) return {}
  if (!isObj(v)) fail(path, 'an object')
  return v
}
export function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') fail(path, 'a string')
  if (!isWellFormed.call(v)) {
    badText++
    badPath = path
    return ''
  }
  return v
}
export function num(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return v
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v)
  fail(path, 'an integer')
}
export function nanos(v: unknown, path: string): bigint {
  if (v === undefined || v === null || v === '') return 0n
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v)
  fail(path, 'unsigned nanoseconds')
}
export function hexId(v: unknown, path: string): string {
  const s = str(v, path).toLowerCase()
  if (s && !/^[0-9a-f]*$/.test(s)) fail(path, 'a hex id')
  return s
}

function anyValue(v: unknown, path: string, depth: number): AttrValue {
  if (depth > maxDepth) throw tooDeep(maxDepth)
  const o = obj(v, path)
  if ('stringValue' in o) return str(o.stringValue, `${path}.stringValue`)
  if ('boolValue' in o) {
    if (typeof o.boolValue !== 'boolean') fail(`${path}.boolValue`, 'true or false')
    return o.boolValue
  }
  if ('intValue' in o) {
    const i = o.intValue
    if (typeof i !== 'number' && !(typeof i === 'string' && /^-?\d+$/.test(i))) fail(`${path}.intValue`, 'an integer')
    return int64(i as string | number)
  }
  if ('doubleValue' in o) {
    const d = o.doubleValue
    if (typeof d === 'number') return d
    if (typeof d === 'string' && !Number.isNaN(Number(d))) return Number(d)
    fail(`${path}.doubleValue`, 'a number')
  }
  if ('arrayValue' in o) return arr(obj(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`).map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1))
  if ('kvlistValue' in o) return attrs(obj(o.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`, depth + 1)
  if ('bytesValue' in o) return str(o.bytesValue, `${path}.bytesValue`)
  return null
}

/** KeyValue list; `depth` is its values' AnyValue level (1 for an item's own attributes). */
export function attrs(v: unknown, path: string, depth = 1): Attrs {
  const out: Attrs = {}
  arr(v, path).forEach((kv, i) => {
    const o = obj(kv, `${path}[${i}]`)
    out[str(o.key, `${path}[${i}].key`)] = anyValue(o.value, `${path}[${i}].value`, depth)
  })
  return out
}

function scope(v: unknown, path: string, schemaUrl: unknown): Scope {
  const o = obj(v, path)
  return { ...emptyScope(), name: str(o.name, `${path}.name`), version: str(o.version, `${path}.version`), attributes: attrs(o.attributes, `${path}.attributes`), schemaUrl: str(schemaUrl, `${path}.schemaUrl`), droppedAttributes: num(o.droppedAttributesCount, `${path}.droppedAttributesCount`) }
}

function logRecord(v: unknown, p: string): LogIn {
  const o = obj(v, p)
  return {
    timeNs: nanos(o.timeUnixNano, `${p}.timeUnixNano`),
    observedNs: nanos(o.observedTimeUnixNano, `${p}.observedTimeUnixNano`),
    severityNumber: num(o.severityNumber, `${p}.severityNumber`),
    severityText: str(o.severityText, `${p}.severityText`),
    body: o.body === undefined ? null : anyValue(o.body, `${p}.body`, 1),
    attributes: attrs(o.attributes, `${p}.attributes`),
    traceId: hexId(o.traceId, `${p}.traceId`),
    spanId: hexId(o.spanId, `${p}.spanId`),
    flags: num(o.flags, `${p}.flags`),
    eventName: str(o.eventName, `${p}.eventName`),
  }
}

function span(v: unknown, p: string): SpanIn {
  const o = obj(v, p)
  const status = obj(o.status, `${p}.status`)
  return {
    traceId: hexId(o.traceId, `${p}.traceId`),
    spanId: hexId(o.spanId, `${p}.spanId`),
    parentSpanId: hexId(o.parentSpanId, `${p}.parentSpanId`),
    traceState: str(o.traceState, `${p}.traceState`),
    name: str(o.name, `${p}.name`),
    kind: num(o.kind, `${p}.kind`),
    startNs: nanos(o.startTimeUnixNano, `${p}.startTimeUnixNano`),
    endNs: nanos(o.endTimeUnixNano, `${p}.endTimeUnixNano`),
    attributes: attrs(o.attributes, `${p}.attributes`),
    events: arr(o.events, `${p}.events`).map((e, i) => {
      const eo = obj(e, `${p}.events[${i}]`)
      return { timeNs: nanos(eo.timeUnixNano, `${p}.events[${i}].timeUnixNano`), name: str(eo.name, `${p}.events[${i}].name`), attributes: attrs(eo.attributes, `${p}.events[${i}].attributes`) }
    }),
    links: arr(o.links, `${p}.links`).map((l, i) => {
      const lo = obj(l, `${p}.links[${i}]`)
      return { traceId: hexId(lo.traceId, `${p}.links[${i}].traceId`), spanId: hexId(lo.spanId, `${p}.links[${i}].spanId`), traceState: str(lo.traceState, `${p}.links[${i}].traceState`), attributes: attrs(lo.attributes, `${p}.links[${i}].attributes`) }
    }),
    statusCode: num(status.code, `${p}.status.code`),
    statusMessage: str(status.message, `${p}.status.message`),
  }
}

/**
 * An export request: `body` as the raw bytes (checked to be UTF-8) or as text. Each item, scope
 * and resource whose strings were not Unicode text comes back with `invalid` set.
 */
export function blocks<T extends { invalid?: string }>(
  body: string | Uint8Array, top: string, scopes: string, items: string, item: (v: unknown, p: string) => T, limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): ResourceBlock<T>[] {
  let text: string
  if (typeof body === 'string') text = body
  else if (!isUtf8(body)) throw new DecodeError('invalid JSON: the body is not valid UTF-8')
  else text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  maxDepth = limits.maxDepth
  badText = 0
  badPath = ''
  let root: unknown
  try {
    root = JSON.parse(text)
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`)
  }
  if (!isObj(root)) fail('$', 'an OTLP export request object')
  if (!(top in root)) fail('$', `an object with "${top}"`)
  return arr(root[top], top).map((rb, i) => {
    const p = `${top}[${i}]`
    const o = obj(rb, p)
    const at = badText
    const block: ResourceBlock<T> = {
      resource: attrs(obj(o.resource, `${p}.resource`).attributes, `${p}.resource.attributes`, 1),
      schemaUrl: str(o.schemaUrl, `${p}.schemaUrl`),
      scopes: [],
    }
    if (badText !== at) block.invalid = `resource: ${problem(at)}`
    block.scopes = arr(o[scopes], `${p}.${scopes}`).map((sb, j) => {
      const sp = `${p}.${scopes}[${j}]`
      const so = obj(sb, sp)
      const sat = badText
      const entry: ResourceBlock<T>['scopes'][number] = { scope: scope(so.scope, `${sp}.scope`, so.schemaUrl), items: [] }
      if (badText !== sat) entry.invalid = `scope: ${problem(sat)}`
      entry.items = arr(so[items], `${sp}.${items}`).map((x, k) => {
        const mark = badText
        const it = item(x, `${sp}.${items}[${k}]`)
        if (badText !== mark) it.invalid = problem(mark)
        return it
      })
      return entry
    })
    return block
  })
}

export const decodeLogsJson = (body: string | Uint8Array, limits?: DecodeLimits) => blocks(body, 'resourceLogs', 'scopeLogs', 'logRecords', logRecord, limits)
export const decodeTracesJson = (body: string | Uint8Array, limits?: DecodeLimits) => blocks(body, 'resourceSpans', 'scopeSpans', 'spans', span, limits)
