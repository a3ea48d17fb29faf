import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../config'
import { tempDir, until } from '../../test/support/processes'
import { inlineParams, quoteString, typedLiteral } from './chdb-pool'
import { openClickHouse, type OpenClickHouse } from './client'

describe('inlineParams', () => {
  it('binds each placeholder as a typed literal', () => {
    expect(inlineParams('SELECT * FROM t WHERE ts >= {from_ms:Int64} AND k = {k:String} AND n < {n: UInt32 }', { from_ms: 1_700_000_000_000, k: 'a', n: 5 }))
      .toBe("SELECT * FROM t WHERE ts >= CAST('1700000000000' AS Int64) AND k = CAST('a' AS String) AND n < CAST('5' AS UInt32)")
    expect(inlineParams('x IN {ids:Array(String)} OR y IN {ns:Array(Int64)}', { ids: ["o'k", 'b'], ns: [] }))
      .toBe("x IN CAST(['o\\'k','b'] AS Array(String)) OR y IN CAST([] AS Array(Int64))")
    expect(inlineParams('SELECT {a:Int64} + {a:Int64}', { a: 2n })).toBe("SELECT CAST('2' AS Int64) + CAST('2' AS Int64)")
  })

  it('leaves placeholders inside string literals, quoted identifiers and comments alone', () => {
    const sql = "SELECT '{a:Int64}', \"{a:Int64}\", `{a:Int64}` -- {a:Int64}\n/* {a:Int64} */ , 'it''s {a:Int64}', 'x\\'{a:Int64}', {a:Int64}"
    expect(inlineParams(sql, { a: 1 })).toBe(sql.replace(/, \{a:Int64\}$/, ", CAST('1' AS Int64)"))
  })

  it('declines (the engine binds instead) a placeholder without a value, a type it does not bind, or a value of the wrong kind', () => {
    expect(inlineParams('SELECT {a:Int64}', {})).toBeUndefined()
    expect(inlineParams('SELECT {d:Date}', { d: '2026-01-01' })).toBeUndefined()
    expect(inlineParams('SELECT {a:Int64}', { a: 1.5 })).toBeUndefined()
    expect(inlineParams('SELECT {a:Int64}', { a: '1; DROP TABLE t' })).toBeUndefined()
    expect(inlineParams('SELECT {s:String}', { s: 5 })).toBeUndefined()
    expect(typedLiteral([1, 'x'], 'Array(Int64)')).toBeUndefined()
  })

  it('follows ClickHouse: nested block comments, and declines what it does not follow', () => {
    expect(inlineParams('SELECT /* a /* {a:Int64} */ {a:Int64} */ {a:Int64}', { a: 1 })).toBe("SELECT /* a /* {a:Int64} */ {a:Int64} */ CAST('1' AS Int64)")
    for (const sql of ['SELECT 1 // {s:String}\n, {s:String}', 'SELECT $$ {s:String} $$, {s:String}', 'SELECT \u2018{s:String}\u2019, {s:String}', 'SELECT {s:String}, { t : DateTime64(3, \'UTC\') }']) {
      expect(inlineParams(sql, { s: 'x', t: 1 })).toBeUndefined()
    }
    expect(inlineParams('SELECT { a : Int64 }', { a: 7 })).toBe("SELECT CAST('7' AS Int64)")
    expect(inlineParams("SELECT {'k': 1}['k'], {a:Int64}", { a: 7 })).toBe("SELECT {'k': 1}['k'], CAST('7' AS Int64)")
  })

  it('binds integers only inside their type\'s range', () => {
    expect(typedLiteral(4_294_967_295, 'UInt32')).toBe("CAST('4294967295' AS UInt32)")
    expect(typedLiteral(4_294_967_296, 'UInt32')).toBeUndefined()
    expect(typedLiteral(-1, 'UInt32')).toBeUndefined()
    expect(typedLiteral('-9223372036854775808', 'Int64')).toBe("CAST('-9223372036854775808' AS Int64)")
    expect(typedLiteral('9223372036854775808', 'Int64')).toBeUndefined()
    expect(typedLiteral(-129, 'Int8')).toBeUndefined()
  })

  it('escapes the backslash, the quote and control characters', () => {
    expect(quoteString("a\\b'c\n\0\x7f")).toBe("'a\\\\b\\'c\\x0a\\x00\\x7f'")
  })
})

describe('the query pool over chDB', () => {
  let dir: string
  let ch: OpenClickHouse
  beforeAll(async () => {
    dir = tempDir('fw-chdb-pool-')
    ch = await openClickHouse(loadCollectorConfig({ CHDB_QUERY_CONNECTIONS: '2' } as unknown as NodeJS.ProcessEnv, { dataDir: dir }))
  }, 60_000)
  afterAll(async () => {
    await ch?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  const one = async (query: string, query_params: Record<string, unknown>) => (await (await ch.client.query({ query, query_params, format: 'JSONEachRow' })).json<Record<string, unknown>>())[0]

  it('returns every value exactly as bound, whatever characters it holds', async () => {
    for (const s of ["it's", 'back\\slash', "\\'; SELECT 1 --", 'tab\tnew\nline', 'nul\0byte', 'ünïcødé ✓', '{a:Int64}', '']) {
      expect(await one('SELECT {s:String} AS s, length({s:String}) AS n', { s })).toEqual({ s, n: Buffer.byteLength(s) })
    }
    expect(await one('SELECT toString({a:Int64}) AS a, {b:UInt32} AS b', { a: '-9223372036854775808', b: 4_294_967_295 })).toEqual({ a: '-9223372036854775808', b: 4_294_967_295 })
    expect(await one("SELECT 'b' IN {xs:Array(String)} AS yes, 'z' IN {xs:Array(String)} AS no, 1 IN {none:Array(Int64)} AS empty", { xs: ['a', 'b'], none: [] })).toEqual({ yes: 1, no: 0, empty: 0 })
    // A type the pool does not bind goes through chdb's own binder.
    expect(await one('SELECT toString({d:Date}) AS d', { d: '2026-12-07' })).toEqual({ d: '2026-12-07' })
  })

  it('runs parameterized statements side by side, not one after another', async () => {
    // Counted on the ingest connection, which is not the pool's. Run one after another, the two
    // sleeps would never be seen together.
    const sleeping = async () => {
      const [r] = await (await ch.ingest.query({ query: "SELECT count() AS n FROM system.processes WHERE query LIKE '%sleep(3)%fw-pool-%' AND query NOT LIKE '%system.processes%'", format: 'JSONEachRow' })).json<{ n: number }>()
      return Number(r.n)
    }
    const sleeps = ['a', 'b'].map((tag) => one('SELECT sleep(3) AS s, {tag:String} AS tag', { tag: `fw-pool-${tag}` }))
    const seen = await until('both sleeps running at once', async () => ((await sleeping()) === 2 ? true : undefined), 2_500).catch(() => false)
    await Promise.all(sleeps)
    expect(seen).toBe(true)
    expect(await sleeping()).toBe(0)
  })
})
