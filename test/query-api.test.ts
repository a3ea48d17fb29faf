import { rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCollectorConfig } from '../collector/config'
import { createQueryServer } from '../collector/query/server'
import { openClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { type MfaEventRow, mfaEventRow } from '../collector/storage/rows'
import { tempDir } from './support/processes'

// Recent data: mfa_events drops parts older than its TTL (400 days).
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000
const NOW = T0 + 2 * 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()
const HOUR = `from=${iso(T0)}&to=${iso(T0 + 3_600_000)}&step=600`

let seq = 0
const hash = (s: string) => s.padEnd(16, '0').replace(/[^0-9a-f]/g, 'a').slice(0, 16)
function ev(offsetS: number, name: string, attrs: Record<string, string | number>, id = `e${++seq}`): MfaEventRow {
  const withUser = attrs['mfa.flow_id'] ? { 'mfa.user_hash': hash(String(attrs['mfa.flow_id'])) } : {}
  return mfaEventRow({ tsMs: T0 + offsetS * 1000, service: 'test-idp', attrs: { 'event.name': name, 'event.id': id, ...withUser, ...attrs } })
}
const V = 'mfa.challenge.verified'
const I = 'mfa.challenge.issued'
const L = 'mfa.login.completed'
const flow = (id: string, factor: string, group: string, extra: Record<string, string> = {}) => ({ 'mfa.flow_id': id, 'mfa.factor': factor, 'mfa.user_group': group, 'mfa.client': 'web', 'mfa.region': 'eu-west', ...extra })

const f1 = flow('f1', 'totp', 'admin')
const f2 = flow('f2', 'sms', 'workforce', { 'mfa.provider': 'twilio' })
const f3 = flow('f3', 'push', 'customer', { 'mfa.provider': 'fcm', 'mfa.client': 'ios' })
const f4 = flow('f4', 'totp', 'admin')
const f5 = flow('f5', 'sms', 'workforce', { 'mfa.provider': 'twilio' })
const f3verify = ev(720, V, { ...f3, 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 2000, 'custom.attr': 'x' }, 'dup-f3')

const ROWS: MfaEventRow[] = [
  ev(60, I, f1), ev(70, V, { ...f1, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code', 'mfa.latency_ms': 9000 }),
  ev(90, V, { ...f1, 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 1000, 'mfa.attempt': 2 }), ev(95, L, { ...f1, 'mfa.outcome': 'success' }),
  ev(120, I, f2), ev(150, V, { ...f2, 'mfa.outcome': 'failure', 'mfa.reason': 'invalid_code' }),
  ev(160, V, { ...f2, 'mfa.outcome': 'failure', 'mfa.reason': 'code_expired' }),
  ev(170, V, { ...f2, 'mfa.outcome': 'rate_limited', 'mfa.reason': 'rate_limited' }), ev(175, L, { ...f2, 'mfa.outcome': 'failure', 'mfa.reason': 'mfa_failed' }),
  ev(700, I, f3), ev(701, 'mfa.provider.request', { ...f3, 'mfa.channel': 'push', 'mfa.outcome': 'success', 'mfa.reason': 'ok' }), f3verify,
  ev(725, L, { ...f3, 'mfa.outcome': 'success' }),
  ev(1300, I, f4), ev(1305, V, { ...f4, 'mfa.outcome': 'error', 'mfa.reason': 'provider_error' }),
  ev(1310, V, { ...f4, 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 3000 }),
  ev(1900, I, f5), ev(1901, 'mfa.provider.request', { ...f5, 'mfa.channel': 'sms', 'mfa.outcome': 'error', 'mfa.reason': 'http_5xx' }),
  ev(1905, 'mfa.fallback', { 'mfa.flow_id': 'f5', 'mfa.fallback_from': 'twilio', 'mfa.fallback_to': 'vonage', 'mfa.reason': 'provider_error' }),
  ev(1960, V, { ...f5, 'mfa.factor': 'voice', 'mfa.provider': 'vonage', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.latency_ms': 4000 }),
  ev(2500, I, flow('f6', 'push', 'customer')),
  ev(3000, I, flow('f7', 'totp', 'vendor')), ev(3100, L, { ...flow('f7', 'totp', 'vendor'), 'mfa.outcome': 'abandoned', 'mfa.reason': 'abandoned' }),
  ev(7080, I, flow('f8', 'totp', 'admin')),
  ev(200, 'mfa.recovery', { 'mfa.reason': 'requested' }), ev(210, 'mfa.recovery', { 'mfa.reason': 'requested' }), ev(220, 'mfa.recovery', { 'mfa.reason': 'approved' }),
  ev(300, 'mfa.bypass', { 'mfa.reason': 'trusted_device' }), ev(310, 'mfa.bypass', { 'mfa.reason': 'trusted_device' }), ev(320, 'mfa.bypass', { 'mfa.reason': 'break_glass' }),
  ev(400, 'mfa.lockout', { 'mfa.reason': 'too_many_failures' }), ev(410, 'mfa.lockout', { 'mfa.reason': 'unlocked' }),
  ...(
    [[100, 'admin', 'totp', 8, 10], [100, 'admin', 'webauthn', 5, 10], [100, 'admin', 'password', 10, 10], [100, 'workforce', 'totp', 50, 100],
      [100, 'workforce', 'sms', 60, 100], [2000, 'admin', 'totp', 9, 10]] as const
  ).map(([at, g, f, n, total]) => ev(at, 'mfa.enrollment.snapshot', { 'mfa.user_group': g, 'mfa.factor': f, 'mfa.enrolled_count': n, 'mfa.total_count': total, 'mfa.reason': 'scheduled' })),
]

let dir: string
let server: Server
let base: string
let close: () => Promise<void>
const logs: string[] = []

beforeAll(async () => {
  dir = tempDir('query-api')
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  close = ch.close
  await migrate(ch.client, { ttlDays: 400 })
  await ch.client.insert({ table: 'mfa_events', values: ROWS, format: 'JSONEachRow' })
  // A re-delivery of one event in a later batch (another part): must be counted once.
  await ch.client.insert({ table: 'mfa_events', values: [f3verify], format: 'JSONEachRow' })
  server = createQueryServer({ client: ch.client, transport: ch.transport, log: (l) => logs.push(l), now: () => NOW })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await close?.()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}
const metrics = async (q: string) => (await get(`/api/v1/metrics?${q}`)).body

describe('query API metrics', () => {
  it('M1 counts each flow once, retries included, bucketed by first verification', async () => {
    const body = await metrics(`ids=M1&${HOUR}`)
    expect(body.window).toEqual({ from: iso(T0), to: iso(T0 + 3_600_000), step: 600 })
    expect(body.M1).toMatchObject({ value: 0.8, flows: 5, successful_flows: 4 })
    expect(body.M1.series).toEqual([[T0, 0.5], [T0 + 600_000, 1], [T0 + 1_200_000, 1], [T0 + 1_800_000, 1], [T0 + 2_400_000, null], [T0 + 3_000_000, null]])
  })

  it.each([
    ['factor=totp', 1, 2],
    ['factor=sms', 0, 1],
    ['user_group=workforce', 0.5, 2],
    ['user_group=workforce&provider=twilio', 0, 1],
    ['client=ios', 1, 1],
    ['region=us-east', null, 0],
  ])('M1 honours filter %s', async (filter, value, flows) => {
    const body = await metrics(`ids=M1&${HOUR}&${filter}`)
    expect(body.M1.value).toBe(value)
    expect(body.M1.flows).toBe(flows)
  })

  it('M2 quantiles over successful verifications, a duplicate delivery counted once', async () => {
    const { M2 } = await metrics(`ids=M2&${HOUR}`)
    // 1000, 2000, 3000, 4000 ms; ClickHouse `quantiles` interpolates linearly.
    expect(M2.value).toEqual({ p50: 2500, p95: 3850, p99: 3970 })
    expect(M2.count).toBe(4)
    expect(M2.series[0]).toEqual([T0, 1000, 1000, 1000])
    expect(M2.series[4]).toEqual([T0 + 2_400_000, null, null, null])
    expect((await metrics(`ids=M2&${HOUR}&factor=totp`)).M2.value).toEqual({ p50: 2000, p95: 2900, p99: 2980 })
  })

  it('M3, M6, M10 flow ratios', async () => {
    const body = await metrics(`ids=M3,M6,M10&${HOUR}`)
    expect(body.M3).toMatchObject({ value: 0.142857, flows: 7, fallback_flows: 1 })
    expect(body.M6).toMatchObject({ value: 0.142857, flows: 7, affected_flows: 1 })
    expect(body.M10).toMatchObject({ value: 0.285714, flows: 7, abandoned_flows: 2, pending_flows: 0 })
    expect((await metrics(`ids=M6&${HOUR}&provider=fcm`)).M6).toMatchObject({ value: 0, flows: 1 })
    const live = await metrics(`ids=M10&from=${iso(T0)}&to=${iso(NOW)}&step=3600`)
    expect(live.M10).toMatchObject({ flows: 7, abandoned_flows: 2, pending_flows: 1 })
  })

  it('M4, M5, M7 counts and error split', async () => {
    const body = await metrics(`ids=M4,M5,M7&${HOUR}`)
    expect(body.M4.value).toBe(3)
    expect(body.M4.by_reason).toMatchObject({ requested: 2, approved: 1, completed: 0 })
    expect(body.M4.series[0]).toEqual([T0, 3])
    expect(body.M7).toMatchObject({ value: 3, by_reason: { trusted_device: 2, break_glass: 1, admin_override: 0 } })
    expect(body.M5).toMatchObject({ value: 0.555556, attempts: 9, user_error: 3, brute_force: 1, system_error: 1, lockouts: 1 })
    expect(body.M5.rates).toEqual({ system_error: 0.111111, brute_force: 0.111111, user_error: 0.333333 })
  })

  it('M8 coverage from the latest snapshots, M9 push p95', async () => {
    const body = await metrics(`ids=M8,M9&${HOUR}`)
    expect(body.M8).toMatchObject({ value: 0.627273, phishing_resistant_share: 0.045455, accounts: 110 })
    expect(body.M8.by_group.admin).toMatchObject({ total: 10, coverage: 0.9, factors: { totp: { enrolled: 9, coverage: 0.9 }, webauthn: { enrolled: 5 } } })
    expect(body.M8.by_group.admin.factors.password).toBeUndefined()
    expect(body.M9).toMatchObject({ value: 2000, count: 1 })
    const filtered = await metrics(`ids=M8,M9&${HOUR}&user_group=admin&region=eu-west`)
    expect(filtered.M8).toMatchObject({ value: 0.9, ignored_filters: ['region'] })
  })

  it('lists the catalogue', async () => {
    const { body } = await get('/api/v1/metrics/catalogue')
    expect(body.metrics.map((m: { id: string }) => m.id)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10'])
    expect(body.metrics[1].description).toContain('quantiles(0.5, 0.95, 0.99)')
  })
})

describe('query API over rollups (windows longer than 6 h)', () => {
  const DAY = `from=${iso(T0 - 20 * 3_600_000)}&to=${iso(T0 + 4 * 3_600_000)}`
  it.each([['step=3600', 'rollup_1h'], ['step=1800', 'rollup_1m']])('%s reads %s with the same counts as raw', async (step, source) => {
    const body = await metrics(`ids=M1,M2,M4,M5,M7,M9&${DAY}&${step}`)
    expect(body.M1).toMatchObject({ source: 'raw', value: 0.8 })
    expect(body.M4).toMatchObject({ source, value: 3, by_reason: { requested: 2, approved: 1 } })
    expect(body.M7).toMatchObject({ source, value: 3 })
    expect(body.M5).toMatchObject({ source, value: 0.555556, attempts: 9, user_error: 3, brute_force: 1, system_error: 1, lockouts: 1 })
    // Counts are uniq(event_id) states; the latency sample still holds the re-delivered 2000 ms.
    // Hourly M2 without a user group reads the provider rollup (0082), whose plain count sees the
    // copy this file writes straight into mfa_events (the receiver drops copies before storing);
    // with a user group it reads mfa_rollup_1h's uniq states.
    expect(body.M2).toMatchObject({ source, count: source === 'rollup_1h' ? 5 : 4, value: { p50: 2000, p95: 3800, p99: 3960 } })
    const byGroup = (await metrics(`ids=M2&${DAY}&${step}&user_group=workforce`)).M2
    expect(byGroup).toMatchObject({ source, count: (await metrics(`ids=M2&${HOUR}&user_group=workforce`)).M2.count })
    expect(byGroup.count).toBeGreaterThan(0)
    expect(body.M9).toMatchObject({ source, value: 2000 })
    const filtered = await metrics(`ids=M5&${DAY}&${step}&factor=totp&user_group=admin`)
    expect(filtered.M5).toMatchObject({ attempts: 4, user_error: 1, system_error: 1, value: 0.5 })
    const outcomes = (await get(`/api/v1/outcomes?${DAY}&${step}`)).body
    expect(outcomes).toMatchObject({ source, totals: { success: 2, failure: 1, abandoned: 1 } })
    expect(outcomes.verifications.totals).toEqual({ success: 4, failure: 3, rate_limited: 1, error: 1 })
    const summed: Record<string, number> = {}
    for (const [, c] of outcomes.series as [number, Record<string, number>][]) for (const [k, v] of Object.entries(c)) summed[k] = (summed[k] ?? 0) + v
    expect(summed).toEqual(outcomes.totals)
    expect(outcomes.series).toHaveLength(24 * 3600 / Number(step.slice(5)))
  })
})

describe('query API outcomes and events', () => {
  it('counts login and verification outcomes', async () => {
    const { status, body } = await get(`/api/v1/outcomes?${HOUR}`)
    expect(status).toBe(200)
    expect(body.totals).toEqual({ success: 2, failure: 1, abandoned: 1 })
    expect(body.series).toHaveLength(6)
    expect(body.series[0]).toEqual([T0, { success: 1, failure: 1 }])
    expect(body.verifications.totals).toEqual({ success: 4, failure: 3, rate_limited: 1, error: 1 })
  })

  it('lists events newest first with contract names, deduplicated and limited', async () => {
    const { body } = await get(`/api/v1/events?event=mfa.challenge.verified&${HOUR.replace('&step=600', '')}&limit=3`)
    expect(body.events.map((e: { flow_id: string; outcome: string }) => `${e.flow_id}:${e.outcome}`)).toEqual(['f5:success', 'f4:success', 'f4:error'])
    const f3 = (await get(`/api/v1/events?flow_id=f3&event=mfa.challenge.verified&${HOUR.replace('&step=600', '')}`)).body.events
    expect(f3).toEqual([{
      ts: iso(T0 + 720_000), event: V, service: 'test-idp', event_id: 'dup-f3', flow_id: 'f3', factor: 'push', provider: 'fcm', outcome: 'success', reason: 'ok',
      user_hash: hash('f3'), user_group: 'customer', region: 'eu-west', client: 'ios', latency_ms: 2000, attributes: { 'custom.attr': 'x' },
    }])
    const defaults = (await get(`/api/v1/events?from=${iso(T0)}&to=${iso(NOW)}`)).body.events
    expect(defaults).toHaveLength(ROWS.length)
  })
})

describe('query API validation and plumbing', () => {
  it.each([
    ['/api/v1/metrics?from=yesterday', 'from', "from: expected ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z), got 'yesterday'"],
    [`/api/v1/metrics?from=${iso(T0)}&to=${iso(T0 - 1000)}`, 'from', undefined],
    [`/api/v1/metrics?from=${iso(T0 - 100 * 86_400_000)}&to=${iso(T0)}`, 'from', undefined],
    [`/api/v1/metrics?${HOUR.replace('step=600', 'step=5')}`, 'step', undefined],
    [`/api/v1/metrics?from=${iso(T0 - 30 * 86_400_000)}&to=${iso(T0)}&step=60`, 'step', undefined],
    ['/api/v1/metrics?ids=M1,M11', 'ids', "ids: unknown metric 'M11', expected a comma-separated list of M1, M2, M3, M4, M5, M6, M7, M8, M9, M10"],
    ['/api/v1/metrics?factor=carrier_pigeon', 'factor', undefined],
    ['/api/v1/metrics?user_group=root', 'user_group', undefined],
    ['/api/v1/metrics?provider=a%27%20OR%201', 'provider', undefined],
    ['/api/v1/metrics?fator=totp', 'fator', undefined],
    ['/api/v1/events?limit=5000', 'limit', undefined],
    ['/api/v1/events?event=mfa.nope', 'event', undefined],
    ['/api/v1/outcomes?client=web&client=ios', 'client', 'client: given more than once'],
  ])('%s → 400 naming %s', async (path, parameter, message) => {
    const { status, body } = await get(path)
    expect(status).toBe(400)
    expect(body.error).toMatchObject({ code: 'invalid_parameter', parameter })
    if (message) expect(body.error.message).toBe(message)
  })

  it('defaults to the last hour with the charts\' 120 buckets (contract/time-window.ts)', async () => {
    const body = await metrics('')
    expect(body.window).toEqual({ from: iso(NOW - 3_600_000), to: iso(NOW), step: 30 })
    expect(Object.keys(body).sort()).toEqual(['M1', 'M2', 'window'])
    expect(body.M1.series).toHaveLength(120)
  })

  it('answers 404, 405, healthz and Prometheus metrics', async () => {
    expect(await get('/api/v1/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    const post = await get('/api/v1/metrics', { method: 'POST' })
    expect(post).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } })
    expect(post.headers.get('allow')).toBe('GET')
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok', clickhouse: 'chdb' } })
    const prom = await get('/metrics')
    expect(prom.status).toBe(200)
    expect(prom.body).toMatch(/factorwatch_query_requests_total\{route="\/api\/v1\/metrics",method="GET",status="200"\} \d+/)
    expect(prom.body).toMatch(/factorwatch_query_requests_total\{route="unmatched",method="GET",status="404"\} 1/)
    expect(logs.filter((l) => /internal error/.test(l))).toEqual([])
  })
})
