import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, it } from 'vitest'
import { flowRecords, sdkLogs, sdkSpans, SPAN_ID, T0, TRACE_ID } from '../../test/support/otel-records'
import { decodeLogsJson, decodeTracesJson } from './decode-json'
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf'
import { DecodeError } from './model'

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const ns = (s: number, n: number) => BigInt(s) * 1_000_000_000n + BigInt(n)

describe('OTLP log decoders on payloads of the real OTel JS serializers', async () => {
  const records = await sdkLogs(flowRecords('f1'))
  const fromProto = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(records)!)
  const fromJson = decodeLogsJson(utf8(JsonLogsSerializer.serializeRequest(records)!))

  it('JSON and protobuf give the same normalized records', () => {
    expect(fromJson).toEqual(fromProto)
  })

  it('decodes resource, scope and every record field', () => {
    expect(fromProto).toHaveLength(1)
    const [block] = fromProto
    expect(block.resource).toMatchObject({ 'service.name': 'idp-test', 'deployment.environment': 'test' })
    expect(block.scopes).toHaveLength(1)
    expect(block.scopes[0].scope).toMatchObject({ name: 'test-scope', version: '1.2.3' })
    const [first, second, third, plain] = block.scopes[0].items
    expect(first).toMatchObject({
      timeNs: ns(T0[0], T0[1]), severityNumber: 9, severityText: 'INFO', body: 'verified',
      traceId: TRACE_ID, spanId: SPAN_ID, flags: 1, eventName: '',
    })
    expect(first.observedNs).toBeGreaterThan(0n)
    expect(first.attributes).toEqual({
      'event.name': 'mfa.challenge.verified', 'event.id': 'f1-1', 'mfa.flow_id': 'f1', 'mfa.factor': 'totp',
      'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.latency_ms': 1500, 'mfa.attempt': 1,
      'custom.key': 'tab\there "quote" \'single\' back\\slash\nnewline ünïcødé', 'custom.list': ['a', 'b'],
    })
    expect(second.timeNs).toBe(ns(T0[0] + 2, T0[1]))
    expect(second.body).toEqual({ msg: 'verified', n: 2 })
    expect(second.traceId).toBe('')
    expect(third).toMatchObject({ eventName: 'mfa.login.completed', timeNs: ns(T0[0] + 2, T0[1] + 500_000_000) })
    expect(plain).toMatchObject({ severityNumber: 13, severityText: 'WARN', attributes: { 'http.route': '/login', 'flow.ref': 'f1' } })
  })

  it('keeps typed attribute values: int, double, bool, bytes, nested maps', async () => {
    const typed = await sdkLogs([{ timestamp: T0, attributes: { i: 42, big: 2 ** 40, d: 0.5, neg: -7, b: true, f: false, raw: new Uint8Array([1, 2, 255]), m: { k: 'v', n: [1, 'x'] } } }])
    const p = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(typed)!)[0].scopes[0].items[0].attributes
    const j = decodeLogsJson(utf8(JsonLogsSerializer.serializeRequest(typed)!))[0].scopes[0].items[0].attributes
    expect(p).toEqual({ i: 42, big: 2 ** 40, d: 0.5, neg: -7, b: true, f: false, raw: 'AQL/', m: { k: 'v', n: [1, 'x'] } })
    expect(j).toEqual(p)
  })

  it('reads attribute keys right through its key cache: thousands of keys sharing cache slots, non-ASCII, empty and long keys, twice over', async () => {
    // 3,000 distinct keys in 512 slots: every slot is taken by several keys of equal length and ends.
    const keys = [
      ...Array.from({ length: 3000 }, (_, i) => `k.${String(i).padStart(5, '0')}.x`),
      'ключ', 'ü', 'mfa.factor', 'mfa.factoR', '', 'é'.repeat(40), 'x'.repeat(64), 'y'.repeat(65), 'k\tab\n',
    ]
    const special = keys.slice(3000)
    // The SDK keeps 128 attributes a record: 100 numbered keys and the special ones in each of 30 records.
    const recs = await sdkLogs(Array.from({ length: 30 }, (_, r) => ({
      timestamp: T0,
      attributes: Object.fromEntries([...keys.slice(r * 100, r * 100 + 100), ...special].map((k, i) => [k, `${r}:${i}`])),
    })))
    const proto = ProtobufLogsSerializer.serializeRequest(recs)!
    const reference = decodeLogsJson(utf8(JsonLogsSerializer.serializeRequest(recs)!))
    // The second pass reads every key from a warm cache.
    for (let pass = 0; pass < 2; pass++) expect(decodeLogsProtobuf(proto)).toEqual(reference)
    expect(Object.keys(reference[0].scopes[0].items[0].attributes)).toContain('ключ')

    // A key that is not UTF-8 marks every record it is in, also the ones after the first (its bytes seen).
    const two = Buffer.from(ProtobufLogsSerializer.serializeRequest(await sdkLogs([0, 1].map(() => ({ timestamp: T0, attributes: { 'q.bad.key': 'v', 'mfa.factor': 'totp' } }))))!)
    for (let at = two.indexOf('q.bad.key'); at >= 0; at = two.indexOf('q.bad.key', at + 1)) two[at + 1] = 0xff
    const items = decodeLogsProtobuf(two)[0].scopes[0].items
    expect(items.map((it) => it.invalid)).toEqual(['an attribute key is not valid UTF-8', 'an attribute key is not valid UTF-8'])
    expect(items[1].attributes['mfa.factor']).toBe('totp')
  })

  it('skips unknown fields at any depth', () => {
    const proto = ProtobufLogsSerializer.serializeRequest(records)!
    // field 99 (varint 1) and field 98 (length-delimited "zz") appended to the request
    const extended = Buffer.concat([proto, Buffer.from([0x98, 0x06, 0x01, 0x92, 0x06, 0x02, 0x7a, 0x7a])])
    expect(decodeLogsProtobuf(extended)).toEqual(fromProto)
  })

  it('refuses every truncation of a protobuf body', () => {
    const proto = ProtobufLogsSerializer.serializeRequest(records.slice(0, 1))!
    for (let cut = 1; cut < proto.length; cut++) {
      expect(() => decodeLogsProtobuf(proto.subarray(0, cut)), `cut at ${cut}`).toThrow(DecodeError)
    }
  })

  it('refuses a nested length that overruns its parent', () => {
    // resource_logs(len 2) { resource(len 5) ... }: the inner length points past the outer end
    expect(() => decodeLogsProtobuf(Uint8Array.from([0x0a, 0x02, 0x0a, 0x05, 0, 0, 0, 0, 0]))).toThrow(/overruns/)
  })

  it.each([
    ['not JSON', '{"resourceLogs": [ {'],
    ['not an object', '[1, 2]'],
    ['no resourceLogs', '{"hello": 1}'],
    ['resourceLogs not an array', '{"resourceLogs": "nope"}'],
    ['attribute value of the wrong type', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":{"intValue":"x1"}}]}]}]}]}'],
    ['time not nanoseconds', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"soon"}]}]}]}'],
    ['trace id not hex', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}'],
  ])('refuses JSON: %s', (_name, body) => {
    expect(() => decodeLogsJson(body)).toThrow(DecodeError)
  })

  it('accepts an empty export request', () => {
    expect(decodeLogsJson('{"resourceLogs":[]}')).toEqual([])
    expect(decodeLogsProtobuf(new Uint8Array(0))).toEqual([])
  })
})

describe('OTLP trace decoders on payloads of the real OTel JS serializers', async () => {
  const spans = await sdkSpans()
  const fromProto = decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!)
  const fromJson = decodeTracesJson(utf8(JsonTraceSerializer.serializeRequest(spans)!))

  it('JSON and protobuf give the same normalized spans', () => {
    expect(fromJson).toEqual(fromProto)
  })

  it('decodes ids, kind, times, attributes, events, links and status', () => {
    const items = fromProto[0].scopes[0].items
    expect(fromProto[0].resource['service.name']).toBe('idp-test')
    expect(fromProto[0].scopes[0].scope).toMatchObject({ name: 'tracer-scope', version: '0.1.0' })
    const child = items.find((s) => s.name === 'mfa.verify')!
    const parent = items.find((s) => s.name === 'POST /login')!
    expect(parent).toMatchObject({ kind: 2, parentSpanId: '', startNs: ns(T0[0], T0[1]), endNs: ns(T0[0] + 2, T0[1]), statusCode: 0 })
    expect(child).toMatchObject({
      traceId: parent.traceId, parentSpanId: parent.spanId, kind: 3,
      startNs: ns(T0[0], T0[1] + 1000), endNs: ns(T0[0] + 1, T0[1]),
      attributes: { 'mfa.factor': 'totp', 'mfa.attempt': 2, ok: false, ratio: 0.25 },
      statusCode: 2, statusMessage: 'invalid code',
    })
    expect(child.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(child.events).toEqual([{ timeNs: ns(T0[0], T0[1] + 2000), name: 'checked', attributes: { result: 'bad code' } }])
    expect(child.links).toEqual([{ traceId: TRACE_ID, spanId: SPAN_ID, traceState: '', attributes: { why: 'retry' } }])
  })

  it('refuses every truncation of a protobuf body', () => {
    const proto = ProtobufTraceSerializer.serializeRequest(spans.slice(0, 1))!
    for (let cut = 1; cut < proto.length; cut++) {
      expect(() => decodeTracesProtobuf(proto.subarray(0, cut)), `cut at ${cut}`).toThrow(DecodeError)
    }
  })
})
