import { rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse, type OpenClickHouse } from '../collector/storage/client'
import { tempDir } from './support/processes'

/*
 * Ingest and queries on separate connections (issue 11: a 2.1 s dashboard query delayed a
 * 1-row insert by 2.1 s). A panel query that takes seconds (sleep, parameterized like the
 * query API's) runs on the query client; a 1-row insert on the ingest client must complete
 * while it is still running. The same pair on ONE client shows the insert queued behind the
 * query — the failure this guards against, so the test can tell the two apart.
 */

let ch: OpenClickHouse
let dir: string

beforeAll(async () => {
  dir = tempDir('conns')
  // One query connection, so the control below shares a single chDB connection (the default
  // query client is a pool, collector/storage/chdb-pool.ts, tested on its own).
  ch = await openClickHouse(loadCollectorConfig({ CHDB_QUERY_CONNECTIONS: '1' }, { dataDir: dir }))
  await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS probe (n UInt32) ENGINE = MergeTree ORDER BY n' })
})
afterAll(async () => {
  await ch.close()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * Completion order of a slow parameterized query (2 s) on `q` and a 1-row insert on `ins` started
 * while it runs, and how long the insert took.
 */
async function race(q: OpenClickHouse['client'], ins: OpenClickHouse['client']): Promise<{ order: string[]; insertMs: number }> {
  const done: string[] = []
  // This race's own query: another test's sleep in the same engine must not start the insert early.
  const tag = `race-${Math.random().toString(36).slice(2)}`
  let started!: () => void
  const running = new Promise<void>((r) => (started = r))
  const slow = (async () => {
    const rs = q.query({ query: `SELECT sleep({s:Float64}) AS s, '${tag}' AS tag`, query_params: { s: 2 }, format: 'JSONEachRow' })
    started()
    await (await rs).json()
    done.push('query')
  })()
  await running
  // Send the insert only once the query is running in the engine (a fixed delay lost the race
  // with the whole suite beside it); asked on the other connection, which the query does not hold.
  const other = q === ch.client ? ch.ingest : ch.client
  for (let t0 = Date.now(); Date.now() - t0 < 10_000;) {
    const rs = await other.query({ query: `SELECT count() AS n FROM system.processes WHERE query LIKE '%${tag}%' AND query NOT LIKE '%system.processes%'`, format: 'JSONEachRow' })
    if (Number(((await rs.json()) as { n: string | number }[])[0].n) > 0) break
    await new Promise((r) => setTimeout(r, 50))
  }
  await new Promise((r) => setTimeout(r, 100))
  const sent = performance.now()
  let insertMs = 0
  const insert = (async () => {
    const res = await ins.exec({ query: 'INSERT INTO probe (n) FORMAT TabSeparated', values: Readable.from([Buffer.from('1\n')]) })
    insertMs = performance.now() - sent
    res.stream.resume()
    done.push('insert')
  })()
  await Promise.all([slow, insert])
  return { order: done, insertMs }
}

describe('separate ClickHouse connections for ingest and queries', () => {
  it('a slow panel query on the query connection does not hold an insert on the ingest connection', async () => {
    expect((await race(ch.client, ch.ingest)).order).toEqual(['insert', 'query'])
    const rs = await ch.ingest.query({ query: 'SELECT toUInt32(count()) AS n FROM probe', format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([{ n: 1 }])
  })

  it('(control) one shared connection queues the insert behind the query', async () => {
    // Both finish together, in either order as the event loop sees them; the insert waited for
    // the rest of the 2 s sleep (sent at most ~0.5 s into it), which no insert alone takes.
    expect((await race(ch.client, ch.client)).insertMs).toBeGreaterThan(1_000)
  })
})
