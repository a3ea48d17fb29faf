import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { dashboardsPath } from '../dashboards/schema/yaml-file'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { client, provision, TEST_SERVICE_KEYS } from './support/idp-client'
import { signUp, simulatorCode } from './support/signup'
import { eventually, freePort, requirePrerequisite, startProcess, tempDir, type Running } from './support/processes'

// A real Alertmanager, the real collector, IdP and provider simulator as processes: an SMS
// vendor outage injected at the simulator pages through Alertmanager with vendor=twilio,
// resolves after the fault is cleared, and a silence holds the notification but not the history.
// Windows are short (2m/1m, for 0 s) through test rule files so the test takes minutes, not hours.
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager'
const haveAlertmanager = requirePrerequisite(existsSync(ALERTMANAGER), `Debian prometheus-alertmanager at ${ALERTMANAGER} (apt-get install -y prometheus-alertmanager)`)

function testRuleFiles(dir: string): { slos: string; alerts: string; registry: string } {
  const slos = parse(readFileSync(dashboardsPath('slos.yaml'), 'utf8'))
  slos.defaults.min_volume = 3
  const registry = parse(readFileSync(dashboardsPath('subprocessors.yaml'), 'utf8'))
  // A breaker that cools down in 2 s, so twilio gets traffic again soon after the fault clears.
  for (const v of registry.vendors) if (v.id === 'twilio') v.breaker = { failureRatio: 0.5, minimumRequests: 3, openSeconds: 2, halfOpenProbes: 1 }
  writeFileSync(join(dir, 'subprocessors.yaml'), stringify(registry))
  slos.vendor_slos.registry = join(dir, 'subprocessors.yaml')
  const alerts = parse(readFileSync(dashboardsPath('alerts.yaml'), 'utf8'))
  alerts.keep_firing_for = '0s'
  alerts.burn_rate.page = [{ long: '2m', short: '1m', factor: 14.4, for: '0s' }]
  alerts.burn_rate.ticket = []
  alerts.burn_rate.budget_spend = { window: '1h', fraction: 1, short: '5m', short_factor: 1e9, for: '0s' }
  writeFileSync(join(dir, 'slos.yaml'), stringify(slos))
  writeFileSync(join(dir, 'alerts.yaml'), stringify(alerts))
  return { slos: join(dir, 'slos.yaml'), alerts: join(dir, 'alerts.yaml'), registry: join(dir, 'subprocessors.yaml') }
}

let am: ChildProcess | undefined
let amOut = ''
let amUrl: string
let sim: Simulator
let collector: Running
let idp: Running
let queryUrl: string
let idpUrl: string

beforeAll(async () => {
  if (!haveAlertmanager) return
  const dir = tempDir('alertmanager')
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: blackhole\n  group_wait: 1s\n  group_interval: 1s\nreceivers:\n  - name: blackhole\n')
  const amPort = await freePort()
  amUrl = `http://127.0.0.1:${amPort}`
  am = spawn(ALERTMANAGER, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] })
  am.stdout!.on('data', (d: Buffer) => (amOut += d.toString()))
  am.stderr!.on('data', (d: Buffer) => (amOut += d.toString()))
  await eventually(async () => (await fetch(`${amUrl}/-/ready`)).ok, 30_000, 200).catch((e) => { throw new Error(`alertmanager not ready: ${e}\n${amOut}`) })

  sim = await startSimulator({ port: 0, seed: 7, timeScale: 0.02, baseline: 'clean' })
  const files = testRuleFiles(dir)
  const [otlp, query, idpPort] = await Promise.all([freePort(), freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(query), FACTORWATCH_DATA_DIR: tempDir('collector'),
    ALERTMANAGER_URL: amUrl, ALERT_EVAL_INTERVAL_S: '2', FACTORWATCH_SLOS_FILE: files.slos, FACTORWATCH_ALERTS_FILE: files.alerts,
  }, [/collector query listening/, /alerting: \d+ SLOs/])
  queryUrl = `http://127.0.0.1:${query}`
  idp = await startProcess('idp', 'reference-idp/main.ts', [], {
    ...simulatorIdpEnv(sim.url), IDP_SERVICE_KEYS: TEST_SERVICE_KEYS, IDP_PASSWORD_COST: '14',
    IDP_PORT: String(idpPort), IDP_DATA_DIR: 'memory://', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp}`, IDP_REGISTRY: files.registry,
    IDP_RATE_LOGIN_PER_MINUTE: '100000', IDP_RATE_CODE_PER_MINUTE: '100000', IDP_RATE_SIGNUP_PER_HOUR: '100000', OTEL_BLRP_SCHEDULE_DELAY: '200',
  }, [/reference-idp listening on/])
  idpUrl = `http://127.0.0.1:${idpPort}`
}, 180_000)

afterAll(async () => {
  await idp?.stop()
  await collector?.stop()
  await sim?.close()
  if (am && am.exitCode === null) {
    am.kill('SIGTERM')
    await new Promise((r) => am!.once('exit', r))
  }
})

let n = 0
/** A new workforce user enrolls a phone: one SMS through the primary vendor (twilio). */
async function smsEnrollment(): Promise<void> {
  const api = client(idpUrl)
  const email = `am-${++n}@example.test`
  await signUp(api, email, 'correct horse battery', simulatorCode(sim.url))
  await provision(idpUrl, email, 'workforce')
  await api.post('/api/v1/enroll/oob', { channel: 'sms', address: `+49151${String(1_000_000 + n).padStart(7, '0')}` })
}

/** Keep SMS traffic flowing until `done` says stop. */
async function trafficUntil<T>(done: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await Promise.all([smsEnrollment(), smsEnrollment()])
    const v = await done().catch(() => undefined)
    if (v) return v
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms\ncollector:\n${collector.output().slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string; silencedBy: string[] }; endsAt: string; generatorURL: string }
const amAlerts = async (): Promise<AmAlert[]> => (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[]
const twilioPage = async () => (await amAlerts()).find((a) => a.labels.vendor === 'twilio' && a.labels.severity === 'page' && Date.parse(a.endsAt) > Date.now())
const fault = (body: object) => fetch(`${sim.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const ours = async () => (await (await fetch(`${queryUrl}/api/v1/alerts?state=firing`)).json()) as { alerts: Array<{ id: string; labels: Record<string, string>; silenced_by: string[]; grouped_under: string | null }> }

describe.skipIf(!haveAlertmanager)('alerting through a real Alertmanager', () => {
  it('an SMS vendor outage pages with vendor=twilio, then resolves after the fault is cleared', async () => {
    for (let i = 0; i < 4; i++) await smsEnrollment()
    expect((await fault({ vendor: 'twilio', kind: 'outage', durationSeconds: 600 })).status).toBe(201)
    const t0 = Date.now()
    const page = await trafficUntil(twilioPage, 150_000)
    const detectS = (Date.now() - t0) / 1000
    expect(page.labels).toMatchObject({ alertname: 'SLOBurnRateHigh', severity: 'page', slo: 'vendor-twilio-sms', vendor: 'twilio', channel: 'sms', user_group: 'workforce' })
    expect(page.annotations.runbook_url).toBe(`${queryUrl}/api/v1/runbooks/provider-failover`)
    expect(page.annotations.summary).toContain('vendor-twilio-sms')
    expect(page.generatorURL).toContain(`${queryUrl}/api/v1/alerts?id=`)
    expect(page.status.state).toBe('active')
    process.stdout.write(`alertmanager: twilio page after ${detectS.toFixed(1)} s of outage\n`)

    expect((await fetch(`${sim.url}/faults`, { method: 'DELETE' })).status).toBe(200)
    await trafficUntil(async () => (await twilioPage()) === undefined, 240_000)
    const history = (await (await fetch(`${queryUrl}/api/v1/alerts/history?alert=${encodeURIComponent('vendor-twilio-sms:burn-2m-1m:workforce')}`)).json()) as { transitions: Array<{ from: string; to: string }> }
    expect(history.transitions.map((h) => `${h.from}→${h.to}`)).toEqual(['firing→resolved', 'inactive→firing'])
  }, 420_000)

  it('a silence stops the notification but not the history', async () => {
    const silence = await fetch(`${queryUrl}/api/v1/silences`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'planned twilio drill' }),
    })
    expect(silence.status).toBe(201)
    const { id } = (await silence.json()) as { id: string }
    expect((await fault({ vendor: 'twilio', kind: 'outage', durationSeconds: 600 })).status).toBe(201)
    const firing = await trafficUntil(async () => (await ours()).alerts.find((a) => a.labels.vendor === 'twilio' && a.labels.severity === 'page'), 150_000)
    expect(firing.silenced_by).toEqual([id])
    // Several evaluation cycles later Alertmanager has still heard nothing of it.
    await new Promise((r) => setTimeout(r, 6000))
    expect(await twilioPage()).toBeUndefined()
    const history = (await (await fetch(`${queryUrl}/api/v1/alerts/history?alert=${encodeURIComponent(firing.id)}&limit=1`)).json()) as { transitions: Array<{ to: string; suppressed: boolean }> }
    expect(history.transitions[0]).toMatchObject({ to: 'firing', suppressed: true })
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
  }, 240_000)
})
