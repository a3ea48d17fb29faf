import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatedEvents } from '../../test/support/generated-events'
import { openTestStore, type TestStore } from '../../test/support/chdb-store'
import { migrate } from './migrate'

/**
 * The sub-processor rollup exists twice (0082 hourly, 0090 five-minute); SQL cannot share their
 * column lists, so this ties them: same columns and types after the time column, and the same
 * totals once events are stored, whether the views wrote them or 0090's backfill did.
 */

let store: TestStore
const H = 3_600_000
const FROM = Date.UTC(2026, 10, 2)

beforeAll(async () => {
  store = await openTestStore('fw-provider-rollups-')
  await store.client.insert({ table: 'mfa_events', values: generatedEvents({ fromMs: FROM, toMs: FROM + 6 * H, flows: 600, seed: 11 }), format: 'JSONEachRow' })
}, 120_000)
afterAll(async () => { await store?.close() })

async function rows<T>(query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>()
}

describe('provider rollups, hourly and five-minute', () => {
  it('have the same columns and types after their time column', async () => {
    const cols = (table: string) => rows<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${table}' ORDER BY position`)
    const [hourly, fine] = await Promise.all([cols('mfa_provider_rollup_1h'), cols('mfa_provider_rollup_5m')])
    expect(hourly[0]).toEqual({ name: 'hour', type: "DateTime('UTC')" })
    expect(fine[0]).toEqual({ name: 'bucket', type: "DateTime('UTC')" })
    expect(fine.slice(1)).toEqual(hourly.slice(1))
  })

  const per = (table: string, time: string) => rows(`
SELECT toStartOfHour(${time}) AS h, event, provider, channel, outcome, reason, sum(n) AS n, sum(with_latency) AS wl, sum(cost_micros) AS cost,
  quantilesIfMerge(0.5, 0.95, 0.99)(latency) AS q
FROM ${table} GROUP BY h, event, provider, channel, outcome, reason ORDER BY h, event, provider, channel, outcome, reason`)

  it('hold the same counts, costs and latency quantiles per hour', async () => {
    const [hourly, fine] = await Promise.all([per('mfa_provider_rollup_1h', 'hour'), per('mfa_provider_rollup_5m', 'bucket')])
    expect(hourly.length).toBeGreaterThan(20)
    expect(fine).toEqual(hourly)
  })

  it('0090 fills the five-minute table from events stored before it (its backfill), once', async () => {
    await store.client.command({ query: 'DROP VIEW mfa_provider_rollup_5m_mv' })
    await store.client.command({ query: 'DROP TABLE mfa_provider_rollup_5m' })
    await store.client.command({ query: 'ALTER TABLE schema_migrations DELETE WHERE version IN (90, 91) SETTINGS mutations_sync = 2' })
    expect(await migrate(store.client, { ttlDays: 400 })).toEqual([90, 91])
    const [hourly, fine] = await Promise.all([per('mfa_provider_rollup_1h', 'hour'), per('mfa_provider_rollup_5m', 'bucket')])
    expect(hourly.length).toBeGreaterThan(20)
    expect(fine).toEqual(hourly)
  })
})
