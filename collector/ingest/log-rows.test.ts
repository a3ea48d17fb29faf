import { describe, expect, it } from 'vitest'
import type { Attrs, LogIn, ResourceBlock } from '../otlp/model'
import { OTEL_LOGS_COLUMNS } from './columns'
import { RecentIds } from './dedup'
import { logRows } from './log-rows'

const T = 1_795_000_000_123_456_789n
const rec = (attributes: Attrs, over: Partial<LogIn> = {}): LogIn => ({
  timeNs: T, observedNs: T + 5n, severityNumber: 9, severityText: 'INFO', body: 'b', attributes, traceId: '', spanId: '', flags: 0, eventName: '', ...over,
})
const block = (...items: LogIn[]): ResourceBlock<LogIn>[] => [{ resource: { 'service.name': 'svc' }, schemaUrl: '', scopes: [{ scope: { name: 's', version: '', attributes: {}, schemaUrl: '', droppedAttributes: 0 }, items }] }]
const verified = { 'event.name': 'mfa.challenge.verified', 'event.id': 'e1', 'mfa.flow_id': 'f', 'mfa.factor': 'sms', 'mfa.outcome': 'success' }

describe('logRows', () => {
  it.each([
    ['contract event by attribute', rec(verified), 1, 0],
    ['contract event by the LogRecord event_name field', rec({ 'mfa.gameday_id': 'g1' }, { eventName: 'gameday.started' }), 1, 0],
    ['EventName field wins over an event.name attribute', rec({ ...verified, 'event.name': 'mfa.nope' }, { eventName: 'mfa.challenge.verified' }), 1, 0],
    ['ordinary log', rec({ 'http.route': '/x' }), 0, 0],
    ['event name outside the contract namespaces', rec({}, { eventName: 'browser.click' }), 0, 0],
    ['unknown mfa.* event', rec({ 'event.name': 'mfa.nope' }), 0, 1],
    ['missing required attribute', rec({ ...verified, 'mfa.factor': undefined as unknown as string }), 0, 1],
    ['no time at all', rec(verified, { timeNs: 0n, observedNs: 0n }), 0, 1],
  ])('%s', (_name, record, mfa, rejected) => {
    const out = logRows(block(record))
    expect(out.mfa).toHaveLength(mfa)
    expect(out.rejected).toBe(rejected)
    expect(out.logs).toHaveLength(1 - rejected)
    expect(out.logIds).toHaveLength(out.logs.length)
  })

  it('names the event from EventName when present, else from the attribute', () => {
    const out = logRows(block(rec({ ...verified, 'event.name': 'legacy.name' }, { eventName: 'mfa.challenge.verified' }), rec(verified)))
    expect(out.mfa.map((r) => r.event)).toEqual(['mfa.challenge.verified', 'mfa.challenge.verified'])
    expect(out.logs[0][OTEL_LOGS_COLUMNS.indexOf('EventName')]).toBe('mfa.challenge.verified')
  })
  it('reads log.record.uid and user.hash when the contract keys are absent', () => {
    const std = { 'mfa.flow_id': 'f', 'log.record.uid': '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'user.hash': '364fc68eaf4c8acec74a4e52d7d1feaa' }
    const out = logRows(block(rec(std, { eventName: 'mfa.login.started' }), rec({ ...std, 'event.id': 'own', 'mfa.user_hash': 'abcdefabcdefabcd' }, { eventName: 'mfa.login.started' })))
    expect(out.mfa.map((r) => [r.event_id, r.user_hash])).toEqual([['01ARZ3NDEKTSV4RRFFQ69G5FAV', '364fc68eaf4c8acec74a4e52d7d1feaa'], ['own', 'abcdefabcdefabcd']])
  })
  it('maps time, service and ids; falls back to the observed time', () => {
    const out = logRows(block(rec(verified, { traceId: 'ab', spanId: 'cd' }), rec({ ...verified, 'event.id': 'e2' }, { timeNs: 0n })))
    expect(out.mfa[0]).toMatchObject({ ts: '2026-11-18 11:06:40.123', service: 'svc', event_id: 'e1', trace_id: 'ab', span_id: 'cd' })
    const log = Object.fromEntries(OTEL_LOGS_COLUMNS.map((c, i) => [c, out.logs[0][i]]))
    expect(log).toMatchObject({ Timestamp: '1795000000.123456789', ServiceName: 'svc', EventName: 'mfa.challenge.verified', LogAttributes: { 'event.id': 'e1', 'mfa.factor': 'sms' } })
    expect(out.logs[1][0]).toBe('1795000000.123456794')
  })

  it('derives the same event id for the same record, a different one for another', () => {
    const noId = { ...verified, 'event.id': undefined as unknown as string }
    const a = logRows(block(rec(noId))).mfa[0].event_id
    expect(a).toMatch(/^[0-9a-f]{32}$/)
    expect(logRows(block(rec(noId))).mfa[0].event_id).toBe(a)
    expect(logRows(block(rec({ ...noId, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' }))).mfa[0].event_id).not.toBe(a)
  })

  it('names the record and attribute of the first problems only', () => {
    const bad = (i: number) => rec({ ...verified, 'mfa.outcome': `bad${i}` })
    const out = logRows(block(rec(verified), bad(1), bad(2), bad(3), bad(4)))
    expect(out.rejected).toBe(4)
    expect(out.errors).toHaveLength(3)
    expect(out.errors[0]).toMatch(/^log record 1: .*mfa\.outcome/)
  })
})

describe('RecentIds', () => {
  it('forgets the least recently used id beyond capacity', () => {
    const r = new RecentIds(2)
    r.mark(['a', 'b'], 'both')
    expect(r.get('a')).toBe('both') // refreshes a
    r.mark(['c'], 'mfa')
    expect([r.get('a'), r.get('b'), r.get('c'), r.size]).toEqual(['both', undefined, 'mfa', 2])
  })
})
