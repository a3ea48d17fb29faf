import { describe, expect, it } from 'vitest'
import { emptyMetric, emptyScope, type LogIn, type MetricIn, type ResourceBlock, type SpanIn } from './model'
import { sanitizeLogs, sanitizeMessage, sanitizeMetrics, type SanitizeOptions, sanitizeSpans } from './sanitize'

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0)
const ms = (t: number) => BigInt(t) * 1_000_000n
const DAY = 86_400_000
const opts: SanitizeOptions = { maxAttributes: 4, maxAttributeValueBytes: 10, ttlDays: 30, nowMs: NOW }

const log = (over: Partial<LogIn> = {}): LogIn => ({
  timeNs: ms(NOW - 1000), observedNs: ms(NOW - 500), severityNumber: 9, severityText: '', body: 'b', attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '', ...over,
})
const block = <T>(items: T[], over: Partial<ResourceBlock<T>> = {}): ResourceBlock<T> => ({ resource: { 'service.name': 'svc' }, schemaUrl: '', scopes: [{ scope: emptyScope(), items }], ...over })
const itemsOf = <T>(blocks: ResourceBlock<T>[]) => blocks.flatMap((b) => b.scopes.flatMap((s) => s.items))

describe('sanitize: log record times', () => {
  it.each([
    ['time set', ms(NOW - 1000), ms(NOW - 500), ms(NOW - 1000), ms(NOW - 500)],
    ['time 0: the observed time', 0n, ms(NOW - 500), ms(NOW - 500), ms(NOW - 500)],
    ['time and observed 0: the receive time', 0n, 0n, ms(NOW), ms(NOW)],
    ['observed 0 only: observed is the receive time', ms(NOW - 1000), 0n, ms(NOW - 1000), ms(NOW)],
  ])('%s', (_name, timeNs, observedNs, wantTime, wantObserved) => {
    const s = sanitizeLogs([block([log({ timeNs, observedNs })])], opts)
    expect(s.rejected).toBe(0)
    expect(itemsOf(s.blocks)[0]).toMatchObject({ timeNs: wantTime, observedNs: wantObserved })
  })

  it('refuses records older than the retention, keeps the rest, and says why', () => {
    const s = sanitizeLogs([block([log({ timeNs: ms(NOW - 31 * DAY) }), log(), log({ timeNs: ms(NOW - 29 * DAY) })])], opts)
    expect(s.rejected).toBe(1)
    expect(s.refused).toEqual({ invalid_utf8: 0, expired: 1 })
    expect(itemsOf(s.blocks)).toHaveLength(2)
    expect(s.errors[0]).toMatch(/^log record 0: time 2026-11-06T12:00:00.000Z is older than the retention of 30 days \(MFA_EVENTS_TTL_DAYS\)/)
  })

  it('checks no retention without ttlDays', () => {
    const s = sanitizeLogs([block([log({ timeNs: ms(NOW - 3000 * DAY) })])], { ...opts, ttlDays: undefined })
    expect(s.rejected).toBe(0)
  })
})

describe('sanitize: records a decoder marked invalid', () => {
  it('refuses the record, keeps its neighbours', () => {
    const s = sanitizeLogs([block([log(), log({ invalid: 'a string value is not valid UTF-8' }), log()])], opts)
    expect(s.rejected).toBe(1)
    expect(s.refused.invalid_utf8).toBe(1)
    expect(itemsOf(s.blocks)).toHaveLength(2)
    expect(s.errors).toEqual(['log record 1: a string value is not valid UTF-8'])
  })

  it('refuses every record of an invalid resource or scope, numbering across the request', () => {
    const bad = block([log(), log()], { invalid: 'resource: an attribute key is not valid UTF-8' })
    const badScope = block([log()])
    badScope.scopes.push({ scope: emptyScope(), items: [log(), log(), log()], invalid: 'scope: the scope name is not valid UTF-8' })
    const s = sanitizeLogs([bad, badScope], opts)
    expect(s.rejected).toBe(5)
    expect(itemsOf(s.blocks)).toHaveLength(1)
    expect(s.errors).toEqual(['log record 0–1: resource: an attribute key is not valid UTF-8', 'log record 3–5: scope: the scope name is not valid UTF-8'])
  })
})

describe('sanitize: attribute limits', () => {
  it('keeps the first maxAttributes attributes of every set and counts the dropped', () => {
    const attributes = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, i]))
    const s = sanitizeLogs([block([log({ attributes: { ...attributes } })], { resource: { ...attributes } })], opts)
    expect(Object.keys(itemsOf(s.blocks)[0].attributes)).toEqual(['k0', 'k1', 'k2', 'k3'])
    expect(Object.keys(s.blocks[0].resource)).toEqual(['k0', 'k1', 'k2', 'k3'])
    expect(s.dropped).toBe(6)
  })

  it('cuts long strings at a character boundary, inside arrays and maps too', () => {
    const attributes = { short: 'abc', ascii: 'abcdefghijklmnop', multi: 'ééééééé', list: ['0123456789AB', 1], map: { k: '€€€€€' } }
    const s = sanitizeLogs([block([log({ attributes })])], { ...opts, maxAttributes: 10 })
    expect(itemsOf(s.blocks)[0].attributes).toEqual({ short: 'abc', ascii: 'abcdefghij', multi: 'ééééé', list: ['0123456789', 1], map: { k: '€€€' } })
    expect(s.truncated).toBe(4)
    expect(sanitizeMessage(s, opts)).toBe('stored with limits applied: 4 attribute values truncated to 10 bytes (OTLP_MAX_ATTRIBUTE_VALUE_BYTES)')
  })

  it('applies to spans, their events and links', () => {
    const span: SpanIn = {
      traceId: '', spanId: '', parentSpanId: '', traceState: '', name: 's', kind: 1, startNs: ms(NOW), endNs: ms(NOW), statusCode: 0, statusMessage: '',
      attributes: { a: 'x'.repeat(20) }, events: [{ timeNs: ms(NOW), name: 'e', attributes: { a: 'y'.repeat(20) } }], links: [{ traceId: '', spanId: '', traceState: '', attributes: { a: 'z'.repeat(20) } }],
    }
    const s = sanitizeSpans([block([span, { ...span, startNs: ms(NOW - 40 * DAY) }])], opts)
    const [kept] = itemsOf(s.blocks)
    expect([kept.attributes.a, kept.events[0].attributes.a, kept.links[0].attributes.a]).toEqual(['x'.repeat(10), 'y'.repeat(10), 'z'.repeat(10)])
    expect(s.rejected).toBe(1)
    expect(s.errors[0]).toMatch(/^span 1: start time .* older than the retention/)
  })

  it('is silent when nothing was limited', () => {
    expect(sanitizeMessage(sanitizeLogs([block([log({ attributes: { a: 'b' } })])], opts), opts)).toBe('')
  })
})

describe('sanitize: metrics count data points', () => {
  const point = (t: number) => ({ attributes: { a: 'long value here' }, startNs: 0n, timeNs: ms(t), flags: 0, exemplars: [], value: 1 })
  it('refuses an invalid metric by its points and expired points one by one', () => {
    const good: MetricIn = { ...emptyMetric(), name: 'm', kind: 'gauge', numbers: [point(NOW), point(NOW - 40 * DAY)] }
    const bad: MetricIn = { ...emptyMetric(), name: 'bad', kind: 'sum', numbers: [point(NOW), point(NOW)], invalid: 'the metric name is not valid UTF-8' }
    const s = sanitizeMetrics([block([good, bad])], opts)
    expect(s.rejected).toBe(3)
    expect(s.refused).toEqual({ invalid_utf8: 2, expired: 1 })
    const [m] = itemsOf(s.blocks)
    expect(m.numbers).toHaveLength(1)
    expect(m.numbers[0].attributes.a).toBe('long value')
  })
})
