import { describe, expect, it } from 'vitest'
import { fingerprint, fingerprintBytes, RecentIds } from './dedup'
import { resolveRows, RowsBuilder } from './prepared'
import { MAX_RECORD_DAYS } from './spool-record'

const T = [{ table: 't', columns: ['a', 'b'] }, { table: 'u', columns: ['c'], settings: { s: 1 } }]

describe('prepared rows', () => {
  it('keep each table\'s new rows by day, in order, without the duplicates between them', () => {
    const b = new RowsBuilder(T)
    b.add(0, 20_000, 'k1', 7, 'one\t1')
    b.add(0, 20_001, 'k2', 7, 'two\t2')
    b.add(0, 20_000, 'k1', 7, 'one again\t1')
    b.add(1, 20_000, 'k3', 1, 'three')
    b.add(0, 20_000, 'k4', 7, 'four\t4')
    const r = resolveRows(b.finish(), new RecentIds())
    expect(r.records.map((x) => [x.table, x.days, x.rows, x.body.toString(), x.settings])).toEqual([
      ['t', [20_000, 20_001], 3, 'one\t1\nfour\t4\ntwo\t2\n', undefined],
      ['u', [20_000], 1, 'three\n', { s: 1 }],
    ])
    expect([r.duplicates, r.fresh]).toEqual([1, [['k1', 7], ['k2', 7], ['k3', 1], ['k4', 7]]])
  })

  it('split a table\'s rows so no record spans more than MAX_RECORD_DAYS days', () => {
    const b = new RowsBuilder(T)
    for (let d = 0; d < MAX_RECORD_DAYS + 5; d++) b.add(0, 19_000 + d, `k${d}`, 1, `row ${d}`)
    const r = resolveRows(b.finish(), new RecentIds())
    expect(r.records.map((x) => [x.days.length, x.rows])).toEqual([[MAX_RECORD_DAYS, MAX_RECORD_DAYS], [5, 5]])
    expect(r.records[1].body.toString()).toBe(Array.from({ length: 5 }, (_, i) => `row ${MAX_RECORD_DAYS + i}\n`).join(''))
  })

  it('grow past their first buffer with text of every UTF-8 width, byte offsets intact', () => {
    const b = new RowsBuilder(T, 16)
    const lines = Array.from({ length: 300 }, (_, i) => `${i}\tü€😀${'x'.repeat(i % 50)}`)
    lines.forEach((l, i) => b.add(0, 20_000, `k${i}`, 1, l))
    const p = b.finish()
    expect([p.count, p.offsets.length, p.text.byteLength]).toEqual([300, 301, Buffer.byteLength(lines.join('\n')) + 1])
    expect(resolveRows(p, new RecentIds()).records[0].body.toString()).toBe(`${lines.join('\n')}\n`)
  })

  it('end a fingerprinted row with the fingerprint of the line before it, ASCII or not', () => {
    const b = new RowsBuilder(T, 16)
    const lines = ['plain\tascii', 'ü\t€', '😀 and \ud800 a lone surrogate', '']
    const fps = lines.map((l, i) => b.addFingerprinted(0, 20_000, `k${i}`, l))
    expect(fps).toEqual(lines.map(fingerprint))
    const p = b.finish()
    expect([...p.fp]).toEqual(fps)
    expect(Buffer.from(p.text).toString()).toBe(lines.map((l, i) => `${Buffer.from(l).toString()}\t${fps[i]}\n`).join(''))
    // For ASCII the bytes give the string's fingerprint.
    for (const s of ['', 'a', 'mfa.challenge.verified\t1796676248.169', 'x'.repeat(1000)]) expect(fingerprintBytes(Buffer.from(s), 0, s.length)).toBe(fingerprint(s))
  })
})
