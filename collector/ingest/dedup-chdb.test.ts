import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { tempDir, until } from '../../test/support/processes'
import { insertIsolating, insertOnce, SpoolWriter } from './batcher'
import { loadCollectorConfig } from '../config'
import { MFA_EVENTS_COLUMNS } from './log-rows'
import { Spool } from './spool'
import { INSERT_FILES_DIR, INSERT_TARGETS, openWritePath, recordTargets, segmentBoot, TARGETS_FILE } from './write-path'
import { dayOfMs, encodeJsonRows, type EncodedRows } from './spool-record'

/*
 * What replay-without-double-counting rests on, checked against chDB itself: an INSERT repeated
 * with the same insert_deduplication_token is dropped by mfa_events (migration 0060's window)
 * and by the rollups its materialized views feed (deduplicate_blocks_in_dependent_materialized_views),
 * and the SpoolWriter replays a batch that was inserted but not yet deleted without doubling it.
 */
let store: TestStore
const dirs: string[] = []
beforeAll(async () => {
  store = await openTestStore('dedup')
}, 60_000)
afterAll(async () => {
  await store?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const COLUMNS = ['ts', 'event', 'event_id', 'flow_id', 'cost_micros']
const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
/** `n` events of flow `flow`, one per `stepMs` from `startMs`, each costing 1 µ (the rollups sum it). */
function events(flow: string, n: number, startMs: number, stepMs: number): EncodedRows[] {
  const rows = Array.from({ length: n }, (_, i) => [chTime(startMs + i * stepMs), 'mfa.challenge.issued', `${flow}-${i}`, flow, 1])
  return encodeJsonRows('mfa_events', COLUMNS, rows, (r) => dayOfMs(Date.parse(`${String(r[0]).replace(' ', 'T')}Z`)))
}
async function one<T>(sql: string): Promise<T> {
  const rows = await (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, T>>()
  return Object.values(rows[0])[0]
}
const counts = async (flow: string) => ({
  rows: Number(await one(`SELECT count() FROM mfa_events WHERE flow_id = '${flow}'`)),
  distinct: Number(await one(`SELECT uniqExact(event_id) FROM mfa_events WHERE flow_id = '${flow}'`)),
  // Rollups carry no flow id: each test uses its own days.
})
const rollup = async (table: string, fromMs: number, toMs: number) =>
  Number(await one(`SELECT sum(cost_micros) FROM ${table} WHERE minute >= toDateTime(${Math.floor(fromMs / 1000)}) AND minute < toDateTime(${Math.floor(toMs / 1000)})`))

const DAY = 86_400_000
// No insert timeout against chDB: its queries cannot be cancelled (InsertOptions).
const opts = { timeoutMs: 0 }

describe('insert deduplication in chDB', () => {
  it('drops a repeated token in mfa_events and in both rollups; a new token inserts again', async () => {
    const start = Date.UTC(2026, 0, 1)
    const recs = events('tok', 50, start, 60_000)
    await insertOnce(store.client, recs, { ...opts, token: 'test/tok/0' })
    await insertOnce(store.client, recs, { ...opts, token: 'test/tok/0' })
    expect(await counts('tok')).toEqual({ rows: 50, distinct: 50 })
    expect(await rollup('mfa_rollup_1m', start, start + DAY)).toBe(50)
    expect(await rollup('mfa_rollup_1h', start, start + DAY)).toBe(50)
    // The test can fail: the same rows under another token are inserted (and counted) again.
    await insertOnce(store.client, recs, { ...opts, token: 'test/tok/1' })
    expect((await counts('tok')).rows).toBe(100)
    expect(await rollup('mfa_rollup_1m', start, start + DAY)).toBe(100)
  })

  it('drops a repeated token in ingest_conflicts too (migration 0073), and every table the spool writes keeps a window', async () => {
    const start = Date.UTC(2026, 0, 2)
    const conflict = (i: number) => [chTime(start + i * 1000), 'mfa.challenge.issued', `cf-${i}`, 'idp', 'default', 1, 2, {}]
    const recs = encodeJsonRows('ingest_conflicts', ['ts', 'event', 'event_id', 'service', 'tenant', 'first_hash', 'conflict_hash', 'attributes'], [0, 1, 2].map(conflict), () => dayOfMs(start))
    const stored = async () => Number(await one(`SELECT count() FROM ingest_conflicts WHERE event_id LIKE 'cf-%'`))
    await insertOnce(store.client, recs, { ...opts, token: 'test/cf/0' })
    await insertOnce(store.client, recs, { ...opts, token: 'test/cf/0' })
    expect(await stored()).toBe(3)
    await insertOnce(store.client, recs, { ...opts, token: 'test/cf/1' })
    expect(await stored()).toBe(6)
    const windows = await (await store.client.query({
      query: `SELECT name, engine_full LIKE '%non_replicated_deduplication_window = 1000%' AS ok FROM system.tables WHERE database = currentDatabase() AND name IN ('mfa_events', 'otel_logs', 'otel_traces', 'ingest_conflicts') ORDER BY name`,
      format: 'JSONEachRow',
    })).json<{ name: string; ok: number }>()
    expect(windows.map((r) => [r.name, Number(r.ok)])).toEqual([['ingest_conflicts', 1], ['mfa_events', 1], ['otel_logs', 1], ['otel_traces', 1]])
  })

  it('every table a materialized view writes keeps insert hashes, so a replay is dropped there too', async () => {
    const views = await (await store.client.query({ query: `SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'`, format: 'JSONEachRow' })).json<{ q: string }>()
    const targets = [...new Set(views.map((v) => /\bTO\s+(?:\w+\.)?(\w+)/.exec(v.q)?.[1] ?? `(no TO in ${v.q.slice(0, 60)})`))].sort()
    expect(targets).toEqual(expect.arrayContaining(['mfa_events', 'mfa_rollup_1m', 'mfa_provider_rollup_1h', 'mfa_provider_rollup_5m']))
    const tables = await (await store.client.query({
      query: `SELECT name, engine_full LIKE '%non_replicated_deduplication_window = 1000%' AS ok FROM system.tables WHERE database = currentDatabase() AND name IN (${targets.map((t) => `'${t}'`).join(', ')}) ORDER BY name`,
      format: 'JSONEachRow',
    })).json<{ name: string; ok: number }>()
    expect(tables.map((t) => [t.name, Number(t.ok)])).toEqual(targets.map((t) => [t, 1]))
  })

  it('drops a repeated token in the provider rollups (plain counts)', async () => {
    const start = Date.UTC(2026, 0, 20)
    const cols = ['ts', 'event', 'event_id', 'provider', 'channel', 'outcome', 'cost_micros']
    const rows = Array.from({ length: 40 }, (_, i) => [chTime(start + i * 60_000), 'mfa.provider.request', `prov-${i}`, 'twilio', 'sms', 'success', 1])
    const recs = encodeJsonRows('mfa_events', cols, rows, () => dayOfMs(start))
    await insertOnce(store.client, recs, { ...opts, token: 'test/prov/0' })
    await insertOnce(store.client, recs, { ...opts, token: 'test/prov/0' })
    for (const [table, time] of [['mfa_provider_rollup_1h', 'hour'], ['mfa_provider_rollup_5m', 'bucket']]) {
      const n = Number(await one(`SELECT sum(n) FROM ${table} WHERE ${time} >= toDateTime(${start / 1000}) AND ${time} < toDateTime(${(start + DAY) / 1000})`))
      expect([table, n]).toEqual([table, 40])
    }
  })

  it('replays a batch inserted before a crash but not deleted from the spool without counting it twice', async () => {
    const dir = tempDir('dedup-spool')
    dirs.push(dir)
    const start = Date.UTC(2026, 1, 1)
    const spoolOpts = { dir, batchRows: 20_000, batchBytes: 1 << 26, batchMs: 50, maxDays: 90, fsync: true, now: () => Date.now() }
    // First process: spools two requests, inserts the segment like its inserter would, "dies" before deleting it.
    const a = await Spool.open(spoolOpts)
    await a.append(events('crash', 30, start, 60_000))
    await a.append(events('crash2', 20, start, 60_000))
    const seg = (await a.next('mfa_events', new AbortController().signal))!
    await insertIsolating(store.client, await a.read(seg), { ...opts, token: `${seg.table}/${seg.name}/0`, attempt: 0 })
    expect((await counts('crash')).rows).toBe(30)
    // Second process on the same directory: replays it, plus new data.
    const b = await Spool.open(spoolOpts)
    expect(b.backlog()).toMatchObject({ rows: 50, segments: 1 })
    const w = new SpoolWriter({ spool: b, client: store.client, maxSpoolBytes: 1 << 30, maxSpoolAgeMs: 0, now: () => Date.now(), ...opts })
    await w.write(events('after', 10, start, 60_000))
    // replayed(): what the first process acknowledged is in the tables.
    await w.replayed()
    expect((await counts('crash2')).rows).toBe(20)
    await until('spool drained', () => (w.backlog().segments === 0 ? true : undefined), 20_000)
    expect(await counts('crash')).toEqual({ rows: 30, distinct: 30 })
    expect(await counts('crash2')).toEqual({ rows: 20, distinct: 20 })
    expect(await counts('after')).toEqual({ rows: 10, distinct: 10 })
    expect(await rollup('mfa_rollup_1m', start, start + DAY)).toBe(60)
    expect(await rollup('mfa_rollup_1h', start, start + DAY)).toBe(60)
    expect(w.health().status).toBe('ok')
    await w.close(1000)
  })

  it('stores a request spanning 150 days (split inserts) and the request sharing its batch', async () => {
    const dir = tempDir('span-spool')
    dirs.push(dir)
    const start = Date.UTC(2026, 3, 1) // within the 400-day TTL
    const spool = await Spool.open({ dir, batchRows: 20_000, batchBytes: 1 << 26, batchMs: 50, maxDays: 90, fsync: true, now: () => Date.now() })
    const refused: number[] = []
    const failures: string[] = []
    const observer = { refused: (_t: string, n: number) => refused.push(n), failure: (_t: string, kind: string) => failures.push(kind) }
    const w = new SpoolWriter({ spool, client: store.client, maxSpoolBytes: 1 << 30, maxSpoolAgeMs: 0, now: () => Date.now(), ...opts, observer })
    await Promise.all([w.write(events('wide', 300, start, DAY / 2)), w.write(events('narrow', 5, start, 1000))])
    await until('spool drained', () => (w.backlog().segments === 0 ? true : undefined), 30_000)
    expect(await counts('wide')).toEqual({ rows: 300, distinct: 300 })
    expect(await counts('narrow')).toEqual({ rows: 5, distinct: 5 })
    expect(Number(await one(`SELECT uniqExact(toDate(ts)) FROM mfa_events WHERE flow_id = 'wide'`))).toBe(150)
    // Split before ClickHouse saw it: no INSERT hit the partition limit, nothing refused.
    expect(failures).toEqual([])
    expect(refused).toEqual([])
    await w.close(1000)
  })

  it('mfa_events_in takes the receiver\'s columns as mfa_events types them, LowCardinality read as String (migration 0088)', async () => {
    const types = async (table: string) => new Map((await (await store.client.query({
      query: `SELECT name, concat(type, ' ', default_kind, ' ', default_expression) AS t FROM system.columns WHERE database = currentDatabase() AND table = '${table}'`, format: 'JSONEachRow',
    })).json<{ name: string; t: string }>()).map((c) => [c.name, c.t]))
    const [stage, events] = [await types('mfa_events_in'), await types('mfa_events')]
    expect([...stage.keys()].sort()).toEqual([...MFA_EVENTS_COLUMNS].sort())
    // mfa_events spells out some defaults that are the type's own anyway ('' for a String, 0).
    const plain = (t: string) => t.replace(/LowCardinality\(String\)/g, 'String').replace(/ DEFAULT (''|0)$/, '  ').trimEnd()
    for (const c of MFA_EVENTS_COLUMNS) expect(`${c} ${plain(stage.get(c)!)}`).toBe(`${c} ${plain(events.get(c)!)}`)
  })

  it('inserts through mfa_events_in from a file as the embedded write path does: the same rows, a repeated token dropped downstream', async () => {
    const dir = tempDir('infile')
    dirs.push(dir)
    const start = Date.UTC(2026, 0, 3)
    const recs = events('staged', 40, start, 60_000)
    const staged = { ...opts, targets: INSERT_TARGETS, fileDir: dir }
    // What reached chDB: the staging table, rows read from a file.
    const queries: string[] = []
    const client = { exec: (p: Parameters<typeof store.client.exec>[0]) => (queries.push(p.query), store.client.exec(p)) }
    await insertOnce(client, recs, { ...staged, token: 'test/staged/0' })
    expect(queries).toHaveLength(1)
    expect(queries[0]).toMatch(new RegExp(`^INSERT INTO mfa_events_in \\(.*\\) FROM INFILE '${dir}/[^']+' SETTINGS insert_deduplication_token = 'test/staged/0'.* FORMAT JSONCompactEachRow$`))
    await insertOnce(store.client, recs, { ...staged, token: 'test/staged/0' })
    expect(await counts('staged')).toEqual({ rows: 40, distinct: 40 })
    expect(await rollup('mfa_rollup_1m', start, start + DAY)).toBe(40)
    expect(await rollup('mfa_rollup_1h', start, start + DAY)).toBe(40)
    // Stored exactly as a direct insert stores them.
    const direct = events('direct', 40, start + DAY, 60_000)
    await insertOnce(store.client, direct, { ...opts, token: 'test/direct/0' })
    const rows = (flow: string) => store.client.query({ query: `SELECT ts, event, replaceOne(event_id, '${flow}', '') AS id, cost_micros, tenant, attributes FROM mfa_events WHERE flow_id = '${flow}' ORDER BY id`, format: 'JSONEachRow' }).then((r) => r.json<Record<string, unknown>>())
    const shift = (r: Record<string, unknown>) => ({ ...r, ts: undefined })
    expect((await rows('staged')).map(shift)).toEqual((await rows('direct')).map(shift))
    expect(readdirSync(dir)).toEqual([])
    // The test can fail: another token is inserted again.
    await insertOnce(store.client, recs, { ...staged, token: 'test/staged/1' })
    expect((await counts('staged')).rows).toBe(80)
  })

  it('replays what an earlier process left where that process inserted it: before 0088 into mfa_events, since then through mfa_events_in', async () => {
    const config = (dataDir: string) => loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir, batchMs: 50 })
    const now = () => Date.now()
    // `flow` spooled and inserted by a first process, which dies before deleting the segment. With
    // `targets` it is a collector of 0088 on (it recorded them), without one from before.
    const crashed = async (flow: string, dataDir: string, startMs: number, targets?: Readonly<Record<string, string>>) => {
      const spool = await Spool.open({ dir: join(dataDir, 'spool'), batchRows: 20_000, batchBytes: 1 << 26, batchMs: 50, maxDays: 90, fsync: true, now })
      if (targets) await recordTargets(join(dataDir, 'spool'), spool.bootId, targets, new Set())
      await spool.append(events(flow, 25, startMs, 60_000))
      const seg = (await spool.next('mfa_events', new AbortController().signal))!
      await insertIsolating(store.client, await spool.read(seg), { ...opts, targets, token: `${seg.table}/${seg.name}/0`, attempt: 0 })
      expect((await counts(flow)).rows).toBe(25)
      return seg
    }
    const restart = async (dataDir: string) => {
      const w = await openWritePath({ config: config(dataDir), client: store.client, now })
      await w.replayed()
      await w.close(1000)
      return JSON.parse(readFileSync(join(dataDir, 'spool', TARGETS_FILE), 'utf8')) as unknown
    }
    const start = Date.UTC(2026, 2, 1)

    // A spool from before 0088 has no targets file: its segments go to mfa_events as they did.
    const old = tempDir('old-spool')
    dirs.push(old)
    await crashed('old', old, start)
    expect(Object.values(await restart(old) as object)).toEqual([INSERT_TARGETS])
    expect(await counts('old')).toEqual({ rows: 25, distinct: 25 })
    expect(await rollup('mfa_rollup_1m', start, start + DAY)).toBe(25)

    // A process of this version records where its segments go; the next start replays them there.
    const now0088 = tempDir('new-spool')
    dirs.push(now0088)
    await restart(now0088)
    const mine = await crashed('new', now0088, start + DAY, INSERT_TARGETS)
    const recorded = await restart(now0088)
    expect(await counts('new')).toEqual({ rows: 25, distinct: 25 })
    expect(await rollup('mfa_rollup_1m', start + DAY, start + 2 * DAY)).toBe(25)
    expect(readdirSync(join(now0088, 'spool', INSERT_FILES_DIR))).toEqual([])
    // The processes whose segments were there at the start keep their entry, plus the new one;
    // the first start's entry (no segment left) is gone.
    expect(Object.keys(recorded as object)).toHaveLength(2)
    expect((recorded as Record<string, unknown>)[segmentBoot(mine.name)]).toEqual(INSERT_TARGETS)
    expect(Object.keys(await restart(now0088) as object)).toHaveLength(1)

    // A start that dies before replaying an older collector's segment does not make it look like its own.
    const twice = tempDir('twice-spool')
    dirs.push(twice)
    const left = await crashed('twice', twice, start + 3 * DAY)
    await recordTargets(join(twice, 'spool'), 'a-start-that-died', INSERT_TARGETS, new Set([segmentBoot(left.name)]))
    await restart(twice)
    expect(await counts('twice')).toEqual({ rows: 25, distinct: 25 })

    // The test can fail: a replay through the other table is not recognised (its token reaches mfa_events derived).
    const wrong = tempDir('wrong-spool')
    dirs.push(wrong)
    await crashed('wrong', wrong, start + 2 * DAY)
    const spool = await Spool.open({ dir: join(wrong, 'spool'), batchRows: 20_000, batchBytes: 1 << 26, batchMs: 50, maxDays: 90, fsync: true, now })
    const w = new SpoolWriter({ spool, client: store.client, maxSpoolBytes: 1 << 30, maxSpoolAgeMs: 0, now, ...opts, targets: INSERT_TARGETS })
    await w.replayed()
    await w.close(1000)
    expect((await counts('wrong')).rows).toBe(50)
  })

  it('stores every column given to mfa_events_in as mfa_events stores it given directly (the view lists them all)', async () => {
    const typed = await (await store.client.query({
      query: "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'mfa_events_in' ORDER BY position", format: 'JSONEachRow',
    })).json<{ name: string; type: string }>()
    // A value unlike any default, by type.
    const value = (name: string, type: string): unknown => {
      if (type.startsWith('DateTime64')) return '2026-01-04 05:06:07.089'
      if (type.startsWith('Map')) return { [`k_${name}`]: `v_${name}` }
      if (type.includes('Int')) return 7
      return `v_${name}`
    }
    const columns = typed.map((c) => c.name)
    const row = (id: string) => typed.map((c) => (c.name === 'event_id' ? id : value(c.name, c.type)))
    const day = () => dayOfMs(Date.UTC(2026, 0, 4))
    await insertOnce(store.client, encodeJsonRows('mfa_events', columns, [row('rt-staged')], day), { ...opts, targets: INSERT_TARGETS, token: 'test/rt/staged' })
    await insertOnce(store.client, encodeJsonRows('mfa_events', columns, [row('rt-direct')], day), { ...opts, token: 'test/rt/direct' })
    const read = async (id: string) => (await (await store.client.query({
      query: `SELECT ${columns.filter((c) => c !== 'event_id').join(', ')} FROM mfa_events WHERE event_id = '${id}'`, format: 'JSONEachRow',
    })).json<Record<string, unknown>>())
    const staged = await read('rt-staged')
    expect(staged).toHaveLength(1)
    expect(staged).toEqual(await read('rt-direct'))
    // No column kept its default on the way through.
    for (const c of columns.filter((x) => x !== 'event_id')) expect(JSON.stringify(staged[0][c])).toContain(c === 'ts' ? '2026-01-04' : typeof value(c, typed.find((t) => t.name === c)!.type) === 'number' ? '7' : c)
  })
})
