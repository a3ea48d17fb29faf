/** Normalized OTLP data, identical whether it arrived as JSON or protobuf. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue }
export type Attrs = Record<string, AttrValue>

export interface Scope { name: string; version: string; attributes: Attrs; schemaUrl: string }

export interface LogIn {
  timeNs: bigint
  observedNs: bigint
  severityNumber: number
  severityText: string
  body: AttrValue
  attributes: Attrs
  traceId: string
  spanId: string
  flags: number
  /** LogRecord.event_name (field 12, JSON `eventName`); '' when the producer left it out. */
  eventName: string
}

export interface SpanEventIn { timeNs: bigint; name: string; attributes: Attrs }
export interface SpanLinkIn { traceId: string; spanId: string; traceState: string; attributes: Attrs }

export interface SpanIn {
  traceId: string
  spanId: string
  parentSpanId: string
  traceState: string
  name: string
  kind: number
  startNs: bigint
  endNs: bigint
  attributes: Attrs
  events: SpanEventIn[]
  links: SpanLinkIn[]
  statusCode: number
  statusMessage: string
}

export interface ResourceBlock<T> {
  resource: Attrs
  schemaUrl: string
  scopes: { scope: Scope; items: T[] }[]
}

/** Undecodable input: the whole request is refused with 400 and nothing is written. */
export class DecodeError extends Error {}

export const emptyScope = (): Scope => ({ name: '', version: '', attributes: {}, schemaUrl: '' })

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}

/** int64 from either encoding → a JS number when exact, else its decimal string. */
export function int64(v: bigint | string | number): number | string {
  const b = typeof v === 'bigint' ? v : BigInt(v)
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString()
}
