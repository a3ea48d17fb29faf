import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AlertsResponse, SlosResponse } from '../contract'
import { alertingRoutes } from '../collector/alerting/api'
import { AlertEngine } from '../collector/alerting/engine'
import { loadRuleSet } from '../collector/alerting/load'
import { webhookNotifier } from '../collector/alerting/notify'
import { AlertStore } from '../collector/alerting/store'
import type { RuleSet } from '../collector/alerting/types'
import { readGuardrails } from '../collector/gamedays/readings'
import { createQueryServer } from '../collector/query/server'
import type { ClickHouseClient } from '../collector/storage/client'
import { chTime, mfaEventRow } from '../collector/storage/rows'
import { openTestStore } from './support/chdb-store'

// The alert engine over real chDB while a game day runs: three hours of healthy twilio SMS
// calls, a drill (gameday_runs, vendors [twilio], pages false) started twelve minutes before
// now, twilio failing for the last ten minutes, and a break-glass bypass the drill did not cause.
const MIN = 60_000
const NOW = Math.floor(Date.now() / MIN) * MIN - 5 * MIN
const DRILL_START = NOW - 12 * MIN
let t = NOW
const clock = () => t

let seq = 0
function rows(): ReturnType<typeof mfaEventRow>[] {
  const out: ReturnType<typeof mfaEventRow>[] = []
  for (let m = 180; m > 0; m--) {
    const outage = m <= 10
    for (let k = 0; k < 10; k++) {
      out.push(mfaEventRow({ tsMs: NOW - m * MIN + k * 1000, service: 'idp-test', attrs: {
        'event.name': 'mfa.provider.request', 'event.id': `e${++seq}`, 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.factor': 'sms', 'mfa.user_group': k < 4 ? 'admin' : 'customer',
        'mfa.region': 'eu-west', 'mfa.outcome': outage ? 'error' : 'success', 'mfa.reason': outage ? 'http_5xx' : 'ok',
      } }))
    }
  }
  out.push(mfaEventRow({ tsMs: NOW - 2 * MIN, service: 'idp-test', attrs: { 'event.name': 'mfa.bypass', 'event.id': 'bg1', 'mfa.reason': 'break_glass', 'mfa.user_group': 'admin' } }))
  return out
}

const run = (version: number, extra: Record<string, unknown> = {}) => ({
  id: 'gd-drill', scenario: 'sms-primary-outage-eu-west', name: 'SMS drill', state: 'running', dry_run: 0, pages: 0, vendors: ['twilio'], blast_radius: '',
  created_at: chTime(DRILL_START), starts_at: chTime(DRILL_START), ends_at: chTime(DRILL_START + 30 * MIN), started_at: chTime(DRILL_START), ended_at: null,
  end_reason: '', abort_requested: 0, steps: '[]', guardrails: '[]', report: '', version, ...extra,
})

/** The shipped rules, with the twilio SMS SLO leaving drills out of its budget. */
function rules(): RuleSet {
  const set = loadRuleSet()
  return { ...set, slos: set.slos.map((s) => (s.id === 'vendor-twilio-sms' ? { ...s, excludeDrills: true } : s)) }
}

let client: ClickHouseClient
let close: () => Promise<void>
let engine: AlertEngine
let server: Server
let hook: Server
let hookUrl: string
let base: string
const hooks: any[] = []

beforeAll(async () => {
  const ch = await openTestStore('alerting-drills')
  client = ch.client
  close = ch.close
  await client.insert({ table: 'mfa_events', values: rows(), format: 'JSONEachRow' })
  await client.insert({ table: 'gameday_runs', values: [run(1)], format: 'JSONEachRow' })
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      hooks.push(JSON.parse(body))
      res.end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`
  engine = new AlertEngine({ client, store: new AlertStore(client), rules: rules(), now: clock, publicUrl: 'http://collector.test', webhooks: [webhookNotifier(hookUrl, 'http://collector.test')] })
  await engine.init()
  server = createQueryServer({ client, transport: ch.transport, now: clock, extraRoutes: alertingRoutes(engine, clock) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()))
  await close?.()
})

const get = async (path: string) => (await fetch(`${base}${path}`)).json() as Promise<any>
const sent = () => hooks.flatMap((h) => h.alerts).filter((a: any) => a.status === 'firing')

describe('alerting while a game day runs', () => {
  it('drill alerts carry gameday=<id> and go out as severity drill; an alert the drill did not cause pages as usual', async () => {
    for (let i = 0; i < 3; i++, t += 30_000) await engine.tick()
    const alerts = AlertsResponse.parse(await get('/api/v1/alerts')).alerts
    const budget = alerts.find((a) => a.id === 'vendor-twilio-sms:budget-spend')!
    expect(budget).toMatchObject({ state: 'firing', severity: 'page', labels: { gameday: 'gd-drill', vendor: 'twilio', severity: 'page' } })
    expect(alerts.find((a) => a.id === 'vendor-twilio-sms:burn-1h-5m:admin')!.labels.gameday).toBe('gd-drill')
    const glass = alerts.find((a) => a.id === 'break-glass-bypass:admin')!
    expect(glass.state).toBe('firing')
    expect(glass.labels.gameday).toBeUndefined()
    const out = sent()
    const twilio = out.filter((a: any) => a.labels.vendor === 'twilio')
    expect(twilio.length).toBeGreaterThan(0)
    for (const a of twilio) expect(a.labels).toMatchObject({ severity: 'drill', drill_severity: 'page', gameday: 'gd-drill' })
    expect(twilio[0].annotations.summary).toMatch(/^\[game day gd-drill\] /)
    expect(out.find((a: any) => a.labels.alertname === 'BreakGlassBypass').labels).toMatchObject({ severity: 'page', user_group: 'admin' })
    expect(out.filter((a: any) => a.labels.severity === 'page').every((a: any) => a.labels.gameday === undefined)).toBe(true)
    // alert_history keeps the label: the report's first alert and the unrelated_page guardrail read it.
    const history = (await get('/api/v1/alerts/history?alert=vendor-twilio-sms:budget-spend')).transitions
    expect(history[0]).toMatchObject({ to: 'firing', labels: { gameday: 'gd-drill' } })
    const [unrelated] = await readGuardrails(client, [{ id: 'pages', type: 'unrelated_page' }], { id: 'gd-drill', startMs: DRILL_START }, [], t)
    expect(unrelated).toMatchObject({ value: 1, tripped: true })
  })

  it('an SLO that excludes drills shows its budget without the drill window; burn rates still see it', async () => {
    const body = SlosResponse.parse(await get('/api/v1/slos'))
    const twilio = body.slos.find((s) => s.id === 'vendor-twilio-sms')!
    expect(twilio).toMatchObject({ drills_excluded: true, excluded_drill_windows: 1, budget_remaining: 1, sli: { value: 1, status: 'ok' } })
    expect(twilio.sli.total).toBe(10 * (180 - 12))
    expect(twilio.burn_rates['5m']).toBe(2000)
    expect(twilio.user_groups.find((g) => g.user_group === 'admin')!.budget_remaining).toBe(1)
    expect(twilio.burn_down.at(-1)!.budget_remaining).toBe(1)
    const impact = body.slos.find((s) => s.id === 'mfa-provider-impact')!
    expect(impact).toMatchObject({ drills_excluded: false, excluded_drill_windows: 0 })
    expect(impact.budget_remaining!).toBeLessThan(0)
  })

  it('a drill window moved into the past is re-read: the outage minutes count against the budget again', async () => {
    // The drill is recorded as having ended a minute after it began: the outage was not the drill
    // (only that minute's 10 healthy calls stay out of the budget).
    await client.insert({ table: 'gameday_runs', values: [run(2, { state: 'completed', ended_at: chTime(DRILL_START + MIN), end_reason: 'completed' })], format: 'JSONEachRow' })
    t += 30_000
    await engine.tick()
    const twilio = SlosResponse.parse(await get('/api/v1/slos?id=vendor-twilio-sms')).slos[0]
    expect(twilio).toMatchObject({ drills_excluded: true, excluded_drill_windows: 1, sli: { total: 1790, good: 1690 } })
    expect(twilio.budget_remaining!).toBeLessThan(0)
  })

  it('a restarted engine resumes drill labels from alert_history and takes pages from the running drill', async () => {
    const mine: any[] = []
    const again = new AlertEngine({
      client, store: new AlertStore(client), rules: rules(), now: clock, publicUrl: 'http://collector.test',
      webhooks: [{ send: async (alerts) => void mine.push(...alerts) }],
      drills: async () => [{ id: 'gd-drill', scenario: 's', name: 'SMS drill', state: 'running', pages: true, vendors: ['twilio'], startMs: DRILL_START, endMs: null }],
    })
    await again.init()
    t += 30_000
    await again.tick()
    const budget = again.alerts().find((a) => a.id === 'vendor-twilio-sms:budget-spend')!
    expect(budget.labels.gameday).toBe('gd-drill')
    // The engine restarted: the twilio group's root is re-chosen; whichever it is goes out as a page now.
    const out = mine.filter((a) => a.labels.vendor === 'twilio')
    expect(out.length).toBeGreaterThan(0)
    for (const a of out) {
      expect(a.labels).toMatchObject({ gameday: 'gd-drill' })
      expect(a.labels.drill_severity).toBeUndefined()
      expect(['page', 'ticket']).toContain(a.labels.severity)
    }
    expect(out.some((a) => a.labels.severity === 'page')).toBe(true)
  })
})
