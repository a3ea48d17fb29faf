import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttackReport, Breakdown } from '../contract/security'
import { loadCollectorConfig } from '../collector/config'
import { type OpenClickHouse, openClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { tempDir } from './support/processes'
import { securityEvents } from './support/security-events'
import { serveQueryApi } from './support/query-server'

/**
 * The attack report over more than 6 hours reads the hourly rollups of migration 0081 (fed by
 * their views as the events are inserted): it must answer exactly as a short raw window over the
 * same events. Each event is stored once, as the receiver's dedup leaves it (security-api.test.ts
 * covers copies written around the receiver, which the raw reads count once).
 */

const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000
const NOW = T0 + 2 * 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()
const SHORT = `from=${iso(T0)}&to=${iso(NOW)}&step=3600`
const LONG = `from=${iso(T0 - 22 * 3_600_000)}&to=${iso(NOW)}&step=3600`

let dir: string
let ch: OpenClickHouse
let base: string
let closeServer: (() => Promise<void>) | undefined

beforeAll(async () => {
  dir = tempDir('security-attack-rollup')
  ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  await migrate(ch.client, { ttlDays: 400 })
  await ch.client.insert({ table: 'mfa_events', values: securityEvents(T0).rows, format: 'JSONEachRow' })
  ;({ base, close: closeServer } = await serveQueryApi(ch, () => NOW))
}, 120_000)

afterAll(async () => {
  await closeServer?.()
  await ch?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function attacks(query: string): Promise<AttackReport> {
  const res = await fetch(`${base}/api/v1/security/attacks?${query}`)
  const body = await res.json()
  expect(res.status, JSON.stringify(body)).toBe(200)
  return AttackReport.parse(body)
}

/** Everything but the window; the risk series from T0 on (the long window's earlier hours are checked empty). */
function answers(r: AttackReport) {
  const { window: _window, risk, risk_signals, ...rest } = r
  const fromT0 = <T extends number[]>(s: T[]) => s.filter((p) => p[0] >= T0)
  return { ...rest, risk: fromT0(risk), risk_signals: fromT0(risk_signals) }
}

describe('attack report over more than 6 hours', () => {
  it('answers from the rollups exactly as a short raw window over the same events', async () => {
    const short = await attacks(SHORT)
    const long = await attacks(LONG)
    // Not vacuous: every kind of attack, the block list and the risk series are in the short window.
    expect([short.credential_stuffing.length, short.brute_force.users.length, short.push_bombing.length, short.by_network.lockouts.length, short.revoked_session_reuse.length]).toEqual([1, 2, 1, 2, 1])
    expect(short.by_network.credential_stuffing.filter((x) => x.block_listed).map((x) => x.failures)).toEqual([3])
    expect(short.risk_signals.reduce((a, p) => a + p[1], 0)).toBeGreaterThan(0)
    const earlier = long.risk.filter((p) => p[0] < T0)
    expect([earlier.length, earlier.flatMap((p) => p.slice(1)).some((v) => v !== 0)]).toEqual([22, false])
    expect(answers(long)).toEqual(answers(short))
    // Filters narrow the rollup as they narrow raw events.
    expect(answers(await attacks(`${LONG}&client=ios`))).toEqual(answers(await attacks(`${SHORT}&client=ios`)))
  })

  it('explore breakdown over a day: latency by region and errors by client from the hourly provider rollup, as raw', async () => {
    const breakdown = async (q: string) => {
      const res = await fetch(`${base}/api/v1/explore/breakdown?${q}`)
      expect(res.status).toBe(200)
      return Breakdown.parse(await res.json())
    }
    for (const filter of ['', '&client=ios', '&user_group=workforce']) {
      const short = await breakdown(`${SHORT}${filter}`)
      const long = await breakdown(`${LONG}${filter}`)
      expect([short.source, long.source]).toEqual(['raw', 'rollup_1h'])
      expect(short.regions.length).toBeGreaterThan(0)
      expect({ regions: long.regions, clients: long.clients, queues: long.queues }).toEqual({ regions: short.regions, clients: short.clients, queues: short.queues })
    }
  })

  it('reads the rollups, not the events: with mfa_events emptied the long window still answers, the short one does not', async () => {
    const before = answers(await attacks(LONG))
    await ch.client.command({ query: 'TRUNCATE TABLE mfa_events' })
    // The revoked-session list is read raw at every length (each reuse is a row of its own).
    expect(answers(await attacks(LONG))).toEqual({ ...before, revoked_session_reuse: [] })
    const emptied = await attacks(SHORT)
    expect([emptied.credential_stuffing, emptied.by_network.push_bombing, emptied.brute_force.users]).toEqual([[], [], []])
  })
})
