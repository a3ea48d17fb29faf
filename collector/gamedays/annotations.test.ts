import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnnotationList } from '../../contract'
import { openTestStore } from '../../test/support/chdb-store'
import { createQueryServer } from '../query/server'
import type { ClickHouseClient } from '../storage/client'
import { chTime } from '../storage/rows'
import { annotationRoutes } from './annotations'

const H = 3_600_000
const T0 = Math.floor(Date.now() / H) * H - 6 * H
const NOW = T0 + 5 * H
const iso = (ms: number) => new Date(ms).toISOString()

const run = (id: string, state: string, started: number | null, ended: number | null, version: number, dry = 0) => ({
  id, scenario: 'sms-primary-outage-eu-west', name: `drill ${id}`, state, dry_run: dry, pages: 0, vendors: ['twilio'], blast_radius: '', created_at: chTime(T0),
  starts_at: chTime(started ?? T0), ends_at: chTime((started ?? T0) + 600_000), started_at: started === null ? null : chTime(started), ended_at: ended === null ? null : chTime(ended),
  end_reason: '', abort_requested: 0, steps: '[]', guardrails: '[]', report: '', version,
})

let client: ClickHouseClient
let close: () => Promise<void>
let server: Server
let base: string

beforeAll(async () => {
  const ch = await openTestStore('annotations')
  client = ch.client
  close = ch.close
  await client.insert({
    table: 'gameday_runs', format: 'JSONEachRow', values: [
      run('early', 'completed', T0, T0 + 600_000, 1),
      run('mid', 'running', T0 + 2 * H, null, 1),
      run('mid', 'aborted', T0 + 2 * H, T0 + 2 * H + 120_000, 2),
      run('now', 'running', T0 + 4 * H, null, 1),
      run('dry', 'completed', T0 + 2 * H, T0 + 2 * H + 60_000, 1, 1),
      run('later', 'scheduled', null, null, 1),
    ],
  })
  server = createQueryServer({ client, transport: ch.transport, now: () => NOW, extraRoutes: annotationRoutes(client, () => NOW) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await close?.()
})

const get = async (qs: string) => {
  const res = await fetch(`${base}/api/v1/annotations${qs}`)
  return { status: res.status, body: (await res.json()) as any }
}

describe('GET /api/v1/annotations', () => {
  it('lists drills overlapping the window at their latest version; running ones have no end; dry runs and unstarted runs are left out', async () => {
    const r = await get(`?from=${iso(T0 + H)}&to=${iso(NOW)}`)
    expect(r.status).toBe(200)
    expect(AnnotationList.parse(r.body).annotations).toEqual([
      { gameday_id: 'mid', scenario: 'sms-primary-outage-eu-west', name: 'drill mid', start: iso(T0 + 2 * H), end: iso(T0 + 2 * H + 120_000), state: 'aborted' },
      { gameday_id: 'now', scenario: 'sms-primary-outage-eu-west', name: 'drill now', start: iso(T0 + 4 * H), end: null, state: 'running' },
    ])
    const all = await get(`?from=${iso(T0 - H)}&to=${iso(NOW)}`)
    expect(all.body.annotations.map((a: any) => a.gameday_id)).toEqual(['early', 'mid', 'now'])
    // Default window: the last hour before now.
    expect((await get('')).body.annotations.map((a: any) => a.gameday_id)).toEqual(['now'])
  })

  it.each([
    ['?from=yesterday', 'from'],
    [`?from=${iso(NOW)}&to=${iso(T0)}`, 'from'],
    ['?to=2026-02-30T00:00:00Z', 'to'],
    ['?colour=red', 'colour'],
    [`?from=${iso(T0 - 100 * 24 * H)}&to=${iso(NOW)}`, 'from'],
  ])('%s → 400 naming %s', async (qs, parameter) => {
    const r = await get(qs)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({ code: 'invalid_parameter', parameter })
    expect(r.body.error.message).toContain(parameter)
  })

  it('a store without the runs table answers no annotations', async () => {
    await client.command({ query: 'DROP TABLE gameday_runs' })
    expect(await get(`?from=${iso(T0)}&to=${iso(NOW)}`)).toEqual({ status: 200, body: { annotations: [] } })
  })
})
