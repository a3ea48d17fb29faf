import { DEFAULT_OTLP_LIMITS } from './limits'

/** Normalized OTLP data, identical whether it arrived as JSON or protobuf. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue }
export type Attrs = Record<string, AttrValue>

export interface Scope { name: string; version: string; attributes: Attrs; schemaUrl: string; droppedAttributes: number }

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
  /** Set by a decoder when the record cannot be stored as sent (a string field that is not UTF-8); sanitize refuses it. */
  invalid?: string
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
  /** As LogIn.invalid. */
  invalid?: string
}

export interface ExemplarIn { timeNs: bigint; value: number; spanId: string; traceId: string; filteredAttributes: Attrs }

interface PointIn { attributes: Attrs; startNs: bigint; timeNs: bigint; flags: number; exemplars: ExemplarIn[] }
/** NumberDataPoint: as_int is read into `value` (the stored column is Float64, as the contrib exporter's). */
export interface NumberPointIn extends PointIn { value: number }
/** HistogramDataPoint; counts stay bigint (fixed64). sum/min/max are 0 when the producer left them out, as the contrib exporter stores them. */
export interface HistogramPointIn extends PointIn { count: bigint; sum: number; bucketCounts: bigint[]; explicitBounds: number[]; min: number; max: number }

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary' | 'none'
/** One Metric with its data points; exponential histograms and summaries are only counted (not stored). */
export interface MetricIn {
  name: string
  description: string
  unit: string
  kind: MetricKind
  /** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
  temporality: number
  monotonic: boolean
  numbers: NumberPointIn[]
  histograms: HistogramPointIn[]
  /** Data points of kinds not stored (exponential histogram, summary). */
  unsupported: number
  /** As LogIn.invalid: every data point of the metric is refused. */
  invalid?: string
}
export const emptyMetric = (): MetricIn => ({ name: '', description: '', unit: '', kind: 'none', temporality: 0, monotonic: false, numbers: [], histograms: [], unsupported: 0 })

export interface ResourceBlock<T> {
  resource: Attrs
  schemaUrl: string
  scopes: { scope: Scope; items: T[]; invalid?: string }[]
  /** As LogIn.invalid, for the resource: every item of the block is refused. */
  invalid?: string
}

/** Limits a decoder enforces while it reads (config OTLP_MAX_DEPTH). */
export interface DecodeLimits {
  /** Deepest nesting of AnyValue (an attribute value is level 1; each array or kvlist adds one); deeper → 400. */
  maxDepth: number
}
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDepth: DEFAULT_OTLP_LIMITS.maxDepth }

export function tooDeep(maxDepth: number): DecodeError {
  return new TooDeepError(`attribute value nested deeper than ${maxDepth} levels (OTLP_MAX_DEPTH)`)
}

/** Undecodable input: the whole request is refused with 400 and nothing is written. */
export class DecodeError extends Error {}
/** AnyValue nested deeper than the limit: a 400 like any DecodeError, counted apart. */
export class TooDeepError extends DecodeError {}

export const emptyScope = (): Scope => ({ name: '', version: '', attributes: {}, schemaUrl: '', droppedAttributes: 0 })

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
