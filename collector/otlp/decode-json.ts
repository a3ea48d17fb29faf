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

/*
 * Where a value sits, for messages only: `base`, then `[i]` when i >= 0, then `suffix`. The
 * readers take the pieces and join them only when they report a problem, so a valid record
 * (the common case, ~25 values each) costs no path strings at all.
 */
const at = (base: string, suffix: string, i: number): string => (i < 0 ? `${base}${suffix}` : `${base}[${i}]${suffix}`)

export function arr(v: unknown, base: string, suffix = '', i = -1): unknown[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) fail(at(base, suffix, i), 'an array')
  return v
}
export function obj(v: unknown, base: string, suffix = '', i = -1): J {
  if (v === undefined || v === null) return {}
  if (!isObj(v)) fail(at(base, suffix, i), 'an object')
  return v
}
export function str(v: unknown, base: string, suffix = '', i = -1): string {
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') fail(at(base, suffix, i), 'a string')
  if (!isWellFormed.call(v)) {
    badText++
    badPath = at(base, suffix, i)
    return ''
  }
  return v
}
export function num(v: unknown, base: string, suffix = '', i = -1): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return v
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v)
  fail(at(base, suffix, i), 'an integer')
}
export function nanos(v: unknown, base: string, suffix = '', i = -1): bigint {
  if (v === undefined || v === null || v === '') return 0n
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v)
  fail(at(base, suffix, i), 'unsigned nanoseconds')
}
export function hexId(v: unknown, base: string, suffix = '', i = -1): string {
  const s = str(v, base, suffix, i).toLowerCase()
  if (s && !/^[0-9a-f]*$/.test(s)) fail(at(base, suffix, i), 'a hex id')
  return s
}

/** The AnyValue at `base[i]suffix` (see `at`). */
function anyValue(v: unknown, base: string, suffix: string, i: number, depth: number): AttrValue {
  if (depth > maxDepth) throw tooDeep(maxDepth)
  const o = obj(v, base, suffix, i)
  if ('stringValue' in o) {
    const s = o.stringValue
    // The common case without a path: a well-formed string.
    if (typeof s === 'string' && isWellFormed.call(s)) return s
    return str(s, at(base, suffix, i), '.stringValue')
  }
  if ('boolValue' in o) {
    if (typeof o.boolValue !== 'boolean') fail(`${at(base, suffix, i)}.boolValue`, 'true or false')
    return o.boolValue
  }
  if ('intValue' in o) {
    const n = o.intValue
    if (typeof n !== 'number' && !(typeof n === 'string' && /^-?\d+$/.test(n))) fail(`${at(base, suffix, i)}.intValue`, 'an integer')
    return int64(n as string | number)
  }
  if ('doubleValue' in o) {
    const d = o.doubleValue
    if (typeof d === 'number') return d
    if (typeof d === 'string' && !Number.isNaN(Number(d))) return Number(d)
    fail(`${at(base, suffix, i)}.doubleValue`, 'a number')
  }
  const path = at(base, suffix, i)
  if ('arrayValue' in o) return arr(obj(o.arrayValue, path, '.arrayValue').values, path, '.arrayValue.values').map((x, k) => anyValue(x, `${path}.arrayValue.values`, '', k, depth + 1))
  if ('kvlistValue' in o) return attrs(obj(o.kvlistValue, path, '.kvlistValue').values, `${path}.kvlistValue.values`, depth + 1)
  if ('bytesValue' in o) return str(o.bytesValue, path, '.bytesValue')
  return null
}

/** KeyValue list at `path`; `depth` is its values' AnyValue level (1 for an item's own attributes). */
export function attrs(v: unknown, path: string, depth = 1): Attrs {
  const out: Attrs = {}
  const list = arr(v, path)
  for (let i = 0; i < list.length; i++) {
    const o = obj(list[i], path, '', i)
    out[str(o.key, path, '.key', i)] = anyValue(o.value, path, '.value', i, depth)
  }
  return out
}

function scope(v: unknown, path: string, schemaUrl: unknown): Scope {
  const o = obj(v, path)
  return { ...emptyScope(), name: str(o.name, path, '.name'), version: str(o.version, path, '.version'), attributes: attrs(o.attributes, `${path}.attributes`), schemaUrl: str(schemaUrl, path, '.schemaUrl'), droppedAttributes: num(o.droppedAttributesCount, path, '.droppedAttributesCount') }
}

/** The log record at `base[i]`. */
function logRecord(v: unknown, base: string, i: number): LogIn {
  const o = obj(v, base, '', i)
  return {
    timeNs: nanos(o.timeUnixNano, base, '.timeUnixNano', i),
    observedNs: nanos(o.observedTimeUnixNano, base, '.observedTimeUnixNano', i),
    severityNumber: num(o.severityNumber, base, '.severityNumber', i),
    severityText: str(o.severityText, base, '.severityText', i),
    body: o.body === undefined ? null : anyValue(o.body, base, '.body', i, 1),
    attributes: o.attributes === undefined || o.attributes === null ? {} : attrs(o.attributes, `${base}[${i}].attributes`),
    traceId: hexId(o.traceId, base, '.traceId', i),
    spanId: hexId(o.spanId, base, '.spanId', i),
    flags: num(o.flags, base, '.flags', i),
    eventName: str(o.eventName, base, '.eventName', i),
  }
}

/** The span at `base[i]` (spans are fewer and larger than log records: paths built eagerly). */
function span(v: unknown, base: string, i: number): SpanIn {
  const p = `${base}[${i}]`
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
    events: arr(o.events, `${p}.events`).map((e, k) => {
      const eo = obj(e, `${p}.events[${k}]`)
      return { timeNs: nanos(eo.timeUnixNano, `${p}.events[${k}].timeUnixNano`), name: str(eo.name, `${p}.events[${k}].name`), attributes: attrs(eo.attributes, `${p}.events[${k}].attributes`) }
    }),
    links: arr(o.links, `${p}.links`).map((l, k) => {
      const lo = obj(l, `${p}.links[${k}]`)
      return { traceId: hexId(lo.traceId, `${p}.links[${k}].traceId`), spanId: hexId(lo.spanId, `${p}.links[${k}].spanId`), traceState: str(lo.traceState, `${p}.links[${k}].traceState`), attributes: attrs(lo.attributes, `${p}.links[${k}].attributes`) }
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
  body: string | Uint8Array, top: string, scopes: string, items: string, item: (v: unknown, base: string, i: number) => T, limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
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
      const base = `${sp}.${items}`
      entry.items = arr(so[items], base).map((x, k) => {
        const mark = badText
        const it = item(x, base, k)
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
