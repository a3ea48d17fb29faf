import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Expectation, Guardrail } from '../../dashboards/schema/gameday'
import { DRILL, ENDED, FIRST_FAULT, T0, drillAlerts, drillEvents, type Flow } from '../../test/fixtures/drill'
import { openTestStore } from '../../test/support/chdb-store'
import { loadRuleSet } from '../alerting/load'
import type { ClickHouseClient } from '../storage/client'
import { chTime } from '../storage/rows'
import { activeDrills, drillWindows, evaluateExpectations, judgeExpectations, judgeGuardrail, readGuardrails } from './readings'

const slos = loadRuleSet().slos
let client: ClickHouseClient
let close: () => Promise<void>
let flows: Flow[]

const run = (id: string, state: string, startedMs: number | null, endedMs: number | null, extra: Record<string, unknown> = {}, version = 1) => ({
  id, scenario: 'sms-primary-outage-eu-west', name: id, state, dry_run: 0, pages: 0, vendors: ['twilio'], blast_radius: '', created_at: chTime(T0 - 60_000),
  starts_at: chTime(T0), ends_at: chTime(T0 + 300_000), started_at: startedMs === null ? null : chTime(startedMs), ended_at: endedMs === null ? null : chTime(endedMs),
  end_reason: '', abort_requested: 0, steps: '[]', guardrails: '[]', report: '', version, ...extra,
})

beforeAll(async () => {
  const store = await openTestStore('gameday-readings')
  client = store.client
  close = store.close
  const fx = drillEvents()
  flows = fx.flows
  await client.insert({ table: 'mfa_events', values: fx.rows, format: 'JSONEachRow' })
  await client.insert({ table: 'alert_history', values: drillAlerts(), format: 'JSONEachRow' })
  await client.insert({
    table: 'gameday_runs', format: 'JSONEachRow', values: [
      run(DRILL, 'running', T0, null),
      run('gd-old', 'running', T0 - 7_200_000, null),
      run('gd-old', 'completed', T0 - 7_200_000, T0 - 6_900_000, {}, 2),
      run('gd-dry', 'running', T0, null, { dry_run: 1 }),
      run('gd-later', 'scheduled', null, null),
      run('gd-pages', 'running', T0 + 10_000, null, { pages: 1, vendors: [] }),
    ],
  })
})

afterAll(async () => {
  await close?.()
})

const NOW = T0 + 180_000
/** M1-style success of flows verified in [from, to) (verification at start + 5 s), from the fixture itself. */
const m1 = (from: number, to: number, group?: string) => {
  const fs = flows.filter((f) => f.startMs + 5_000 >= from && f.startMs + 5_000 < to && (!group || f.group === group))
  return { flows: fs.length, ok: fs.filter((f) => f.ok).length }
}

describe('drill windows for alerting', () => {
  it('lists started, non-dry runs at their latest version; activeDrills keeps the running ones', async () => {
    const all = await drillWindows(client, T0 - 86_400_000, NOW)
    expect(all.map((d) => [d.id, d.state, d.startMs, d.endMs])).toEqual([['gd-old', 'completed', T0 - 7_200_000, T0 - 6_900_000], [DRILL, 'running', T0, null], ['gd-pages', 'running', T0 + 10_000, null]])
    const active = await activeDrills(client, NOW)
    expect(active.map((d) => ({ id: d.id, pages: d.pages, vendors: d.vendors }))).toEqual([{ id: DRILL, pages: false, vendors: ['twilio'] }, { id: 'gd-pages', pages: true, vendors: [] }])
    expect((await activeDrills(client, T0 + 5_000)).map((d) => d.id)).toEqual([DRILL])
  })
})

describe('guardrails while the drill runs', () => {
  const guardrails: Guardrail[] = [
    { id: 'burn', type: 'slo_burn', slo: 'mfa-success', window: 600, max_burn_rate: 15 },
    { id: 'thin', type: 'slo_burn', slo: 'mfa-success', window: 300, max_burn_rate: 15 },
    { id: 'admins', type: 'admin_success_floor', floor: 0.95, window: 300 },
    { id: 'pages', type: 'unrelated_page' },
    { id: 'nope', type: 'slo_burn', slo: 'no-such-slo', window: 300, max_burn_rate: 1 },
  ]
  it('reads burn, admin M1 and unrelated pages from storage at now', async () => {
    const r = await readGuardrails(client, guardrails, { id: DRILL, startMs: T0 }, slos, NOW)
    // mfa-success counts login.completed (at start + 5.1 s) in [now − 10 min, now].
    const done = flows.filter((f) => f.startMs + 5_100 >= NOW - 600_000 && f.startMs + 5_100 <= NOW)
    const burn = done.filter((f) => !f.ok).length / done.length / 0.005
    const admins = m1(NOW - 300_000, NOW + 1, 'admin')
    expect(done.length).toBeGreaterThanOrEqual(20)
    expect(burn).toBeGreaterThan(15)
    expect(r[0]).toMatchObject({ id: 'burn', value: Math.round(burn * 1000) / 1000, threshold: 15, tripped: true, at: new Date(NOW).toISOString() })
    // Five minutes hold fewer than the SLO's minimum volume (20): no reading, no abort.
    expect(r[1]).toMatchObject({ id: 'thin', value: null, tripped: false })
    expect(r[2]).toMatchObject({ id: 'admins', value: Math.round((admins.ok / admins.flows) * 1000) / 1000, threshold: 0.95, tripped: admins.ok / admins.flows < 0.95 })
    // lockout-spike pages without the label; the silenced break-glass, the drill's own page and a ticket do not count.
    expect(r[3]).toMatchObject({ id: 'pages', value: 1, threshold: 0, tripped: true })
    expect(r[4]).toMatchObject({ id: 'nope', value: null, tripped: false })
    expect(r[0].description).toBe('mfa-success burn rate over 600 s stays at or below 15×')
  })
  it.each([
    ['burn at the ceiling holds', guardrails[0], 15, false],
    ['burn above it trips', guardrails[0], 15.01, true],
    ['success at the floor holds', guardrails[2], 0.95, false],
    ['success below it trips', guardrails[2], 0.949, true],
    ['no unrelated page holds', guardrails[3], 0, false],
    ['no data never trips', guardrails[2], null, false],
  ] as const)('%s', (_name, g, value, tripped) => {
    expect(judgeGuardrail(g, { value }, NOW).tripped).toBe(tripped)
  })
})

describe('expectations after the drill', () => {
  const list: Expectation[] = [
    { id: 'breaker', type: 'breaker_opens', vendor: 'twilio', within: 120 },
    { id: 'breaker-fast', type: 'breaker_opens', vendor: 'twilio', within: 10 },
    { id: 'share', type: 'fallback_share', from: { vendor: 'twilio' }, to: { vendor: 'vonage' }, min_share: 0.9, within: 60 },
    { id: 'push', type: 'fallback_share', from: { factor: 'push' }, to: { factor: 'totp' }, min_share: 0.5, within: 60 },
    { id: 'circuit-alert', type: 'alert_fires', alert: 'vendor-circuit-open', labels: { vendor: 'twilio' }, within: 180 },
    { id: 'slo-alert', type: 'alert_fires', slo: 'vendor-twilio-sms', labels: {}, within: 60 },
    { id: 'wrong-labels', type: 'alert_fires', alert: 'lockout-spike', labels: { team: 'sre' }, within: 600 },
    { id: 'admins', type: 'success_rate', user_group: 'admin', floor: 0.99 },
    { id: 'everyone', type: 'success_rate', floor: 0.5 },
    { id: 'recovery', type: 'volume_increase', event: 'mfa.recovery', min_ratio: 2, within: 300 },
  ]
  it('judges each from stored events and alert_history', async () => {
    const r = await evaluateExpectations(client, list, { id: DRILL, startMs: T0, firstFaultMs: FIRST_FAULT, endMs: ENDED })
    const by = Object.fromEntries(r.map((x) => [x.id, x]))
    expect(by.breaker).toMatchObject({ held: true, observed: 'opened 25 s after the first fault' })
    expect(by['breaker-fast']).toMatchObject({ held: false, observed: 'opened 25 s after the first fault' })
    const inMinute = flows.filter((f) => f.fellBack && f.startMs + 200 <= FIRST_FAULT + 60_000).length
    expect(by.share).toMatchObject({ held: true, observed: `100 % (${inMinute} of ${inMinute} fallbacks away from twilio) went to vonage` })
    expect(by.push).toMatchObject({ held: null, observed: 'no fallback away from push within 60 s' })
    expect(by['circuit-alert']).toMatchObject({ held: true, observed: 'VendorCircuitOpen (vendor-circuit-open:twilio) fired 90 s after the first fault' })
    expect(by['slo-alert']).toMatchObject({ held: false, observed: 'SLOBudgetSpentFast (vendor-twilio-sms:budget-spend) fired 135 s after the first fault' })
    expect(by['wrong-labels'].held).toBe(false)
    const admins = m1(T0, ENDED + 1, 'admin')
    expect(admins.ok).toBeLessThan(admins.flows)
    expect(by.admins).toMatchObject({ held: false, observed: `${Math.round((admins.ok / admins.flows) * 100_000) / 1000} % (${admins.ok} of ${admins.flows} flows succeeded)` })
    expect(by.everyone.held).toBe(true)
    expect(by.recovery).toMatchObject({ held: true, observed: '3 during vs 1 before (3×)' })
    expect(by.breaker.description).toBe('the IdP opens its breaker for twilio within 120 s of the first fault')
  })
  it('an alert that fired before the first fault does not count; no data is not judged', () => {
    const facts = { id: DRILL, startMs: T0, firstFaultMs: T0 + 200_000, endMs: ENDED }
    const data = { firings: [{ t: T0 + 95_000, alertId: 'vendor-circuit-open:twilio', ruleId: 'vendor-circuit-open', alertname: 'VendorCircuitOpen', labels: { vendor: 'twilio' } }], fallbacks: new Map(), success: new Map(), breakerOpen: new Map(), volume: new Map() }
    const [alert, success, volume] = judgeExpectations([list[4], list[7], { ...list[9], id: 'v' } as Expectation], facts, data)
    expect(alert.held).toBe(false)
    expect(success).toMatchObject({ held: null })
    expect(volume).toMatchObject({ held: null, observed: '0 during vs none before: no volume to compare' })
  })
})

describe('a store without the runs table', () => {
  it('has no drills (the alert engine keeps working)', async () => {
    await client.command({ query: 'DROP TABLE gameday_runs' })
    expect(await activeDrills(client, NOW)).toEqual([])
    expect(await drillWindows(client, T0, NOW)).toEqual([])
  })
})
