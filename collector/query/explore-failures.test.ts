import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { mfaEventRow } from '../storage/rows'
import { FAILURES_LOOKBACK_MS, parseFailuresRequest, runFailures } from './explore'

/**
 * The failures list looks back from `to` over an hour, a day, then the whole window: whichever
 * span it stops at, it must list the same newest failures a read of the whole window would.
 */

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0)
const H = 3_600_000
let store: TestStore

const failure = (id: string, at: number) => mfaEventRow({ tsMs: at, service: 'test-idp', attrs: { 'event.name': 'mfa.challenge.verified', 'event.id': id, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.factor': 'totp', 'mfa.flow_id': `flow-${id}` } })
/** 4 failures in the last hour (one 50 min back), 4 more in the last day, 5 older; the newest is stored twice. */
const AT: Record<string, number> = {
  ...Object.fromEntries([1, 2, 3, 5].map((i) => [`h${i}`, NOW - i * 10 * 60_000])),
  ...Object.fromEntries([1, 2, 3, 4].map((i) => [`d${i}`, NOW - i * 5 * H])),
  ...Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`o${i}`, NOW - (24 + i * 30) * H])),
}
const newestFirst = Object.entries(AT).sort((a, b) => b[1] - a[1]).map(([id]) => id)

beforeAll(async () => {
  store = await openTestStore('fw-explore-failures-')
  const rows = Object.entries(AT).map(([id, at]) => failure(id, at))
  await store.client.insert({ table: 'mfa_events', values: rows, format: 'JSONEachRow' })
  await store.client.insert({ table: 'mfa_events', values: [failure('h1', AT.h1)], format: 'JSONEachRow' })
}, 60_000)
afterAll(async () => { await store?.close() })

async function list(limit: number, days = 30) {
  const p = parseFailuresRequest(new URLSearchParams({ from: new Date(NOW - days * 24 * H).toISOString(), to: new Date(NOW).toISOString(), limit: String(limit) }), NOW)
  if (!p.ok) throw new Error(p.error.message)
  const r = await runFailures(store.client, p.value)
  return { ids: r.events.map((e) => e.flow_id!.replace('flow-', '')), total: r.total }
}

describe('failed challenges, newest first', () => {
  it('looks back an hour, then a day, then the whole window', () => {
    expect(FAILURES_LOOKBACK_MS).toEqual([H, 24 * H])
  })

  it('lists the newest `limit` failures whichever span holds them, each once', async () => {
    expect(await list(2)).toEqual({ ids: newestFirst.slice(0, 2), total: 13 }) // the last hour has them
    expect(await list(4)).toEqual({ ids: newestFirst.slice(0, 4), total: 13 })
    expect(await list(6)).toEqual({ ids: newestFirst.slice(0, 6), total: 13 }) // the last day
    expect(await list(10)).toEqual({ ids: newestFirst.slice(0, 10), total: 13 }) // the whole window
    expect(await list(50)).toEqual({ ids: newestFirst, total: 13 })
  })

  it('stays inside a window shorter than a look-back span (the failure 50 min back is outside)', async () => {
    const p = parseFailuresRequest(new URLSearchParams({ from: new Date(NOW - 40 * 60_000).toISOString(), to: new Date(NOW).toISOString(), limit: '10' }), NOW)
    if (!p.ok) throw new Error(p.error.message)
    expect((await runFailures(store.client, p.value)).events.map((e) => e.flow_id)).toEqual(['flow-h1', 'flow-h2', 'flow-h3'])
  })
})
