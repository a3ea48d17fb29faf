import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { describe, expect, it } from 'vitest'
import { decodeLogsJson, decodeTracesJson } from './decode-json'
import { decodeMetricsJson, decodeMetricsProtobuf } from './decode-metrics'
import { decodeLogsProtobuf } from './decode-protobuf'
import { DecodeError } from './model'

/*
 * The decoders' own limits: AnyValue depth (OTLP_MAX_DEPTH) and strings that are not Unicode
 * text. Payloads are written field by field (opentelemetry-proto numbers), since the OTel SDK
 * cannot produce invalid UTF-8.
 */

const LD = WireType.LengthDelimited
const enc = (s: string) => new TextEncoder().encode(s)
/** Bytes that are not UTF-8: a lone continuation byte and a truncated sequence. */
const BAD = Uint8Array.from([0x61, 0x80, 0x62, 0xe2, 0x82])

type Str = string | Uint8Array
const bytesOf = (s: Str) => (typeof s === 'string' ? enc(s) : s)

/** KeyValue { key = 1, value = 2 (AnyValue { string_value = 1 }) }. */
function kv(w: BinaryWriter, field: number, key: Str, value: Str): void {
  w.tag(field, LD).fork()
  w.tag(1, LD).bytes(bytesOf(key))
  w.tag(2, LD).fork().tag(1, LD).bytes(bytesOf(value)).join()
  w.join()
}

interface Rec { body?: Str; attrs?: [Str, Str][]; severity?: Str }
/** ExportLogsServiceRequest with one resource and scope per entry of `blocks`. */
function logsRequest(blocks: { resource?: [Str, Str][]; scopeName?: Str; records: Rec[] }[]): Uint8Array {
  const w = new BinaryWriter()
  for (const b of blocks) {
    w.tag(1, LD).fork()
    w.tag(1, LD).fork()
    for (const [k, v] of b.resource ?? [['service.name', 'svc']]) kv(w, 1, k, v)
    w.join()
    w.tag(2, LD).fork()
    w.tag(1, LD).fork().tag(1, LD).bytes(bytesOf(b.scopeName ?? 'scope')).join()
    for (const r of b.records) {
      w.tag(2, LD).fork()
      w.tag(1, WireType.Bit64).fixed64(1_700_000_000_000_000_000n)
      if (r.severity !== undefined) w.tag(3, LD).bytes(bytesOf(r.severity))
      if (r.body !== undefined) w.tag(5, LD).fork().tag(1, LD).bytes(bytesOf(r.body)).join()
      for (const [k, v] of r.attrs ?? []) kv(w, 6, k, v)
      w.join()
    }
    w.join()
    w.join()
  }
  return w.finish()
}

/** A log body of AnyValue kvlists nested `depth` levels (the innermost a string), in protobuf. */
function deepProtobuf(depth: number): Uint8Array {
  const w = new BinaryWriter()
  w.tag(1, LD).fork().tag(2, LD).fork().tag(2, LD).fork() // resource_logs, scope_logs, log_records
  w.tag(5, LD).fork() // body: AnyValue at level 1
  for (let i = 1; i < depth; i++) w.tag(6, LD).fork().tag(1, LD).fork().tag(1, LD).string('k').tag(2, LD).fork()
  w.tag(1, LD).string('leaf')
  for (let i = 1; i < depth; i++) w.join().join().join()
  w.join().join().join().join()
  return w.finish()
}

/** The same in OTLP/JSON. */
function deepJson(depth: number): string {
  const open = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth - 1)
  const close = '}]}}'.repeat(depth - 1)
  return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${open}{"stringValue":"leaf"}${close}}]}]}]}`
}

const items = <T>(b: { scopes: { items: T[] }[] }[]) => b.flatMap((x) => x.scopes.flatMap((s) => s.items))

describe('AnyValue depth limit (OTLP_MAX_DEPTH) in both decoders', () => {
  it.each([['protobuf', (d: number) => decodeLogsProtobuf(deepProtobuf(d), { maxDepth: 32 })], ['JSON', (d: number) => decodeLogsJson(deepJson(d), { maxDepth: 32 })]])(
    '%s: 32 levels decode, 33 and 5,000 are refused with a DecodeError, not a stack overflow',
    (_name, decode) => {
      let v = items(decode(32))[0].body
      for (let i = 1; i < 32; i++) v = (v as Record<string, unknown>).k as typeof v
      expect(v).toBe('leaf')
      for (const depth of [33, 5_000]) {
        let err: unknown
        try { decode(depth) } catch (e) { err = e }
        expect(err).toBeInstanceOf(DecodeError)
        expect((err as Error).message).toBe('attribute value nested deeper than 32 levels (OTLP_MAX_DEPTH)')
      }
    },
  )

  it('JSON 100,000 levels deep is refused too (JSON.parse itself does not recurse)', () => {
    expect(() => decodeLogsJson(deepJson(100_000))).toThrow(/OTLP_MAX_DEPTH/)
  })

  it('counts arrays as levels and applies to metric point attributes', () => {
    const nested = (d: number): string => (d === 1 ? '{"stringValue":"x"}' : `{"arrayValue":{"values":[${nested(d - 1)}]}}`)
    const metrics = (d: number) => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1,"attributes":[{"key":"a","value":${nested(d)}}]}]}}]}]}]}`
    expect(() => decodeMetricsJson(metrics(4), { maxDepth: 4 })).not.toThrow()
    expect(() => decodeMetricsJson(metrics(5), { maxDepth: 4 })).toThrow(/deeper than 4 levels/)
  })
})

describe('strings that are not UTF-8', () => {
  it('protobuf: a bad record is marked invalid, its neighbours decode untouched', () => {
    const [block] = decodeLogsProtobuf(logsRequest([{ records: [{ body: 'ok ü' }, { attrs: [['k', BAD]] }, { severity: BAD }, { attrs: [[BAD, 'v']] }, { body: 'also ok' }] }]))
    const recs = block.scopes[0].items
    expect(recs.map((r) => r.invalid)).toEqual([undefined, 'a string value is not valid UTF-8', 'severity_text is not valid UTF-8', 'an attribute key is not valid UTF-8', undefined])
    expect(recs[0].body).toBe('ok ü')
    expect(recs[4].body).toBe('also ok')
    expect(block.invalid).toBeUndefined()
    // Nothing was replaced with U+FFFD.
    expect(JSON.stringify(recs, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('\ufffd')
  })

  it('protobuf: a bad resource or scope string marks the block or the scope, not its records', () => {
    const blocks = decodeLogsProtobuf(logsRequest([
      { resource: [['service.name', BAD]], records: [{ body: 'a' }] },
      { scopeName: BAD, records: [{ body: 'b' }] },
      { records: [{ body: 'c' }] },
    ]))
    expect(blocks.map((b) => b.invalid)).toEqual(['resource: a string value is not valid UTF-8', undefined, undefined])
    expect(blocks.map((b) => b.scopes[0].invalid)).toEqual([undefined, 'scope: the scope name is not valid UTF-8', undefined])
    expect(items(blocks).map((r) => r.invalid)).toEqual([undefined, undefined, undefined])
  })

  it('protobuf: a U+FEFF or U+FFFD sent as valid UTF-8 is text, kept as sent', () => {
    const [block] = decodeLogsProtobuf(logsRequest([{ records: [{ body: '\ufeffbom \ufffd replacement' }] }]))
    expect(block.scopes[0].items[0]).toMatchObject({ body: '\ufeffbom \ufffd replacement' })
    expect(block.scopes[0].items[0].invalid).toBeUndefined()
  })

  it('protobuf metrics: a bad metric name marks the metric', () => {
    const w = new BinaryWriter()
    w.tag(1, LD).fork().tag(2, LD).fork()
    for (const name of [enc('good'), BAD]) {
      w.tag(2, LD).fork().tag(1, LD).bytes(name)
      w.tag(5, LD).fork().tag(1, LD).fork().tag(4, WireType.Bit64).double(1).join().join() // gauge with one point
      w.join()
    }
    w.join().join()
    const metrics = items(decodeMetricsProtobuf(w.finish()))
    expect(metrics.map((m) => [m.name, m.invalid])).toEqual([['good', undefined], ['', 'the metric name is not valid UTF-8']])
  })

  it('JSON: a body that is not UTF-8 is refused whole', () => {
    const body = Buffer.concat([Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"'), Buffer.from(BAD), Buffer.from('"}}]}]}]}')])
    expect(() => decodeLogsJson(body)).toThrow(new DecodeError('invalid JSON: the body is not valid UTF-8'))
    expect(decodeLogsJson(Buffer.from('{"resourceLogs":[]}'))).toEqual([])
  })

  it('JSON: a lone surrogate escape marks its record (or resource), like invalid UTF-8 in protobuf', () => {
    const json = (resourceValue: string) => `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"${resourceValue}"}}]},"scopeLogs":[{"logRecords":[
      {"body":{"stringValue":"fine \\u00fc \\ud83d\\ude00"}},
      {"attributes":[{"key":"k","value":{"stringValue":"half \\ud83d"}}]}]}]}]}`
    const [block] = decodeLogsJson(json('svc'))
    const recs = block.scopes[0].items
    expect(recs[0]).toMatchObject({ body: 'fine ü 😀' })
    expect(recs[0].invalid).toBeUndefined()
    expect(recs[1].invalid).toBe('resourceLogs[0].scopeLogs[0].logRecords[1].attributes[0].value.stringValue is not valid Unicode text (a lone surrogate)')
    expect(decodeLogsJson(json('\\udc00'))[0].invalid).toMatch(/^resource: resourceLogs\[0\]\.resource\.attributes\[0\]\.value\.stringValue/)
  })

  it('JSON spans: the same marking', () => {
    const [block] = decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"ok"},{"name":"\\udfff"}]}]}]}')
    expect(block.scopes[0].items.map((s) => s.invalid)).toEqual([undefined, expect.stringMatching(/spans\[1\]\.name is not valid Unicode/)])
  })
})
