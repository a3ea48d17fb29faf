import type { BinaryReader } from '@bufbuild/protobuf/wire'
import { arr, attrs, blocks, hexId, type J, nanos, num, obj, str } from './decode-json'
import { close, expect, keyValue, open, request, text, u64, WT_I64, WT_LEN, WT_VARINT } from './decode-protobuf'
import {
  DecodeError, type DecodeLimits, emptyMetric, type ExemplarIn, type HistogramPointIn, type MetricIn, type MetricKind, type NumberPointIn, type ResourceBlock,
} from './model'

/*
 * OTLP metrics, both encodings, into the normalized MetricIn. Field numbers from
 * opentelemetry-proto metrics/v1/metrics.proto: Metric { name 1, description 2, unit 3,
 * gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11 }; Gauge/Sum/Histogram
 * { data_points 1, aggregation_temporality 2, is_monotonic 3 (Sum) }.
 */

const KIND_FIELDS: Record<number, MetricKind> = { 5: 'gauge', 7: 'sum', 9: 'histogram', 10: 'exponential_histogram', 11: 'summary' }

const sfixed64 = (r: BinaryReader): number => Number(r.sfixed64())

/** Exemplar { time_unix_nano 2, as_double 3, span_id 4, trace_id 5, as_int 6, filtered_attributes 7 }. */
function exemplar(r: BinaryReader, end: number): ExemplarIn {
  const e: ExemplarIn = { timeNs: 0n, value: 0, spanId: '', traceId: '', filteredAttributes: {} }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 2: expect(wt, WT_I64, no); e.timeNs = u64(r.fixed64()); break
      case 3: expect(wt, WT_I64, no); e.value = r.double(); break
      case 4: expect(wt, WT_LEN, no); e.spanId = Buffer.from(r.bytes()).toString('hex'); break
      case 5: expect(wt, WT_LEN, no); e.traceId = Buffer.from(r.bytes()).toString('hex'); break
      case 6: expect(wt, WT_I64, no); e.value = sfixed64(r); break
      case 7: expect(wt, WT_LEN, no); keyValue(r, open(r, end), e.filteredAttributes); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return e
}

/** NumberDataPoint { start 2, time 3, as_double 4, exemplars 5, as_int 6, attributes 7, flags 8 }. */
function numberPoint(r: BinaryReader, end: number): NumberPointIn {
  const p: NumberPointIn = { attributes: {}, startNs: 0n, timeNs: 0n, flags: 0, exemplars: [], value: 0 }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 2: expect(wt, WT_I64, no); p.startNs = u64(r.fixed64()); break
      case 3: expect(wt, WT_I64, no); p.timeNs = u64(r.fixed64()); break
      case 4: expect(wt, WT_I64, no); p.value = r.double(); break
      case 5: expect(wt, WT_LEN, no); p.exemplars.push(exemplar(r, open(r, end))); break
      case 6: expect(wt, WT_I64, no); p.value = sfixed64(r); break
      case 7: expect(wt, WT_LEN, no); keyValue(r, open(r, end), p.attributes); break
      case 8: expect(wt, WT_VARINT, no); p.flags = r.uint32(); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return p
}

/** Packed (or, as proto3 allows, unpacked) repeated fixed64 / double. */
function packed<T>(r: BinaryReader, wt: number, no: number, end: number, read: () => T, into: T[]): void {
  if (wt === WT_I64) { into.push(read()); return }
  expect(wt, WT_LEN, no)
  const stop = open(r, end)
  while (r.pos < stop) into.push(read())
  close(r, stop)
}

/** HistogramDataPoint { start 2, time 3, count 4, sum 5, bucket_counts 6, explicit_bounds 7, exemplars 8, attributes 9, flags 10, min 11, max 12 }. */
function histogramPoint(r: BinaryReader, end: number): HistogramPointIn {
  const p: HistogramPointIn = { attributes: {}, startNs: 0n, timeNs: 0n, flags: 0, exemplars: [], count: 0n, sum: 0, bucketCounts: [], explicitBounds: [], min: 0, max: 0 }
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    switch (no) {
      case 2: expect(wt, WT_I64, no); p.startNs = u64(r.fixed64()); break
      case 3: expect(wt, WT_I64, no); p.timeNs = u64(r.fixed64()); break
      case 4: expect(wt, WT_I64, no); p.count = u64(r.fixed64()); break
      case 5: expect(wt, WT_I64, no); p.sum = r.double(); break
      case 6: packed(r, wt, no, end, () => u64(r.fixed64()), p.bucketCounts); break
      case 7: packed(r, wt, no, end, () => r.double(), p.explicitBounds); break
      case 8: expect(wt, WT_LEN, no); p.exemplars.push(exemplar(r, open(r, end))); break
      case 9: expect(wt, WT_LEN, no); keyValue(r, open(r, end), p.attributes); break
      case 10: expect(wt, WT_VARINT, no); p.flags = r.uint32(); break
      case 11: expect(wt, WT_I64, no); p.min = r.double(); break
      case 12: expect(wt, WT_I64, no); p.max = r.double(); break
      default: r.skip(wt, no)
    }
  }
  close(r, end)
  return p
}

/** Gauge / Sum / Histogram / ExponentialHistogram / Summary body. */
function series(r: BinaryReader, end: number, m: MetricIn): void {
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) {
      expect(wt, WT_LEN, no)
      const stop = open(r, end)
      if (m.kind === 'gauge' || m.kind === 'sum') m.numbers.push(numberPoint(r, stop))
      else if (m.kind === 'histogram') m.histograms.push(histogramPoint(r, stop))
      else { m.unsupported++; r.pos = stop }
    } else if (no === 2 && m.kind !== 'gauge' && m.kind !== 'summary') { expect(wt, WT_VARINT, no); m.temporality = r.int32() }
    else if (no === 3 && m.kind === 'sum') { expect(wt, WT_VARINT, no); m.monotonic = r.bool() }
    else r.skip(wt, no)
  }
  close(r, end)
}

function metric(r: BinaryReader, end: number): MetricIn {
  const m = emptyMetric()
  while (r.pos < end) {
    const tag = r.uint32()
    const no = tag >>> 3
    const wt = tag & 7
    if (no === 1) { expect(wt, WT_LEN, no); m.name = text(r, 'the metric name') }
    else if (no === 2) { expect(wt, WT_LEN, no); m.description = text(r, 'the metric description') }
    else if (no === 3) { expect(wt, WT_LEN, no); m.unit = text(r, 'the metric unit') }
    else if (KIND_FIELDS[no]) { expect(wt, WT_LEN, no); m.kind = KIND_FIELDS[no]; series(r, open(r, end), m) }
    else r.skip(wt, no)
  }
  close(r, end)
  return m
}

export const decodeMetricsProtobuf = (buf: Uint8Array, limits?: DecodeLimits): ResourceBlock<MetricIn>[] => request(buf, metric, limits)

/* OTLP/JSON: the same message in the proto3 JSON mapping (ids hex, int64 as strings or numbers). */

function double(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v)
  throw new DecodeError(`invalid OTLP JSON at ${path}: expected a number`)
}
const uint64 = (v: unknown, path: string): bigint => nanos(v, path)

function exemplarJson(v: unknown, p: string): ExemplarIn {
  const o = obj(v, p)
  return {
    timeNs: nanos(o.timeUnixNano, `${p}.timeUnixNano`),
    value: 'asInt' in o ? double(o.asInt, `${p}.asInt`) : double(o.asDouble, `${p}.asDouble`),
    spanId: hexId(o.spanId, `${p}.spanId`),
    traceId: hexId(o.traceId, `${p}.traceId`),
    filteredAttributes: attrs(o.filteredAttributes, `${p}.filteredAttributes`),
  }
}
function pointBase(o: J, p: string) {
  return {
    attributes: attrs(o.attributes, `${p}.attributes`),
    startNs: nanos(o.startTimeUnixNano, `${p}.startTimeUnixNano`),
    timeNs: nanos(o.timeUnixNano, `${p}.timeUnixNano`),
    flags: num(o.flags, `${p}.flags`),
    exemplars: arr(o.exemplars, `${p}.exemplars`).map((e, i) => exemplarJson(e, `${p}.exemplars[${i}]`)),
  }
}

function metricJson(v: unknown, p: string): MetricIn {
  const o = obj(v, p)
  const m = { ...emptyMetric(), name: str(o.name, `${p}.name`), description: str(o.description, `${p}.description`), unit: str(o.unit, `${p}.unit`) }
  const kind = (['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const).find((k) => k in o && o[k] !== null && o[k] !== undefined)
  if (!kind) return m
  const body = obj(o[kind], `${p}.${kind}`)
  const points = arr(body.dataPoints, `${p}.${kind}.dataPoints`)
  const at = (i: number) => `${p}.${kind}.dataPoints[${i}]`
  m.temporality = num(body.aggregationTemporality, `${p}.${kind}.aggregationTemporality`)
  if (kind === 'gauge' || kind === 'sum') {
    m.kind = kind
    if (kind === 'sum') m.monotonic = body.isMonotonic === true
    m.numbers = points.map((x, i) => {
      const d = obj(x, at(i))
      return { ...pointBase(d, at(i)), value: 'asInt' in d ? double(d.asInt, `${at(i)}.asInt`) : double(d.asDouble, `${at(i)}.asDouble`) }
    })
  } else if (kind === 'histogram') {
    m.kind = 'histogram'
    m.histograms = points.map((x, i) => {
      const d = obj(x, at(i))
      return {
        ...pointBase(d, at(i)),
        count: uint64(d.count, `${at(i)}.count`),
        sum: double(d.sum, `${at(i)}.sum`),
        bucketCounts: arr(d.bucketCounts, `${at(i)}.bucketCounts`).map((c, j) => uint64(c, `${at(i)}.bucketCounts[${j}]`)),
        explicitBounds: arr(d.explicitBounds, `${at(i)}.explicitBounds`).map((b, j) => double(b, `${at(i)}.explicitBounds[${j}]`)),
        min: double(d.min, `${at(i)}.min`),
        max: double(d.max, `${at(i)}.max`),
      }
    })
  } else {
    m.kind = kind === 'summary' ? 'summary' : 'exponential_histogram'
    m.unsupported = points.length
  }
  return m
}

export const decodeMetricsJson = (body: string | Uint8Array, limits?: DecodeLimits): ResourceBlock<MetricIn>[] => blocks(body, 'resourceMetrics', 'scopeMetrics', 'metrics', (v, base, i) => metricJson(v, `${base}[${i}]`), limits)
