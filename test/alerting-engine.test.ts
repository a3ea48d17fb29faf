import { rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AlertsResponse, SlosResponse } from '../contract'
import { loadCollectorConfig } from '../collector/config'
import { alertingRoutes } from '../collector/alerting/api'
import { AlertEngine } from '../collector/alerting/engine'
import { loadRuleSet } from '../collector/alerting/load'
import { webhookNotifier } from '../collector/alerting/notify'
import { AlertStore } from '../collector/alerting/store'
import { createQueryServer } from '../collector/query/server'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { mfaEventRow } from '../collector/storage/rows'
import { tempDir } from './support/processes'

// The engine over real chDB with the shipped rule files and an injected clock: three hours of
// healthy SMS traffic, then twilio answers 5xx to everything for the last ten minutes.
const MIN = 60_000
const NOW = Math.floor(Date.now() / MIN) * MIN - 5 * MIN
let t = NOW
const clock = () => t

let seq = 0
function rows(): ReturnType<typeof mfaEventRow>[] {
  const out: ReturnType<typeof mfaEventRow>[] = []
  for (let m = 180; m > 0; m--) {
    const at = NOW - m * MIN
    const outage = m <= 10
    for (let k = 0; k < 10; k++) {
      const group = k < 4 ? 'admin' : 'customer'
      out.push(mfaEventRow({ tsMs: at + k * 1000, service: 'idp-test', attrs: {
        'event.name': 'mfa.provider.request', 'event.id': `e${++seq}`, 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.factor': 'sms', 'mfa.user_group': group, 'mfa.region': 'eu-west',
        'mfa.outcome': outage ? 'error' : 'success', 'mfa.reason': outage ? 'http_5xx' : 'ok',
      } }))
      out.push(mfaEventRow({ tsMs: at + k * 1000 + 500, service: 'idp-test', attrs: {
        'event.name': 'mfa.login.completed', 'event.id': `e${++seq}`, 'mfa.flow_id': `f${seq}`, 'mfa.user_group': group, 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied', 'mfa.factor': 'sms',
      } }))
    }
  }
  return out
}

let dir: string
let client: ClickHouseClient
let close: () => Promise<void>
let engine: AlertEngine
let server: Server
let hook: Server
let base: string
const hooks: any[] = []

beforeAll(async () => {
  dir = tempDir('alerting-engine')
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  client = ch.client
  close = ch.close
  await migrate(client, { ttlDays: 400 })
  await client.insert({ table: 'mfa_events', values: rows(), format: 'JSONEachRow' })
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      hooks.push(JSON.parse(body))
      res.end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`
  engine = new AlertEngine({ client, store: new AlertStore(client), rules: loadRuleSet(), now: clock, publicUrl: 'http://collector.test', webhooks: [webhookNotifier(hookUrl, 'http://collector.test')] })
  await engine.init()
  server = createQueryServer({ client, transport: ch.transport, now: clock, extraRoutes: alertingRoutes(engine, clock) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()))
  await close?.()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${base}${path}`, init)
  return { status: res.status, body: (await res.json()) as any }
}
const alert = (body: any, id: string) => body.alerts.find((a: any) => a.id === id)
const ROOT = 'vendor-twilio-sms:burn-1h-5m:admin'

describe('alert engine over chDB (injected clock)', () => {
  it('an SMS vendor outage pages after `for`, grouped under one root alert, and notifies the webhook once', async () => {
    await engine.tick()
    let body = AlertsResponse.parse((await get('/api/v1/alerts')).body)
    expect(alert(body, ROOT)).toMatchObject({ state: 'pending', severity: 'page' })
    t += 30_000
    await engine.tick()
    t += 30_000
    await engine.tick()
    body = AlertsResponse.parse((await get('/api/v1/alerts')).body)
    const burn = alert(body, ROOT)
    expect(burn).toMatchObject({
      state: 'firing', severity: 'page', group: 'vendor:twilio', runbook: 'provider-failover',
      labels: { alertname: 'SLOBurnRateHigh', severity: 'page', slo: 'vendor-twilio-sms', vendor: 'twilio', channel: 'sms', user_group: 'admin' },
      annotations: { runbook_url: 'http://collector.test/api/v1/runbooks/provider-failover' },
    })
    expect(burn.reason).toMatch(/^burn \d+(\.\d+)?× over 1h and 2000× over 5m ≥ 14.4×/)
    // The 50 %-of-budget-in-1h page fired first (for 0 s; three hours of history make a small
    // budget) and stays the root of the twilio group; every other twilio alert is linked to it.
    const roots = body.alerts.filter((a) => a.group === 'vendor:twilio' && a.grouped_under === null)
    expect(roots.map((a) => a.id)).toEqual(['vendor-twilio-sms:budget-spend'])
    expect(roots[0].grouped).toEqual(expect.arrayContaining([ROOT, 'vendor-twilio-sms:burn-1h-5m:customer']))
    expect(alert(body, 'vendor-twilio-sms:burn-1h-5m:customer')).toMatchObject({ state: 'firing', severity: 'ticket', grouped_under: 'vendor-twilio-sms:budget-spend' })
    expect(alert(body, 'mfa-success:burn-1h-5m:admin').state).toBe('inactive')
    expect(alert(body, 'vendor-vonage-sms:burn-1h-5m:admin').reason).toBe('not enough data: 0 events in 1h, need 10')
    const firing = hooks.flatMap((h) => h.alerts).filter((a: any) => a.status === 'firing')
    expect(hooks[0]).toMatchObject({ version: '4', status: 'firing', receiver: 'factorwatch' })
    expect(firing.map((a: any) => a.labels.vendor)).toEqual(['twilio'])
    expect(firing[0].labels).toMatchObject({ alertname: 'SLOBudgetSpentFast', severity: 'page', vendor: 'twilio', channel: 'sms' })
    expect(firing[0].annotations.related).toContain(ROOT)
  })

  it('GET /api/v1/slos: budget, burn rates and what spent the budget', async () => {
    const body = SlosResponse.parse((await get('/api/v1/slos?id=vendor-twilio-sms')).body)
    const s = body.slos[0]
    expect(s).toMatchObject({ objective: 99.95, vendor: 'twilio', channel: 'sms', sli: { status: 'ok', total: 1800, good: 1700 } })
    expect(s.burn_rates['5m']).toBe(2000)
    expect(s.budget_remaining).toBeLessThan(0)
    expect(s.attribution.provider).toEqual([{ key: 'twilio', bad: 100, share: 1 }])
    expect(s.attribution.user_group).toEqual([{ key: 'customer', bad: 60, share: 0.6 }, { key: 'admin', bad: 40, share: 0.4 }])
    expect(s.user_groups.find((g) => g.user_group === 'admin')).toMatchObject({ critical: true, sli: { total: 720, good: 680 } })
    expect(s.burn_down.length).toBeGreaterThan(1)
    expect(s.firing_alerts).toContain(ROOT)
    const all = SlosResponse.parse((await get('/api/v1/slos')).body)
    expect(all.slos.find((x) => x.id === 'admin-enrollment')!.sli).toEqual({ value: null, status: 'not_enough_data', good: 0, total: 0 })
    // M1 is counted from the hourly rollup (window) and raw minutes: no bad logins, nothing to attribute.
    expect(all.slos.find((x) => x.id === 'mfa-success')).toMatchObject({ sli: { value: 1, total: 1800 }, budget_remaining: 1, attribution: { factor: [], provider: [], region: [], user_group: [] } })
  })

  it('validates parameters: a bad one is a 400 naming it', async () => {
    expect(await get('/api/v1/alerts?state=burning')).toMatchObject({ status: 400, body: { error: { parameter: 'state' } } })
    expect(await get('/api/v1/alerts/history?limit=0')).toMatchObject({ status: 400, body: { error: { parameter: 'limit' } } })
    expect(await get('/api/v1/alerts?colour=red')).toMatchObject({ status: 400, body: { error: { parameter: 'colour' } } })
    const past = await get('/api/v1/silences', { method: 'POST', body: JSON.stringify({ matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: new Date(t - 1000).toISOString(), createdBy: 'me', comment: 'x' }) })
    expect(past).toMatchObject({ status: 400, body: { error: { parameter: 'endsAt' } } })
    const regex = await get('/api/v1/silences', { method: 'POST', body: JSON.stringify({ matchers: [{ name: 'vendor', value: '(', isRegex: true }], endsAt: new Date(t + 60_000).toISOString(), createdBy: 'me', comment: 'x' }) })
    expect(regex).toMatchObject({ status: 400, body: { error: { parameter: 'matchers[0].value' } } })
    expect((await get('/api/v1/runbooks/provider-failover')).body.title).toBe('Provider failover: a delivery vendor is failing')
    expect((await get('/api/v1/runbooks/nope')).status).toBe(404)
  })

  it('a silence stops notifications but keeps the history; expiring it resumes them; recovery resolves', async () => {
    const created = await get('/api/v1/silences', { method: 'POST', body: JSON.stringify({ matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: new Date(t + 3_600_000).toISOString(), createdBy: 'oncall', comment: 'known twilio incident' }) })
    expect(created.status).toBe(201)
    hooks.length = 0
    // Healthy traffic again: the 5m window clears, the alert resolves after keep_firing_for (2m).
    const healthy = []
    for (let s = 0; s < 300; s += 2) healthy.push(mfaEventRow({ tsMs: NOW + s * 1000, service: 'idp-test', attrs: { 'event.name': 'mfa.provider.request', 'event.id': `h${s}`, 'mfa.provider': 'twilio', 'mfa.channel': 'sms', 'mfa.user_group': 'admin', 'mfa.outcome': 'success', 'mfa.reason': 'ok' } }))
    await client.insert({ table: 'mfa_events', values: healthy, format: 'JSONEachRow' })
    const seen: Array<[number, string, string]> = []
    while (t < NOW + 10 * MIN) {
      t += 30_000
      await engine.tick()
      const a = alert(AlertsResponse.parse((await get('/api/v1/alerts')).body), ROOT)
      expect(a.silenced_by).toEqual([created.body.id])
      seen.push([(t - NOW) / 1000, a.state, a.reason])
      if (a.state !== 'firing') break
    }
    const kept = seen.filter(([, , reason]) => /keeping firing for 120 s/.test(reason))
    expect(kept.length).toBeGreaterThan(0)
    expect(seen.at(-1)![1]).toBe('resolved')
    expect(seen.at(-1)![0] - kept[0][0]).toBeGreaterThanOrEqual(90)
    expect(hooks).toEqual([])
    const history = (await get(`/api/v1/alerts/history?alert=${encodeURIComponent(ROOT)}`)).body.transitions
    expect(history.map((h: any) => [h.from, h.to, h.suppressed])).toEqual([['firing', 'resolved', true], ['pending', 'firing', false], ['inactive', 'pending', false]])
    expect((await get(`/api/v1/silences/${created.body.id}`, { method: 'DELETE' })).body).toEqual({ id: created.body.id, state: 'expired' })
    expect((await get('/api/v1/silences')).body.silences[0].state).toBe('expired')
  })

  it('maintenance windows: created, listed, applied to matching alerts, expired; a bad one is a 400', async () => {
    expect(await get('/api/v1/maintenance', { method: 'POST', body: JSON.stringify({ matchers: [{ name: 'vendor', value: 'twilio' }], startsAt: new Date(t).toISOString(), endsAt: new Date(t + 3_600_000).toISOString() }) })).toMatchObject({ status: 400, body: { error: { parameter: 'name' } } })
    const created = await get('/api/v1/maintenance', { method: 'POST', body: JSON.stringify({ name: 'twilio carrier upgrade', matchers: [{ name: 'vendor', value: 'twil.*', isRegex: true }], startsAt: new Date(t).toISOString(), endsAt: new Date(t + 3_600_000).toISOString() }) })
    expect(created.status).toBe(201)
    t += 30_000
    await engine.tick()
    const body = AlertsResponse.parse((await get('/api/v1/alerts')).body)
    expect(alert(body, ROOT).in_maintenance).toEqual([created.body.id])
    expect(alert(body, 'mfa-success:burn-1h-5m:admin').in_maintenance).toEqual([])
    expect((await get('/api/v1/maintenance')).body.windows).toMatchObject([{ id: created.body.id, name: 'twilio carrier upgrade', state: 'active', source: 'api' }])
    expect((await get(`/api/v1/maintenance/${created.body.id}`, { method: 'DELETE' })).body).toEqual({ id: created.body.id, state: 'expired' })
    expect((await get('/api/v1/maintenance/nope', { method: 'DELETE' })).status).toBe(404)
  })

  it('a restarted engine resumes states from alert_history', async () => {
    const again = new AlertEngine({ client, store: new AlertStore(client), rules: loadRuleSet(), now: clock, publicUrl: 'http://collector.test' })
    await again.init()
    t += 30_000
    await again.tick()
    expect(again.alerts().find((x) => x.id === ROOT)!.state).toBe('resolved')
  })
})
