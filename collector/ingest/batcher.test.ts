import { Readable } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import { describe, expect, it } from 'vitest'
import { backoffMs, groupRecords, insertIsolating, WriteRefused } from './batcher'
import { classifyInsertError, InsertFileError } from './insert-errors'
import { DirectWriter } from './direct-writer'
import type { EncodedRows } from './spool-record'

const chError = (code: number, message: string) => Object.assign(new Error(message), { code: String(code), type: 'X' })

describe('classifyInsertError', () => {
  const cases: [unknown, string][] = [
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }), 'transient'],
    [Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'transient'],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'transient'],
    [chError(241, 'Memory limit exceeded'), 'transient'],
    [chError(252, 'Too many parts (300). Merges are processing significantly slower than inserts'), 'transient'],
    [chError(252, 'Too many partitions for single INSERT block (more than 100).'), 'partitions'],
    [chError(27, 'Cannot parse input: expected \'[\' before: \'garbage\''), 'data'],
    [chError(41, 'Cannot parse datetime'), 'data'],
    [chError(60, 'Table default.nope does not exist'), 'unknown'],
    // FROM INFILE reads a file of ours: trouble with it is never the rows' fault.
    [chError(74, 'Cannot read from file /data/spool/.insert/1-2.tabseparated'), 'transient'],
    [chError(76, 'Cannot open file /data/spool/.insert/1-2.tabseparated'), 'transient'],
    [chError(107, 'File /data/spool/.insert/1-2.tabseparated doesn\'t exist'), 'transient'],
    [new InsertFileError('could not write the rows of an INSERT to /x: ENOSPC'), 'transient'],
  ]
  it.each(cases)('%s → %s', (err, kind) => expect(classifyInsertError(err)).toBe(kind))
})

describe('backoffMs', () => {
  it('doubles from 0.5 s up to 30 s', () => expect([1, 2, 3, 7, 8, 20].map(backoffMs)).toEqual([500, 1000, 2000, 30_000, 30_000, 30_000]))
})

function rec(tag: string, n = 1, columns = ['id']): EncodedRows {
  return { table: 't', columns, format: 'JSONCompactEachRow', rows: n, body: Buffer.from(Array.from({ length: n }, (_, i) => `["${tag}${i}"]\n`).join('')), days: [1] }
}

/** A ClickHouse stand-in that refuses any INSERT whose body holds a row starting with "bad". */
function fakeClient(opts: { transientOnce?: boolean } = {}) {
  const calls: { query: string; rows: string[] }[] = []
  let transient = opts.transientOnce ?? false
  const client = {
    async exec(p: { query: string; values: AsyncIterable<Buffer> }) {
      let body = ''
      for await (const c of p.values) body += c.toString()
      const rows = body.split('\n').filter(Boolean)
      calls.push({ query: p.query, rows })
      if (transient) {
        transient = false
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      }
      if (rows.some((r) => r.startsWith('["bad'))) throw chError(27, 'Cannot parse input: expected \'[\'')
      return { stream: Readable.from([]), query_id: 'q', response_headers: {} }
    },
  } as unknown as Pick<ClickHouseClient, 'exec'>
  return { client, calls }
}
const tokenOf = (q: string) => /insert_deduplication_token = '([^']*)'/.exec(q)?.[1]

describe('insertIsolating', () => {
  it('inserts a good group in one INSERT with its token and the view deduplication setting', async () => {
    const f = fakeClient()
    const r = await insertIsolating(f.client, [rec('a'), rec('b')], { timeoutMs: 1000, token: 'seg/0', attempt: 0 })
    expect(r.refused).toEqual([])
    expect(f.calls).toHaveLength(1)
    expect(f.calls[0].query).toBe("INSERT INTO t (`id`) SETTINGS insert_deduplication_token = 'seg/0', deduplicate_blocks_in_dependent_materialized_views = 1 FORMAT JSONCompactEachRow")
    expect(f.calls[0].rows).toEqual(['["a0"]', '["b0"]'])
  })

  it('bisects a batch with a bad record: the others are stored, the bad one refused, sub-batches get derived tokens', async () => {
    const f = fakeClient()
    const refused: number[] = []
    const group = [rec('a'), rec('b'), rec('bad', 3), rec('c'), rec('d')]
    const r = await insertIsolating(f.client, group, { timeoutMs: 1000, token: 'seg/0', attempt: 0, observer: { refused: (_t, rows) => refused.push(rows) } })
    expect(r.refused.map((x) => x.index)).toEqual([2])
    expect(refused).toEqual([3])
    const stored = f.calls.filter((c) => !c.rows.some((x) => x.startsWith('["bad')))
    expect(stored.flatMap((c) => c.rows).sort()).toEqual(['["a0"]', '["b0"]', '["c0"]', '["d0"]'])
    expect(f.calls.map((c) => tokenOf(c.query))).toEqual(['seg/0', 'seg/0/0-3', 'seg/0/0-3/0-2', 'seg/0/0-3/2-3', 'seg/0/3-5'])
  })

  it('throws a transient failure for the caller to retry (nothing refused)', async () => {
    const f = fakeClient({ transientOnce: true })
    await expect(insertIsolating(f.client, [rec('a')], { timeoutMs: 1000, token: 's', attempt: 0 })).rejects.toThrow(/socket hang up/)
  })
})

describe('groupRecords', () => {
  it('groups by INSERT shape in first-appearance order', () => {
    const g = groupRecords([rec('a'), rec('x', 1, ['id', 'v']), rec('b'), { ...rec('s'), settings: { insert_allow_materialized_columns: 1 } }])
    expect(g.map((x) => x.map((r) => r.body.toString()[2]))).toEqual([['a', 'b'], ['x'], ['s']])
  })
})

describe('DirectWriter', () => {
  it('shares one INSERT among queued requests; a request ClickHouse refuses gets 400, the others are stored', async () => {
    const f = fakeClient()
    const w = new DirectWriter({ client: f.client, batchRows: 1000, maxDays: 90, timeoutMs: 0 })
    const results = await Promise.allSettled([w.write([rec('a')]), w.write([rec('bad')]), w.write([rec('b')]), w.write([rec('c')])])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    const err = (results[1] as PromiseRejectedResult).reason as WriteRefused
    expect(err).toBeInstanceOf(WriteRefused)
    expect(err.status).toBe(400)
    const stored = f.calls.filter((c) => !c.rows.some((x) => x.startsWith('["bad')))
    expect(stored.flatMap((c) => c.rows).sort()).toEqual(['["a0"]', '["b0"]', '["c0"]'])
  })

  it('rejects every request of a batch with 503 on a transient failure (nothing acknowledged)', async () => {
    const f = fakeClient({ transientOnce: true })
    const w = new DirectWriter({ client: f.client, batchRows: 1000, maxDays: 90, timeoutMs: 0 })
    const err = await w.write([rec('a')]).catch((e: unknown) => e as WriteRefused)
    expect(err).toMatchObject({ status: 503, retryAfterS: 5 })
    await w.write([rec('b')])
    expect(f.calls.at(-1)?.rows).toEqual(['["b0"]'])
  })
})
