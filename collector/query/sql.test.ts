import { describe, expect, it } from 'vitest'
import { CATALOGUE } from './catalogue'
import { eventsSql } from './events'
import { outcomesSql } from './outcomes'
import { bucketStarts, fillSeries, ratio } from './series'
import { bucket, filterSql, lit, numOrNull } from './sql'
import type { SqlQuery } from './types'
import { RAW, ROLLUP_1H, ROLLUP_1M, chooseSource } from './source'

describe('sql helpers', () => {
  it.each([
    [{}, ['factor'], '1'],
    [{ factor: 'totp' }, ['factor', 'provider'], 'factor = {f_factor:String}'],
    [{ factor: 'totp', region: 'eu' }, ['factor', 'region'], 'factor = {f_factor:String} AND region = {f_region:String}'],
    [{ factor: 'totp', region: 'eu' }, ['region'], 'region = {f_region:String}'],
  ] as const)('filterSql(%j, %j)', (filters, honoured, expected) => expect(filterSql(filters, honoured)).toBe(expected))

  it('bucket aligns on the step parameter', () => {
    expect(bucket('ts')).toBe('intDiv(toUnixTimestamp64Milli(ts), {step_ms:Int64}) * {step_ms:Int64}')
  })

  it.each(["x'", 'a b', 'A', ''])('lit refuses %j', (v) => expect(() => lit(v)).toThrow(/refusing to inline/))

  it.each([[null, null], ['12', 12], [3.5, 3.5], [Number.NaN, null], ['nan', null]])('numOrNull(%j) = %j', (v, n) => expect(numOrNull(v)).toBe(n))
})

describe('series', () => {
  const w = { fromMs: 90_000, toMs: 300_000, stepS: 60 }
  it('buckets are epoch-aligned and cover the window', () => {
    expect(bucketStarts(w)).toEqual([60_000, 120_000, 180_000, 240_000])
    expect(bucketStarts({ fromMs: 0, toMs: 120_000, stepS: 60 })).toEqual([0, 60_000])
  })
  it('fillSeries gives every bucket a point, dropping rows outside', () => {
    const rows = [{ t: '120000', n: 2 }, { t: 120_000, n: 3 }, { t: 0, n: 99 }]
    expect(fillSeries(w, rows, (b) => [b.reduce((a, r) => a + Number(r.n), 0)])).toEqual([[60_000, 0], [120_000, 5], [180_000, 0], [240_000, 0]])
  })
  it.each([[1, 3, 0.333333], [0, 0, null], [2, 2, 1]])('ratio(%d, %d) = %j', (a, b, r) => expect(ratio(a, b)).toBe(r))
})

/** Placeholders `{name:Type}` in the SQL must all have a parameter. */
function placeholders(q: SqlQuery): string[] {
  return [...q.query.matchAll(/\{([a-z_]+):[A-Za-z0-9(), ']+\}/g)].map((m) => m[1])
}

describe('every statement keeps request values out of the SQL text', () => {
  const hostile = { factor: "totp' OR 1=1 --", provider: 'tw"ilio', region: 'eu;DROP', user_group: 'admin\\', client: 'web)' }
  const window = { fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000, stepS: 60 }
  const statements: Array<[string, SqlQuery]> = [
    ...[RAW, ROLLUP_1M, ROLLUP_1H].flatMap((source) => [
      ...[...CATALOGUE.values()].filter((m) => source === RAW || m.rollups).map((m) => [`${m.id} ${source.name}`, m.sql({ window, filters: hostile, nowMs: 1_700_004_000_000, source })] as [string, SqlQuery]),
      [`outcomes ${source.name}`, outcomesSql({ window, filters: hostile }, source)] as [string, SqlQuery],
    ]),
    ['events', eventsSql({ window, filters: hostile, event: 'mfa.bypass', outcome: "x'", flowId: "f'1", limit: 5 })],
  ]
  it.each(statements)('%s', (id, q) => {
    for (const v of [...Object.values(hostile), "x'", "f'1"]) expect(q.query).not.toContain(v)
    for (const name of placeholders(q)) expect(q.params, `parameter ${name}`).toHaveProperty(name)
    // Raw reads deduplicate with FINAL, except M8 (argMax by time: a re-delivered copy cannot change it).
    expect(q.query).toMatch(id.includes('rollup_1m') ? /FROM mfa_rollup_1m\b/ : id.includes('rollup_1h') ? /FROM mfa_rollup_1h\b/ : id.startsWith('M8') ? /FROM mfa_events\n/ : /FINAL/)
  })
})

describe('catalogue', () => {
  it('defines M1–M10 once, each with title, unit and description', () => {
    expect([...CATALOGUE.keys()]).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10'])
    for (const m of CATALOGUE.values()) expect(m.title.length * m.description.length).toBeGreaterThan(0)
  })
})

describe('chooseSource', () => {
  const H = 3_600_000
  it.each([
    [{ fromMs: 0, toMs: 6 * H, stepS: 300 }, 'raw'],
    [{ fromMs: 0, toMs: 7 * H, stepS: 30 }, 'raw'],
    [{ fromMs: 0, toMs: 24 * H, stepS: 1800 }, 'rollup_1m'],
    [{ fromMs: 0, toMs: 7 * 24 * H, stepS: 10800 }, 'rollup_1h'],
  ])('%j → %s', (w, name) => expect(chooseSource(w).name).toBe(name))
})
