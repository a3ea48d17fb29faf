import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GameDayReport } from '../../contract'
import { ScenarioFile } from '../../dashboards/schema/gameday'
import { ENDED, FIRST_FAULT, REVERTED, T0, drillAlerts, drillEvents, drillRun, type Flow } from '../../test/fixtures/drill'
import { openTestStore } from '../../test/support/chdb-store'
import { loadRuleSet } from '../alerting/load'
import type { ClickHouseClient } from '../storage/client'
import { buildReport, findRecovery, reportMarkdown } from './report'

const scenario = ScenarioFile.parse({
  version: 1, id: 'sms-primary-outage-eu-west', name: 'SMS primary vendor outage in eu-west', hypothesis: 'Twilio fails; the breaker opens and Vonage carries SMS.\n',
  blast_radius: { regions: ['eu-west'] },
  steps: [{ id: 'twilio-sms-down', target: 'idp', fault: 'error', vendor: 'twilio', channel: 'sms', region: 'eu-west', duration: '5m' }],
  expectations: [
    { type: 'breaker_opens', vendor: 'twilio', within: '2m' },
    { type: 'alert_fires', alert: 'vendor-circuit-open', labels: { vendor: 'twilio' }, within: '3m' },
    { type: 'success_rate', user_group: 'admin', floor: 0.99 },
  ],
})
// mfa-success leaves drills out of its budget in this test (the vendor SLOs do in slos.yaml).
const slos = loadRuleSet().slos.map((s) => (s.id === 'mfa-success' ? { ...s, excludeDrills: true } : s))
const iso = (ms: number) => new Date(ms).toISOString()

let client: ClickHouseClient
let close: () => Promise<void>
let flows: Flow[]
let report: GameDayReport

beforeAll(async () => {
  const store = await openTestStore('gameday-report')
  client = store.client
  close = store.close
  const fx = drillEvents()
  flows = fx.flows
  await client.insert({ table: 'mfa_events', values: fx.rows, format: 'JSONEachRow' })
  await client.insert({ table: 'alert_history', values: drillAlerts(), format: 'JSONEachRow' })
  report = GameDayReport.parse(await buildReport(client, drillRun(), scenario, slos, ENDED + 3_600_000))
})

afterAll(async () => {
  await close?.()
})

describe('game-day report from stored events', () => {
  it('timeline: fault, first symptom, fallback, breaker, first alert of the drill, recovery, revert, end', () => {
    expect(report.timeline.map((t) => [t.kind, t.at])).toEqual([
      ['started', iso(T0)],
      ['fault_applied', iso(FIRST_FAULT)],
      ['first_symptom', iso(T0 + 20_100)],
      ['fallback', iso(T0 + 20_200)],
      ['breaker_open', iso(T0 + 30_000)],
      ['first_alert', iso(T0 + 95_000)],
      ['recovery', iso(T0 + 120_000)],
      ['fault_reverted', iso(REVERTED)],
      ['ended', iso(ENDED)],
    ])
    expect(report.timeline[2].detail).toBe('mfa.provider.request twilio: http_5xx')
    expect(report.timeline[3].detail).toBe('first successful fallback twilio → vonage')
    // LockoutSpike fired earlier but carries no gameday label: not the drill's first alert.
    expect(report.timeline[5].detail).toBe('VendorCircuitOpen (vendor-circuit-open:twilio)')
  })

  it('time to detect = first fault → first drill alert; time to fail over = first fault → first successful fallback', () => {
    expect(report.time_to_detect_seconds).toBe(90)
    expect(report.time_to_failover_seconds).toBe(15.2)
  })

  it('budget spent per SLO the drill hurt, marking the SLO that excludes drills', () => {
    const by = Object.fromEntries(report.budget_spent.map((b) => [b.slo, b]))
    expect(Object.keys(by).sort()).toEqual(['mfa-fallback', 'mfa-provider-impact', 'mfa-success', 'vendor-twilio-sms'])
    const twilio = slos.find((s) => s.id === 'vendor-twilio-sms')!
    // The budget is the SLO window's (28 d) ending at the drill's end: twilio calls at start + 0.1 s, sign-ins ending at start + 5.1 s.
    const bad = flows.filter((f) => f.fellBack).length
    const calls = flows.filter((f) => f.startMs + 100 <= ENDED).length
    expect(by['vendor-twilio-sms']).toEqual({ slo: 'vendor-twilio-sms', fraction: Math.round((bad / (calls * (1 - twilio.objective / 100))) * 1000) / 1000, excluded: true })
    expect(by['mfa-provider-impact'].excluded).toBe(false)
    const failed = flows.filter((f) => !f.ok).length
    const logins = flows.filter((f) => f.startMs + 5_100 <= ENDED).length
    expect(by['mfa-success']).toEqual({ slo: 'mfa-success', fraction: Math.round((failed / (logins * 0.005)) * 1000) / 1000, excluded: true })
  })

  it('users and flows affected per user group', () => {
    const seen = flows.filter((f) => [0, 100, 300, 5_000, 5_100].some((d) => f.startMs + d >= FIRST_FAULT && f.startMs + d <= ENDED))
    const want = ['admin', 'customer', 'workforce'].map((g) => {
      const mine = seen.filter((f) => f.group === g)
      const failed = mine.filter((f) => f.failedStep)
      return { user_group: g, users: new Set(failed.map((f) => f.user)).size, flows: mine.length, failed_flows: failed.length }
    })
    expect(want.reduce((a, w) => a + w.failed_flows, 0)).toBe(flows.filter((f) => f.failedStep).length)
    expect(report.affected).toEqual(want)
  })

  it('expectations and chart links', () => {
    expect(report.expectations.map((e) => [e.id, e.held])).toEqual([['breaker-opens-twilio', true], ['alert-fires-vendor-circuit-open', true], ['success-rate-admin', false]])
    const range = `from=${encodeURIComponent(iso(T0 - 300_000))}&to=${encodeURIComponent(iso(ENDED + 300_000))}`
    expect(report.charts).toEqual([
      { title: 'SLOs and error budgets', href: '/slos' },
      { title: 'Sub-processor twilio', href: `/subprocessors?vendor=twilio&${range}` },
      { title: 'Alerts during the drill', href: `/alerts?${range}` },
      { title: 'Failed challenges and flows', href: `/explore?${range}` },
    ])
    expect(report.hypothesis).toBe('Twilio fails; the breaker opens and Vonage carries SMS.')
  })

  it('Markdown download', () => {
    const md = reportMarkdown(report, drillRun())
    expect(md).toContain('# Game day: SMS primary vendor outage in eu-west')
    expect(md).toContain('- Time to detect (first fault → first alert of the drill): 90 s')
    expect(md).toContain('- Time to fail over (first fault → first successful fallback): 15.2 s')
    expect(md).toContain('| the IdP opens its breaker for twilio within 120 s of the first fault | held | opened 25 s after the first fault |')
    expect(md).toMatch(/\| mfa-success \| [\d.]+ % \| no \(the SLO excludes drills\) \|/)
    expect(md).toContain(`| ${iso(T0 + 95_000)} | first alert | VendorCircuitOpen (vendor-circuit-open:twilio) |`)
  })
})

describe('recovery (pure)', () => {
  const m = (minute: number, ok: number, n: number) => ({ b: T0 + minute * 60_000, ok, n })
  const before = Array.from({ length: 30 }, (_, i) => m(-30 + i, 10, 10))
  it.each([
    ['dip then back', [...before, m(0, 2, 10), m(1, 10, 10)], T0 + 1000, T0 + 60_000],
    ['never dipped', [...before, m(0, 10, 10), m(1, 10, 10)], T0 + 1000, null],
    ['never came back', [...before, m(0, 2, 10), m(1, 5, 10)], T0 + 1000, null],
    ['thin minutes do not count', [...before, m(0, 2, 10), m(1, 2, 2), m(2, 10, 10)], T0 + 1000, T0 + 120_000],
    ['no symptom, no recovery', [...before, m(0, 2, 10), m(1, 10, 10)], null, null],
  ] as const)('%s', (_name, rows, symptom, want) => {
    expect(findRecovery(rows, T0, symptom).at).toBe(want)
  })
  it('without enough sign-ins before the drill the baseline is 99 %', () => {
    expect(findRecovery([m(0, 1, 2)], T0, T0).baseline).toBe(0.99)
  })
})
