import { rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBody, METRIC_IDS, MetricsResponse, QUERY_ROUTES, type QueryRoute } from '../contract/query'
import { loadCollectorConfig } from '../collector/config'
import { REPORTS } from '../collector/query/reports'
import { createQueryServer } from '../collector/query/server'
import { openClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { generatedEvents } from './support/generated-events'
import { tempDir } from './support/processes'
import { FLOW, securityEvents } from './support/security-events'

/**
 * The read-side contract against the real thing: every route of the query API, asked over HTTP
 * of a collector reading a real chDB store filled with generated traffic, answers a body its
 * schema in contract/query.ts parses, and parses to itself (zod drops fields a schema does not
 * declare, so an undeclared field fails the equality). Short windows read raw events, long ones
 * the rollups, so both shapes of every metric are seen.
 */

const HOUR = 3_600_000
const NOW = Math.floor(Date.now() / HOUR) * HOUR - HOUR
const FROM = NOW - 8 * 24 * HOUR
const T0 = NOW - 2 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()
const win = (spanMs: number, step: number) => `from=${iso(NOW - spanMs)}&to=${iso(NOW)}&step=${step}`
const ALL = METRIC_IDS.join(',')

/** Requests per route: defaults, each source (raw 1 h, per-minute 24 h, hourly 7 d), filters. */
const REQUESTS: Record<QueryRoute, string[]> = {
  '/healthz': [''],
  '/api/v1/metrics/catalogue': [''],
  '/api/v1/metrics': ['', `ids=${ALL}&${win(HOUR, 60)}`, `ids=${ALL}&${win(24 * HOUR, 300)}`, `ids=${ALL}&${win(7 * 24 * HOUR, 3600)}`, `ids=${ALL}&${win(6 * HOUR, 600)}&factor=sms&user_group=admin&client=web`],
  '/api/v1/outcomes': ['', win(24 * HOUR, 600), win(7 * 24 * HOUR, 3600), `${win(HOUR, 60)}&factor=push`],
  '/api/v1/events': ['', `${win(HOUR, 60).replace(/&step=\d+/, '')}&limit=500`, `flow_id=${FLOW}&from=${iso(FROM)}`],
  '/api/v1/providers': ['', win(7 * 24 * HOUR, 3600), `${win(24 * HOUR, 900)}&channel=sms&region=eu-west`],
  '/api/v1/providers/series': ['provider=twilio', `provider=twilio&${win(7 * 24 * HOUR, 3600)}`, `provider=fcm&${win(24 * HOUR, 900)}&channel=push`],
  '/api/v1/security/enrollment': [win(7 * 24 * HOUR, 3600)],
  '/api/v1/security/bypasses': [win(7 * 24 * HOUR, 3600)],
  '/api/v1/security/recovery': [win(7 * 24 * HOUR, 3600)],
  '/api/v1/security/attacks': [win(7 * 24 * HOUR, 3600)],
  '/api/v1/explore/breakdown': [win(24 * HOUR, 900)],
  '/api/v1/executive': [win(7 * 24 * HOUR, 7 * 24 * 3600)],
  '/api/v1/explore/failures': [`${win(24 * HOUR, 900).replace(/&step=\d+/, '')}&limit=200`],
  '/api/v1/explore/flow': [`flow_id=${FLOW}`],
  '/api/v1/ingest/conflicts': ['', `${win(24 * HOUR, 900).replace(/&step=\d+/, '')}&limit=10`],
}

let dir: string
let server: Server
let base: string
let close: () => Promise<void>
let rowCount = 0

beforeAll(async () => {
  dir = tempDir('query-contract')
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  close = ch.close
  await migrate(ch.client, { ttlDays: 400 })
  const generated = generatedEvents({ fromMs: FROM, toMs: NOW, flows: 3000 })
  const security = securityEvents(T0)
  rowCount = generated.length + security.rows.length
  await ch.client.insert({ table: 'mfa_events', values: generated, format: 'JSONEachRow' })
  await ch.client.insert({ table: 'mfa_events', values: security.rows, format: 'JSONEachRow' })
  await ch.client.insert({ table: 'otel_traces', values: security.spans, format: 'JSONEachRow' })
  server = createQueryServer({ client: ch.client, transport: ch.transport, now: () => NOW })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 180_000)

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await close?.()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, body: await res.json() }
}

describe('query API responses match contract/query.ts', () => {
  it('every route the server mounts has a schema, and every schema a route', () => {
    const fixed = ['/healthz', '/api/v1/metrics/catalogue', '/api/v1/metrics', '/api/v1/outcomes', '/api/v1/events', '/api/v1/providers', '/api/v1/providers/series', '/api/v1/ingest/conflicts']
    expect([...fixed, ...REPORTS.map((r) => r.path)].sort()).toEqual(Object.keys(QUERY_ROUTES).sort())
  })

  it.each(Object.entries(REQUESTS).flatMap(([route, qs]) => qs.map((q) => [route as QueryRoute, q] as const)))('%s?%s', async (route, q) => {
    const { status, body } = await get(q ? `${route}?${q}` : route)
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200)
    const parsed = QUERY_ROUTES[route].safeParse(body)
    expect(parsed.success ? [] : parsed.error.issues.slice(0, 5)).toEqual([])
    expect(parsed.data).toEqual(body)
  })

  it('the generated traffic reaches every part of the answers (the parses above are not of empty shapes)', async () => {
    expect(rowCount).toBeGreaterThan(10_000)
    const m = MetricsResponse.parse((await get(`/api/v1/metrics?ids=${ALL}&${win(7 * 24 * HOUR, 3600)}`)).body)
    expect(m.M2?.source).toBe('rollup_1h')
    for (const id of METRIC_IDS) expect(m[id]?.value, id).not.toBeNull()
    const p = QUERY_ROUTES['/api/v1/providers'].parse((await get(`/api/v1/providers?${win(7 * 24 * HOUR, 3600)}`)).body)
    expect(p.providers.map((x) => `${x.provider}/${x.channel}`).sort()).toEqual(['apns/push', 'fcm/push', 'sendgrid/email', 'ses/email', 'twilio/sms', 'vonage/sms', 'vonage/voice'])
    const twilio = p.providers.find((x) => x.provider === 'twilio' && x.channel === 'sms')!
    expect(twilio.circuit.transitions_in_window).toBe(12)
    expect(twilio.fallback.out + twilio.fallback.in).toBeGreaterThan(0)
    expect(twilio.delivery.time_to_delivery_ms?.p95).toBeGreaterThan(0)
    const ev = QUERY_ROUTES['/api/v1/events'].parse((await get(`/api/v1/events?from=${iso(FROM)}&limit=1000`)).body)
    expect(new Set(ev.events.map((x) => x.event)).size).toBeGreaterThanOrEqual(8)
  })

  it('a drifted answer fails its schema (a missing field, an undeclared one, a wrong type)', async () => {
    const { body } = await get(`/api/v1/metrics?ids=M1,M5&${win(HOUR, 60)}`)
    const ok = MetricsResponse.parse(body)
    const { flows: _gone, ...m1 } = ok.M1!
    expect(MetricsResponse.safeParse({ ...ok, M1: m1 }).success).toBe(false)
    expect(MetricsResponse.parse({ ...ok, M1: { ...ok.M1, extra: 1 } })).not.toEqual({ ...ok, M1: { ...ok.M1, extra: 1 } })
    expect(MetricsResponse.safeParse({ ...ok, M5: { ...ok.M5, split_order: ['user_error', 'brute_force', 'system_error'] } }).success).toBe(false)
  })

  it('a refused request answers the error body naming the parameter', async () => {
    const { status, body } = await get('/api/v1/metrics?step=5')
    expect(status).toBe(400)
    expect(ErrorBody.parse(body).error.parameter).toBe('step')
  })
})
