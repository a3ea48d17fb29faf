import {
  type AttrValue, type Attrs, DecodeError, emptyScope, int64, type LogIn, type ResourceBlock, type Scope,
  type SpanIn,
} from './model'

/*
 * OTLP/JSON (proto3 JSON mapping with OTLP's exceptions: trace/span ids are hex, enums are
 * numbers, int64 may be strings). Produces the same normalized shape as the protobuf decoder.
 */

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

function anyValue(v: unknown, path: string): AttrValue {
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
  if ('arrayValue' in o) return arr(obj(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`).map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`))
  if ('kvlistValue' in o) return attrs(obj(o.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`)
  if ('bytesValue' in o) return str(o.bytesValue, `${path}.bytesValue`)
  return null
}

export function attrs(v: unknown, path: string): Attrs {
  const out: Attrs = {}
  arr(v, path).forEach((kv, i) => {
    const o = obj(kv, `${path}[${i}]`)
    out[str(o.key, `${path}[${i}].key`)] = anyValue(o.value, `${path}[${i}].value`)
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
    body: o.body === undefined ? null : anyValue(o.body, `${p}.body`),
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

export function blocks<T>(text: string, top: string, scopes: string, items: string, item: (v: unknown, p: string) => T): ResourceBlock<T>[] {
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
    return {
      resource: attrs(obj(o.resource, `${p}.resource`).attributes, `${p}.resource.attributes`),
      schemaUrl: str(o.schemaUrl, `${p}.schemaUrl`),
      scopes: arr(o[scopes], `${p}.${scopes}`).map((sb, j) => {
        const sp = `${p}.${scopes}[${j}]`
        const so = obj(sb, sp)
        return { scope: scope(so.scope, `${sp}.scope`, so.schemaUrl), items: arr(so[items], `${sp}.${items}`).map((x, k) => item(x, `${sp}.${items}[${k}]`)) }
      }),
    }
  })
}

export const decodeLogsJson = (text: string) => blocks(text, 'resourceLogs', 'scopeLogs', 'logRecords', logRecord)
export const decodeTracesJson = (text: string) => blocks(text, 'resourceSpans', 'scopeSpans', 'spans', span)
