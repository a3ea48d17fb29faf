import { describe, expect, it } from 'vitest'
import type { Attrs, LogIn, ResourceBlock } from '../otlp/model'
import { MAX_CAPACITY, RecentIds } from './dedup'
import type { TableRecords } from './prepared'
import { tsvMap } from './encode'
import { conflictAttributes, logRows, prepareLogRows } from './log-rows'

const T = 1_795_000_000_123_456_789n
const rec = (attributes: Attrs, over: Partial<LogIn> = {}): LogIn => ({
  timeNs: T, observedNs: T + 5n, severityNumber: 9, severityText: 'INFO', body: 'b', attributes, traceId: '', spanId: '', flags: 0, eventName: '', ...over,
})
const block = (...items: LogIn[]): ResourceBlock<LogIn>[] => [{ resource: { 'service.name': 'svc', 'factorwatch.tenant': 'acme' }, schemaUrl: '', scopes: [{ scope: { name: 's', version: '1', attributes: {}, schemaUrl: '', droppedAttributes: 0 }, items }] }]
const verified = { 'event.name': 'mfa.challenge.verified', 'event.id': 'e1', 'mfa.flow_id': 'f', 'mfa.factor': 'sms', 'mfa.outcome': 'success' }

const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', 0: '\0', "'": "'" }
/** The rows of a table's TabSeparated body, as column → raw field text (escapes undone). */
function rowsOf(t: TableRecords): Record<string, string | null>[] {
  return t.records().flatMap((r) => r.body.toString('utf8').split('\n').filter(Boolean).map((line) =>
    Object.fromEntries(line.split('\t').map((f, i) => [r.columns[i], f === '\\N' ? null : f.replace(/\\(.)/g, (_m, c: string) => UNESCAPE[c] ?? c)]))))
}

describe('logRows', () => {
  it.each([
    ['contract event by attribute', rec(verified), 1, 0, 0],
    ['contract event by the LogRecord event_name field', rec({ 'mfa.gameday_id': 'g1' }, { eventName: 'gameday.started' }), 1, 0, 0],
    ['EventName field wins over an event.name attribute', rec({ ...verified, 'event.name': 'mfa.nope' }, { eventName: 'mfa.challenge.verified' }), 1, 0, 0],
    ['ordinary log', rec({ 'http.route': '/x' }), 0, 1, 0],
    ['event name outside the contract namespaces', rec({}, { eventName: 'browser.click' }), 0, 1, 0],
    ['unknown mfa.* event', rec({ 'event.name': 'mfa.nope' }), 0, 0, 1],
    ['missing required attribute', rec({ ...verified, 'mfa.factor': undefined as unknown as string }), 0, 0, 1],
    ['no time at all', rec(verified, { timeNs: 0n, observedNs: 0n }), 0, 0, 1],
  ])('%s', (_name, record, mfa, logs, rejected) => {
    const out = logRows(block(record))
    // Contract events are written once, to mfa_events; otel_logs holds only the other records.
    expect([out.mfa.rows, out.logs.rows, out.rejected, out.accepted]).toEqual([mfa, logs, rejected, 1 - rejected])
  })

  it('names the event from EventName when present, else from the attribute', () => {
    const out = logRows(block(rec({ ...verified, 'event.name': 'legacy.name' }, { eventName: 'mfa.challenge.verified' }), rec({ ...verified, 'event.id': 'e2' })))
    expect(rowsOf(out.mfa).map((r) => r.event)).toEqual(['mfa.challenge.verified', 'mfa.challenge.verified'])
  })
  it('reads log.record.uid and user.hash when the contract keys are absent', () => {
    const std = { 'mfa.flow_id': 'f', 'log.record.uid': '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'user.hash': '364fc68eaf4c8acec74a4e52d7d1feaa' }
    const out = logRows(block(rec(std, { eventName: 'mfa.login.started' }), rec({ ...std, 'event.id': 'own', 'mfa.user_hash': 'abcdefabcdefabcd' }, { eventName: 'mfa.login.started' })))
    expect(rowsOf(out.mfa).map((r) => [r.event_id, r.user_hash])).toEqual([['01ARZ3NDEKTSV4RRFFQ69G5FAV', '364fc68eaf4c8acec74a4e52d7d1feaa'], ['own', 'abcdefabcdefabcd']])
  })
  it('maps time, service, tenant, envelope and ids; falls back to the observed time', () => {
    const out = logRows(block(rec({ ...verified, 'mfa.latency_ms': 812, 'vendor.x': 'y\tz' }, { traceId: 'ab', spanId: 'cd' }), rec({ ...verified, 'event.id': 'e2' }, { timeNs: 0n })))
    const [a, b] = rowsOf(out.mfa)
    expect(a).toMatchObject({
      ts: '1795000000.123', service: 'svc', tenant: 'acme', event_id: 'e1', trace_id: 'ab', span_id: 'cd', latency_ms: '812', attempt: '0',
      severity_text: 'INFO', severity_number: '9', body: 'b', scope_name: 's', scope_version: '1', attributes: "{'vendor.x':'y\tz'}",
    })
    expect(a.resource_attributes).toBe("{'service.name':'svc','factorwatch.tenant':'acme'}")
    expect(Number(a.content_hash)).toBeGreaterThan(0)
    expect([b.ts, b.latency_ms]).toEqual(['1795000000.123', null])
    expect(out.mfa.records()[0].days).toEqual([Number(T / 86_400_000_000_000n)])
  })
  it('escapes tabs, line feeds, backslashes and quotes in otel_logs rows', () => {
    const out = logRows(block(rec({ 'k\'1': 'a\\b\nc' }, { body: 'x\ty' })))
    const [row] = rowsOf(out.logs)
    expect(row).toMatchObject({ Timestamp: '1795000000.123456789', Body: 'x\ty', LogAttributes: "{'k'1':'a\\b\nc'}", FactorWatchIngest: '1' })
    expect(row.FactorWatchHash).toMatch(/^\d+$/)
  })

  it('derives the same event id for the same record, a different one for another', () => {
    const noId = { ...verified, 'event.id': undefined as unknown as string }
    const id = (attrs: Attrs) => rowsOf(logRows(block(rec(attrs))).mfa)[0].event_id
    const a = id({ ...noId })
    expect(a).toMatch(/^[0-9a-f]{32}$/)
    expect(id({ ...noId })).toBe(a)
    expect(id({ ...noId, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' })).not.toBe(a)
  })

  it('names the record and attribute of the first problems only', () => {
    const bad = (i: number) => rec({ ...verified, 'mfa.outcome': `bad${i}` })
    const out = logRows(block(rec(verified), bad(1), bad(2), bad(3), bad(4)))
    expect(out.rejected).toBe(4)
    expect(out.errors).toHaveLength(3)
    expect(out.errors[0]).toMatch(/^log record 1: .*mfa\.outcome/)
  })
})

describe('logRows deduplication and conflicts', () => {
  it('drops a record already stored and a second copy in the same batch; the first copy is kept', () => {
    const recent = new RecentIds()
    const first = logRows(block(rec(verified), rec({ msg: 'hello' })), recent)
    expect([first.mfa.rows, first.logs.rows, first.duplicates, first.fresh.length]).toEqual([1, 1, 0, 2])
    recent.mark(first.fresh)
    const again = logRows(block(rec({ ...verified }), rec({ msg: 'hello' }), rec({ msg: 'hello' }, { timeNs: T + 1n })), recent)
    expect([again.mfa.rows, again.logs.rows, again.duplicates, again.conflicts]).toEqual([0, 1, 2, 0])
    const inBatch = logRows(block(rec({ ...verified, 'event.id': 'x' }), rec({ ...verified, 'event.id': 'x' })))
    expect([inBatch.mfa.rows, inBatch.duplicates]).toEqual([1, 1])
  })

  it('keeps the first content of an event id and records a later different one as a conflict', () => {
    const recent = new RecentIds()
    const first = logRows(block(rec(verified)), recent)
    recent.mark(first.fresh)
    const other = logRows(block(rec({ ...verified, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' })), recent)
    expect([other.mfa.rows, other.conflicts, other.duplicates, other.accepted]).toEqual([0, 1, 0, 1])
    const [c] = rowsOf(other.conflictRows)
    expect(c).toMatchObject({ event: 'mfa.challenge.verified', event_id: 'e1', service: 'svc', tenant: 'acme', first_hash: String(first.fresh[0][1]) })
    expect(c.attributes).toContain("'mfa.outcome':'failure'")
    // Stored by another path (fingerprint unknown): a plain duplicate, not a conflict.
    const foreign = new RecentIds()
    foreign.mark([['e:e1', 0]])
    expect(logRows(block(rec({ ...verified, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' })), foreign).duplicates).toBe(1)
  })

  it('reads a conflicting event\'s attributes back from its row as the record had them (escapes kept)', () => {
    const a: Attrs = { ...verified, 'event.id': "it's\todd\\", 'mfa.latency_ms': 812, 'mfa.attempt': 2, 'vendor.note': "l'x\ny", 'vendor.n': 3 }
    const blocks = block(rec(a))
    const p = prepareLogRows(blocks)
    const line = Buffer.from(p.text).toString('utf8').replace(/\n$/, '')
    const entries = (m: string) => [...m.matchAll(/'((?:[^'\\]|\\.)*)':'((?:[^'\\]|\\.)*)'/g)].map((x) => `${x[1]}=${x[2]}`).sort()
    // The record's attributes after the builder completed them (event name, derived id).
    expect(entries(conflictAttributes(line))).toEqual(entries(tsvMap(blocks[0].scopes[0].items[0].attributes)))
    expect(p.count).toBe(1)
    expect(entries(conflictAttributes(line))).toContain("event.id=it\\'s\\todd\\\\")
  })

  it('makes a copy wait for the write of the first while it is in flight, and forgets keys whose write failed', async () => {
    const recent = new RecentIds()
    const first = logRows(block(rec(verified)), recent)
    let fail!: (e: Error) => void
    const write = new Promise<void>((_r, reject) => (fail = reject))
    recent.track(first.fresh, write)
    const copy = logRows(block(rec({ ...verified })), recent)
    expect([copy.mfa.rows, copy.duplicates, copy.waits]).toEqual([0, 1, [write]])
    fail(new Error('insert failed'))
    await expect(Promise.all(copy.waits)).rejects.toThrow('insert failed')
    expect(recent.get('e:e1')).toBeUndefined()
    expect(logRows(block(rec({ ...verified })), recent).mfa.rows).toBe(1)
  })
})

describe('RecentIds', () => {
  it('forgets the oldest key beyond capacity', () => {
    const r = new RecentIds(2)
    r.mark([['a', 1], ['b', 2]])
    r.mark([['c', 3]])
    expect([r.get('a'), r.get('b'), r.get('c'), r.size]).toEqual([undefined, { fp: 2 }, { fp: 3 }, 2])
  })

  it('a key marked again becomes the newest, with its new fingerprint; fingerprints keep all 32 bits', () => {
    const r = new RecentIds(3)
    r.mark([['a', 0xffffffff], ['b', 2], ['c', 3]])
    r.mark([['a', 4]])
    r.mark([['d', 5]])
    expect([r.get('a'), r.get('b'), r.get('c'), r.get('d'), r.size]).toEqual([{ fp: 4 }, undefined, { fp: 3 }, { fp: 5 }, 3])
    // Newest first: d, a, c. One more key forgets c (not a, marked after it), two more forget a.
    r.mark([['e', 6]])
    expect([r.get('a'), r.get('c'), r.get('d'), r.get('e'), r.size]).toEqual([{ fp: 4 }, undefined, { fp: 5 }, { fp: 6 }, 3])
    r.mark([['f', 0xfffffffe]])
    expect([r.get('a'), r.get('d'), r.get('e'), r.get('f'), r.size]).toEqual([undefined, { fp: 5 }, { fp: 6 }, { fp: 0xfffffffe }, 3])
  })

  it('keeps exactly the newest `capacity` keys after many times its capacity', () => {
    const r = new RecentIds(1000)
    for (let i = 0; i < 10_500; i += 100) r.mark(Array.from({ length: 100 }, (_, k) => [`k${i + k}`, i + k] as const))
    expect(r.size).toBe(1000)
    expect([r.get('k9499'), r.get('k9500'), r.get('k10499')]).toEqual([undefined, { fp: 9500 }, { fp: 10499 }])
  })

  it('counts keys in flight apart from stored ones, and stores or forgets them as their write ends', async () => {
    const r = new RecentIds(2)
    r.mark([['old', 1]])
    let ok!: () => void
    let fail!: (e: Error) => void
    const good = new Promise<void>((res) => { ok = res })
    const bad = new Promise<void>((_res, rej) => { fail = rej })
    r.track([['a', 10], ['b', 11]], good)
    r.track([['c', 12]], bad)
    expect([r.get('a'), r.get('c'), r.size]).toEqual([{ fp: 10, wait: good }, { fp: 12, wait: bad }, 1])
    ok()
    fail(new Error('insert failed'))
    await good
    await bad.catch(() => {})
    // a and b stored (old forgotten: capacity 2), c forgotten with its failed write.
    expect([r.get('old'), r.get('a'), r.get('b'), r.get('c'), r.size]).toEqual([undefined, { fp: 10 }, { fp: 11 }, undefined, 2])
  })

  it('a key another write took over while in flight: stored when either write succeeds, kept for the other when one fails', async () => {
    const r = new RecentIds(10)
    const settled = () => new Promise((res) => setImmediate(res))
    let ok1!: () => void
    let fail2!: (e: Error) => void
    const w1 = new Promise<void>((res) => { ok1 = res })
    const w2 = new Promise<void>((_res, rej) => { fail2 = rej })
    w2.catch(() => {})
    r.track([['k', 1]], w1)
    r.track([['k', 2]], w2)
    expect(r.get('k')).toEqual({ fp: 2, wait: w2 })
    ok1()
    await settled()
    expect([r.get('k'), r.size]).toEqual([{ fp: 1 }, 1])
    fail2(new Error('insert failed'))
    await settled()
    expect([r.get('k'), r.size]).toEqual([{ fp: 1 }, 1])

    let fail3!: (e: Error) => void
    let ok4!: () => void
    const w3 = new Promise<void>((_res, rej) => { fail3 = rej })
    const w4 = new Promise<void>((res) => { ok4 = res })
    w3.catch(() => {})
    r.track([['j', 3]], w3)
    r.track([['j', 4]], w4)
    fail3(new Error('insert failed'))
    await settled()
    expect(r.get('j')).toEqual({ fp: 4, wait: w4 })
    ok4()
    await settled()
    expect([r.get('j'), r.size]).toEqual([{ fp: 4 }, 2])
  })

  it('refuses a capacity it cannot hold', () => {
    expect(() => new RecentIds(0)).toThrow(/capacity/)
    expect(() => new RecentIds(MAX_CAPACITY + 1)).toThrow(/capacity/)
  })
})
