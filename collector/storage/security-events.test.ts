import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_NAMES } from '../../contract/enums'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { SECURITY_EVENTS } from '../query/sql'
import { loadMigrations } from './migrate'
import { mfaEventRow } from './rows'

/**
 * mfa_security_events (migration 0087): the security reports read their rare events there, so it
 * must hold exactly those events, every column they read, and copies as mfa_events keeps them.
 */

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0)
let store: TestStore
const rows = <T>(query: string) => store.client.query({ query, format: 'JSONEachRow' }).then((r) => r.json<T>())

/** One event of every name in the contract, with the attributes the reports take columns from. */
const everyEvent = EVENT_NAMES.map((name, i) => mfaEventRow({
  tsMs: T0 + i * 1000, service: 'test-idp',
  attrs: { 'event.name': name, 'event.id': `se-${i}`, 'mfa.user_hash': `u${i}`, 'mfa.network': '203.0.113.0/24', 'mfa.request_id': `req-${i}`, 'mfa.risk_signals': 'new_country', 'mfa.approver_hash': 'a1', 'mfa.reason': 'requested' },
}))

beforeAll(async () => {
  store = await openTestStore('fw-security-events-')
  await store.client.insert({ table: 'mfa_events', values: everyEvent, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'se/0', deduplicate_blocks_in_dependent_materialized_views: 1 } })
}, 60_000)
afterAll(async () => { await store?.close() })

const stored = () => rows<{ event: string; event_id: string; network: string; request_id: string; risk_signals: string; approver: string; user_hash: string }>(
  "SELECT event, event_id, network, request_id, risk_signals, attributes['mfa.approver_hash'] AS approver, user_hash FROM mfa_security_events ORDER BY event, event_id")

describe('mfa_security_events', () => {
  it('lists the same events as SECURITY_EVENTS in its view and its backfill', () => {
    const sql = readFileSync(new URL('./migrations/0087_security_events.sql', import.meta.url), 'utf8')
    const lists = [...sql.matchAll(/WHERE event IN \(([^)]*)\)/g)].map((m) => m[1].split(',').map((s) => s.trim().replace(/^'|'$/g, '')).sort())
    expect(lists).toEqual([[...SECURITY_EVENTS].sort(), [...SECURITY_EVENTS].sort()])
    for (const e of SECURITY_EVENTS) expect(EVENT_NAMES).toContain(e)
  })

  it('receives exactly the security events of an insert, with the columns mfa_events materializes', async () => {
    const got = await stored()
    expect(got.map((r) => r.event)).toEqual([...SECURITY_EVENTS].sort())
    const raw = await rows<{ event_id: string; network: string; request_id: string; risk_signals: string }>(
      `SELECT event_id, network, request_id, risk_signals FROM mfa_events WHERE event IN (${SECURITY_EVENTS.map((e) => `'${e}'`).join(',')}) ORDER BY event, event_id`)
    expect(got.map(({ event_id, network, request_id, risk_signals }) => ({ event_id, network, request_id, risk_signals }))).toEqual(raw)
    expect(got.every((r) => r.network === '203.0.113.0/24' && r.approver === 'a1' && r.user_hash !== '')).toBe(true)
  })

  it('drops a replayed insert (same token) as mfa_events does, and keeps a copy sent under another token', async () => {
    // A background merge may fold a copy into its original (same key): the newest insert time
    // tells whether the copy was stored, since the merge keeps the newest version.
    const state = async () => (await rows<{ n: string; last: string }>("SELECT count() AS n, max(inserted_at) AS last FROM mfa_security_events WHERE event_id LIKE 'se-%'"))[0]
    const first = await state()
    await store.client.insert({ table: 'mfa_events', values: everyEvent, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'se/0', deduplicate_blocks_in_dependent_materialized_views: 1 } })
    expect(await state()).toEqual(first)
    expect(Number(first.n)).toBe(SECURITY_EVENTS.length)
    await store.client.insert({ table: 'mfa_events', values: everyEvent, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'se/1', deduplicate_blocks_in_dependent_materialized_views: 1 } })
    expect((await state()).last > first.last).toBe(true)
    expect(Number((await rows<{ n: string }>("SELECT count() AS n FROM mfa_security_events FINAL WHERE event_id LIKE 'se-%'"))[0].n)).toBe(SECURITY_EVENTS.length)
  })

  it('backfills events stored before the migration; running it again adds only copies the readers drop', async () => {
    // As on a store made before 0087: neither the table nor its view exists when it runs.
    await store.client.command({ query: 'DROP VIEW mfa_security_events_mv' })
    await store.client.command({ query: 'DROP TABLE mfa_security_events' })
    const m = loadMigrations({ ttlDays: 400 }).find((x) => x.version === 87)!
    const ids = async () => (await rows<{ id: string }>('SELECT event_id AS id FROM mfa_security_events FINAL ORDER BY id')).map((r) => r.id)
    for (const q of m.statements) await store.client.command({ query: q })
    // Copies may already be merged away (same key, ReplacingMergeTree): each event at least once.
    const want = everyEvent.filter((r) => (SECURITY_EVENTS as readonly string[]).includes(r.event)).map((r) => r.event_id).sort()
    expect(await ids()).toEqual(want)
    for (const q of m.statements) await store.client.command({ query: q })
    expect(await ids()).toEqual(want)
  })
})
