import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { mfaEventRow } from '../storage/rows'
import { circuitsSql } from './providers'
import { runSql } from './run'

/** Circuit transitions are read without FINAL: a stored copy must still count once. */

const T0 = Date.UTC(2026, 10, 2, 12, 0, 0)
const MIN = 60_000
let store: TestStore

const transition = (id: string, at: number, from: string, to: string, reason: string) =>
  mfaEventRow({ tsMs: at, service: 'test-idp', attrs: { 'event.name': 'mfa.circuit.changed', 'event.id': id, 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.circuit_from_state': from, 'mfa.circuit_state': to, 'mfa.reason': reason } })

beforeAll(async () => {
  store = await openTestStore('fw-circuits-')
  const rows = [transition('c1', T0 - 5 * MIN, 'closed', 'open', 'failure_threshold'), transition('c2', T0 + 10 * MIN, 'open', 'half_open', 'cooldown_elapsed')]
  // Two inserts of the same rows: the second as a re-delivery that slipped past the receiver.
  for (const token of ['a', 'b']) await store.client.insert({ table: 'mfa_events', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: token } })
})
afterAll(async () => { await store?.close() })

describe('circuits', () => {
  it('a stored copy of a transition is counted and listed once', async () => {
    expect(Number((await runSql(store.client, { query: "SELECT count() AS n FROM mfa_events WHERE event = 'mfa.circuit.changed'", params: {} }))[0].n)).toBe(4)
    const [row] = await runSql(store.client, circuitsSql({ window: { fromMs: T0, toMs: T0 + 60 * MIN, stepS: 60 } }))
    expect(row).toMatchObject({ provider: 'twilio', state: 'half_open', transitions_n: 1 })
    expect(row.transitions).toEqual([[T0 + 10 * MIN, 'open', 'half_open', 'cooldown_elapsed']])
  })
})
