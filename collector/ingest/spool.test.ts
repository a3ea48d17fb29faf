import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/support/processes'
import { frame, scanFrames, Spool, type SpoolOptions } from './spool'
import { type EncodedRows, encodeJsonRows, parseRecordPayload, recordPayload } from './spool-record'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function rec(table: string, n: number, days: number[] = [20_000], tag = 'x'): EncodedRows {
  const rows = Array.from({ length: n }, (_, i) => [`${tag}-${i}`])
  return { table, columns: ['id'], format: 'JSONCompactEachRow', rows: n, body: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'), days }
}

async function openSpool(dir: string, over: Partial<SpoolOptions> = {}) {
  return Spool.open({ dir, batchRows: 1000, batchBytes: 1 << 20, batchMs: 60_000, maxDays: 90, fsync: true, now: () => Date.now(), ...over })
}
const never = new AbortController().signal

describe('spool frames', () => {
  const payloads = [Buffer.from('first'), Buffer.from('second record'), Buffer.from('third')]
  const file = Buffer.concat(payloads.map(frame))

  it('reads back every whole frame', () => {
    const s = scanFrames(file)
    expect(s.tail).toBe('clean')
    expect(s.payloads.map(String)).toEqual(['first', 'second record', 'third'])
    expect(s.validBytes).toBe(file.length)
  })

  it('ignores a torn last record (a crash mid-append) and keeps the ones before it', () => {
    for (const cut of [1, 5, 8, 12]) {
      const s = scanFrames(file.subarray(0, file.length - cut))
      expect(s.tail).toBe('torn')
      expect(s.payloads.map(String)).toEqual(['first', 'second record'])
      expect(s.validBytes).toBe(frame(payloads[0]).length + frame(payloads[1]).length)
    }
  })

  it('detects a CRC mismatch and stops at the last good record', () => {
    const bad = Buffer.from(file)
    bad[frame(payloads[0]).length + 8 + 2] ^= 0x01 // a bit of the second payload
    const s = scanFrames(bad)
    expect(s.tail).toBe('corrupt')
    expect(s.payloads.map(String)).toEqual(['first'])
  })

  it('does not take a zero-filled tail for an empty record', () => {
    const s = scanFrames(Buffer.concat([file, Buffer.alloc(64)]))
    expect(s.tail).toBe('corrupt')
    expect(s.payloads).toHaveLength(3)
  })

  it('round-trips a record: table, columns, format, rows, days, settings, body', () => {
    const r = { ...rec('otel_logs', 3, [1, 5]), settings: { insert_allow_materialized_columns: 1 } }
    const back = parseRecordPayload(recordPayload(r))
    expect({ ...back, body: back.body.toString() }).toEqual({ ...r, body: r.body.toString() })
  })
})

describe('encodeJsonRows', () => {
  it('splits a request spanning more days than a record may hold, rows kept in order within each', () => {
    const rows = Array.from({ length: 300 }, (_, i) => [i % 150, `r${i}`])
    const out = encodeJsonRows('t', ['day', 'id'], rows, (r) => r[0] as number, undefined, 40)
    expect(out.map((o) => o.days.length)).toEqual([40, 40, 40, 30])
    expect(out.reduce((n, o) => n + o.rows, 0)).toBe(300)
    const first = out[0].body.toString().trim().split('\n').map((l) => JSON.parse(l) as [number, string])
    expect(first.every(([d]) => d < 40)).toBe(true)
    expect(first.map(([, id]) => Number(id.slice(1)))).toEqual([...first.map(([, id]) => Number(id.slice(1)))].sort((a, b) => a - b))
  })
  it('keeps one record when the days fit', () => {
    const out = encodeJsonRows('t', ['a'], [[1], [2]], () => 7)
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({ rows: 2, days: [7] })
    expect(out[0].body.toString()).toBe('[1]\n[2]\n')
  })
})

describe('Spool', () => {
  it('replays what a crashed process left, in order, before new segments; a torn tail is cut off', async () => {
    const dir = tempDir('spool')
    dirs.push(dir)
    const a = await openSpool(dir, { batchRows: 5 })
    await a.append([rec('mfa_events', 3, [1], 'a')])
    await a.append([rec('mfa_events', 3, [1], 'b')]) // 6 rows: sealed
    await a.append([rec('mfa_events', 2, [1], 'c'), rec('otel_logs', 1, [1], 'l')]) // open segment
    // kill -9 mid-append: half a frame at the end of the open segment (no close, no seal)
    const open = readdirSync(join(dir, 'mfa_events')).sort()
    expect(open).toHaveLength(2)
    const openPath = join(dir, 'mfa_events', open[1])
    const sizeBefore = statSync(openPath).size
    appendFileSync(openPath, frame(recordPayload(rec('mfa_events', 4, [1], 'torn'))).subarray(0, 20))

    const b = await openSpool(dir)
    expect(statSync(openPath).size).toBe(sizeBefore)
    expect(b.backlog()).toMatchObject({ rows: 9, segments: 3 })
    await b.append([rec('mfa_events', 1, [1], 'new')])
    const seen: string[] = []
    for (let i = 0; i < 2; i++) {
      const seg = (await b.next('mfa_events', never))!
      seen.push(...(await b.read(seg)).map((r) => r.body.toString().split('-')[0].slice(2)))
      await b.release(seg)
    }
    expect(seen).toEqual(['a', 'b', 'c'])
    await b.close() // seals the segment holding 'new'
    const last = (await b.next('mfa_events', never))!
    expect((await b.read(last)).map((r) => r.body.toString())).toEqual(['["new-0"]\n'])
    await b.release(last)
    const logs = (await b.next('otel_logs', never))!
    expect((await b.read(logs))[0].rows).toBe(1)
    await b.release(logs)
    expect(b.backlog()).toMatchObject({ rows: 0, segments: 0 })
    expect(readdirSync(join(dir, 'mfa_events'))).toEqual([])
  })

  it('shares one write + fdatasync among appends that arrive while one runs (group commit)', async () => {
    const dir = tempDir('spool')
    dirs.push(dir)
    const commits: number[] = []
    const s = await openSpool(dir, { batchRows: 1_000_000, onCommit: (_s, n) => commits.push(n) })
    await Promise.all(Array.from({ length: 40 }, (_, i) => s.append([rec('mfa_events', 10, [1], `r${i}`)])))
    expect(commits.reduce((a, b) => a + b, 0)).toBe(40)
    expect(commits.length).toBeLessThan(40)
    expect(s.backlog()).toMatchObject({ rows: 400, segments: 1 })
  })

  it('seals a segment before it would span more partition days than allowed', async () => {
    const dir = tempDir('spool')
    dirs.push(dir)
    const s = await openSpool(dir, { maxDays: 10 })
    await s.append([rec('t', 1, [1, 2, 3, 4, 5, 6])])
    await s.append([rec('t', 1, [5, 6, 7, 8])]) // union 8 days: same segment
    await s.append([rec('t', 1, [20, 21, 22])]) // union 11: a new segment
    await s.close()
    const segs = []
    for (let i = 0; i < 2; i++) {
      const seg = (await s.next('t', never))!
      segs.push((await s.read(seg)).flatMap((r) => r.days))
      await s.release(seg)
    }
    expect(segs.map((d) => new Set(d).size)).toEqual([8, 3])
  })

  it('hands the inserter the open segment once its first record is batchMs old', async () => {
    const dir = tempDir('spool')
    dirs.push(dir)
    let now = 1_000
    const s = await openSpool(dir, { batchMs: 250, now: () => now })
    await s.append([rec('t', 2)])
    const pending = s.next('t', never)
    now += 300
    const seg = await pending
    expect(seg?.rows).toBe(2)
  })

  it('drops the rest of a segment after a CRC mismatch and reports it', async () => {
    const dir = tempDir('spool')
    dirs.push(dir)
    const a = await openSpool(dir)
    await a.append([rec('t', 1, [1], 'ok')])
    await a.append([rec('t', 1, [1], 'flipped')])
    const file = join(dir, 't', readdirSync(join(dir, 't'))[0])
    const buf = readFileSync(file)
    buf[buf.length - 3] ^= 0xff
    writeFileSync(file, buf)
    const lines: string[] = []
    const b = await openSpool(dir, { log: (l) => lines.push(l) })
    expect(b.backlog().rows).toBe(1)
    expect(lines.join('\n')).toMatch(/CRC or length mismatch/)
  })
})
