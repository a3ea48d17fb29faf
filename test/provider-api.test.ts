/**
 * Sub-processor health from the real collector process: OTLP/protobuf log records made by the
 * OpenTelemetry JS SDK for two SMS vendors, one of them (twilio) in an outage with 5xx answers,
 * an opened circuit and fallbacks to the other (vonage); then the query API's numbers.
 */
import type { LogRecord } from '@opentelemetry/api-logs'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdkLogs } from './support/otel-records'
import { eventually, freePort, startProcess, tempDir, type Running } from './support/processes'

const MIN = 60_000
// Two 10-minute buckets ending at the last whole 10 minutes (recent: the events table has a TTL).
const T0 = Math.floor(Date.now() / (10 * MIN)) * 10 * MIN - 20 * MIN
const iso = (ms: number) => new Date(ms).toISOString()
const WINDOW = `from=${iso(T0)}&to=${iso(T0 + 20 * MIN)}&step=600`

let seq = 0
function rec(atMs: number, name: string, attrs: Record<string, string | number>): LogRecord {
  return { timestamp: atMs, attributes: { 'event.name': name, 'event.id': `pa-${++seq}`, 'mfa.region': 'eu-west', ...attrs } }
}
const sms = (provider: string) => ({ 'mfa.provider': provider, 'mfa.channel': 'sms' })
const request = (at: number, provider: string, outcome: string, reason: string, latency: number, cost: number, extra: Record<string, string> = {}) =>
  rec(at, 'mfa.provider.request', { ...sms(provider), 'mfa.outcome': outcome, 'mfa.reason': reason, 'mfa.latency_ms': latency, 'mfa.cost_micros': cost,
    'mfa.http_status_class': reason === 'ok' ? '2xx' : reason === 'http_5xx' ? '5xx' : 'none', 'mfa.flow_id': `flow-${seq}`, ...extra })
const delivery = (at: number, provider: string, reason: string, ttd: number, msg: string) =>
  rec(at, 'mfa.provider.delivery', { ...sms(provider), 'mfa.outcome': reason === 'delivered' ? 'success' : 'failure', 'mfa.reason': reason, 'mfa.latency_ms': ttd, 'mfa.provider_message_id': msg })
const verified = (at: number, factor: string, outcome: string) =>
  rec(at, 'mfa.challenge.verified', { 'mfa.flow_id': `v-${seq}`, 'mfa.factor': factor, 'mfa.outcome': outcome, 'mfa.reason': outcome === 'success' ? 'ok' : 'invalid_code', 'mfa.latency_ms': 9000 })
const circuit = (at: number, provider: string, channel: string, from: string, to: string, reason: string) =>
  rec(at, 'mfa.circuit.changed', { 'mfa.provider': provider, 'mfa.channel': channel, 'mfa.circuit_from_state': from, 'mfa.circuit_state': to, 'mfa.reason': reason })
const fallback = (at: number, reason: string) =>
  rec(at, 'mfa.fallback', { 'mfa.flow_id': `fb-${seq}`, 'mfa.fallback_from': 'twilio', 'mfa.fallback_to': 'vonage', 'mfa.channel': 'sms', 'mfa.reason': reason })

function records(): LogRecord[] {
  const out: LogRecord[] = []
  // Before the window: twilio's circuit recovered; twilio-voice's opened and stays open (no traffic since).
  out.push(circuit(T0 - 5 * MIN, 'twilio', 'sms', 'half_open', 'closed', 'probe_succeeded'))
  out.push(circuit(T0 - 15 * MIN, 'twilio-voice', 'voice', 'closed', 'open', 'failure_threshold'))
  // Bucket 1, healthy: twilio 6 sends (100…600 ms), 5 delivered (1…5 s), 1 failed; vonage 2 sends.
  for (let i = 1; i <= 6; i++) {
    out.push(request(T0 + i * MIN, 'twilio', 'success', 'ok', i * 100, 79_000, { 'mfa.provider_message_id': `tw-${i}` }))
    out.push(i <= 5 ? delivery(T0 + i * MIN + i * 1000, 'twilio', 'delivered', i * 1000, `tw-${i}`) : delivery(T0 + i * MIN + 500, 'twilio', 'failed', 400, `tw-${i}`))
    if (i <= 5) out.push(verified(T0 + i * MIN + 20_000, 'sms', 'success'))
  }
  out.push(request(T0 + 7 * MIN, 'vonage', 'success', 'ok', 300, 68_400), request(T0 + 8 * MIN, 'vonage', 'success', 'ok', 500, 68_400))
  out.push(verified(T0 + 8 * MIN, 'sms', 'failure'), verified(T0 + 8 * MIN, 'totp', 'success'))
  // Bucket 2, twilio's outage: four 5xx, the circuit opens, two short-circuited calls; every one falls back to vonage.
  for (let i = 0; i < 4; i++) out.push(request(T0 + 10 * MIN + i * 10_000, 'twilio', 'error', 'http_5xx', 50, 0), fallback(T0 + 10 * MIN + i * 10_000 + 100, 'provider_error'))
  out.push(circuit(T0 + 11 * MIN, 'twilio', 'sms', 'closed', 'open', 'failure_threshold'))
  for (let i = 0; i < 2; i++) out.push(request(T0 + 12 * MIN + i * MIN, 'twilio', 'error', 'circuit_open', 0, 0), fallback(T0 + 12 * MIN + i * MIN + 100, 'circuit_open'))
  for (let i = 0; i < 6; i++) {
    out.push(request(T0 + 10 * MIN + i * MIN + 1000, 'vonage', 'success', 'ok', 300 + i * 100, 68_400, { 'mfa.provider_message_id': `vo-${i}` }))
    out.push(delivery(T0 + 10 * MIN + i * MIN + 3000, 'vonage', 'delivered', 2000, `vo-${i}`), verified(T0 + 10 * MIN + i * MIN + 30_000, 'sms', 'success'))
  }
  // Another region: only counted without the region filter.
  out.push(request(T0 + 3 * MIN, 'twilio', 'success', 'ok', 100, 79_000, { 'mfa.region': 'us-east' }))
  return out
}

let collector: Running
let dataDir: string
let query = ''

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${query}${path}`)
  return { status: res.status, body: await res.json() }
}

beforeAll(async () => {
  dataDir = tempDir('provider-api')
  const [otlpPort, queryPort] = await Promise.all([freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort), FACTORWATCH_DATA_DIR: dataDir,
  }, [/collector query listening/])
  query = `http://127.0.0.1:${queryPort}`
  const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(records(), 'third-party-idp'))!
  const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/logs`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/x-protobuf' } })
  expect(res.status).toBe(200)
  await eventually(async () => (await get(`/api/v1/providers?${WINDOW}`)).body.providers?.length === 3)
})

afterAll(async () => {
  await collector?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('GET /api/v1/providers', () => {
  it('measures the failing vendor: availability, errors by reason, latency, receipts, cost, circuit', async () => {
    const { status, body } = await get(`/api/v1/providers?${WINDOW}&region=eu-west`)
    expect(status).toBe(200)
    expect(body.window).toEqual({ from: iso(T0), to: iso(T0 + 20 * MIN), step: 600 })
    // Ordered by channel, then provider.
    expect(body.providers.map((p: any) => `${p.provider}/${p.channel}`)).toEqual(['twilio/sms', 'vonage/sms', 'twilio-voice/voice'])
    const twilio = body.providers.find((p: any) => p.provider === 'twilio')
    expect(twilio).toMatchObject({
      requests: 12, successes: 6, errors: 6, availability: 0.5, error_rate: 0.5,
      by_reason: { ok: 6, http_4xx: 0, http_5xx: 4, timeout: 0, network_error: 0, rate_limited: 0, circuit_open: 2 },
      // 50×4, 100…600 (short-circuited calls excluded); ClickHouse `quantiles` interpolates linearly.
      latency_ms: { p50: 150, p95: 555, p99: 591 },
      delivery: { receipts: 6, delivered: 5, late: 0, success_rate: 0.833333, time_to_delivery_ms: { p50: 3000, p95: 4800 } },
      fallback: { in: 0, out: 6, share: 0, out_by_reason: { provider_error: 4, circuit_open: 2 } },
      // 6 × 79 000 µ over the 11 successful SMS verifications of the window.
      cost: { total_micros: 474_000, successful_verifications: 11, per_successful_verification_micros: 43_090.9 },
      series: [[T0, 6, 0], [T0 + 10 * MIN, 6, 6]],
    })
    expect(twilio.circuit).toEqual({
      state: 'open', since: iso(T0 + 11 * MIN), transitions_in_window: 1,
      transitions: [{ ts: iso(T0 + 11 * MIN), from: 'closed', to: 'open', reason: 'failure_threshold' }],
    })
  })

  it('credits the fallback target with the traffic it took over', async () => {
    const { body } = await get(`/api/v1/providers?${WINDOW}&region=eu-west`)
    const vonage = body.providers.find((p: any) => p.provider === 'vonage')
    expect(vonage).toMatchObject({
      requests: 8, errors: 0, availability: 1, error_rate: 0,
      latency_ms: { p50: 500, p95: 765, p99: 793 },
      delivery: { receipts: 6, delivered: 6, success_rate: 1, time_to_delivery_ms: { p50: 2000, p95: 2000 } },
      fallback: { in: 6, out: 0, share: 0.75, in_by_reason: { provider_error: 4, circuit_open: 2 } },
      cost: { total_micros: 547_200, successful_verifications: 11, per_successful_verification_micros: 49_745.5 },
      circuit: { state: null, since: null, transitions_in_window: 0, transitions: [] },
      series: [[T0, 2, 0], [T0 + 10 * MIN, 6, 0]],
    })
  })

  it('lists a vendor whose circuit stayed open with no traffic', async () => {
    const { body } = await get(`/api/v1/providers?${WINDOW}`)
    const voice = body.providers.find((p: any) => p.provider === 'twilio-voice')
    expect(voice).toMatchObject({ channel: 'voice', requests: 0, availability: null, error_rate: null, latency_ms: null, series: [[T0, 0, 0], [T0 + 10 * MIN, 0, 0]] })
    expect(voice.circuit).toMatchObject({ state: 'open', since: iso(T0 - 15 * MIN), transitions_in_window: 0, transitions: [] })
  })

  it('honours the region and channel filters', async () => {
    const all = (await get(`/api/v1/providers?${WINDOW}`)).body
    expect(all.providers.find((p: any) => p.provider === 'twilio')).toMatchObject({ requests: 13, successes: 7 })
    const us = (await get(`/api/v1/providers?${WINDOW}&region=us-east`)).body
    expect(us.providers.map((p: any) => [p.provider, p.requests])).toEqual([['twilio', 1]])
    const voice = (await get(`/api/v1/providers?${WINDOW}&channel=voice`)).body
    expect(voice.providers.map((p: any) => p.provider)).toEqual(['twilio-voice'])
    const email = (await get(`/api/v1/providers?${WINDOW}&channel=email`)).body
    expect(email.providers).toEqual([])
  })
})

describe('windows over 6 hours read the provider rollups', () => {
  it.each([['3600', 'rollup_1h'], ['900', 'rollup_5m']])('step %s reads %s and gives the raw answers over the same events', async (step, source) => {
    // Circuits are read raw and the longer window holds earlier transitions; series are buckets of the step.
    const strip = (b: any) => b.providers.map(({ series: _s, circuit: _c, ...p }: any) => p)
    for (const filter of ['', '&region=eu-west', '&channel=sms']) {
      const raw = (await get(`/api/v1/providers?${WINDOW}${filter}`)).body
      const long = (await get(`/api/v1/providers?from=${iso(T0 + 20 * MIN - 24 * 3_600_000)}&to=${iso(T0 + 20 * MIN)}&step=${step}${filter}`)).body
      expect(long.error).toBeUndefined()
      expect([raw.source, long.source]).toEqual(['raw', source])
      expect(strip(long)).toEqual(strip(raw))
      // The table's sparkline: its non-empty buckets are raw events' at the same step (a 6-hour window reads raw).
      const rawSameStep = (await get(`/api/v1/providers?from=${iso(T0 + 20 * MIN - 6 * 3_600_000)}&to=${iso(T0 + 20 * MIN)}&step=${step}${filter}`)).body
      expect(rawSameStep.source).toBe('raw')
      const sparks = (b: any) => b.providers.map((p: any) => [p.provider, p.channel, p.series.filter((pt: number[]) => pt[1] > 0)])
      expect(sparks(long)).toEqual(sparks(rawSameStep))
      expect(sparks(long).some((x: any) => x[2].length > 0)).toBe(true)
    }
    const series = (await get(`/api/v1/providers/series?provider=twilio&from=${iso(T0 + 20 * MIN - 24 * 3_600_000)}&to=${iso(T0 + 20 * MIN)}&step=${step}`)).body
    expect(series.source).toBe(source)
    expect(series.totals).toMatchObject({ requests: 13, successes: 7 })
    // Bucket for bucket: the non-empty buckets of the rollup's series are the raw ones at the same step.
    const nonEmpty = (b: any) => b.series.filter((p: number[]) => p[1] > 0 || p[4] > 0)
    const rawSame = (await get(`/api/v1/providers/series?provider=twilio&from=${iso(T0 + 20 * MIN - 6 * 3_600_000)}&to=${iso(T0 + 20 * MIN)}&step=${step}`)).body
    expect(rawSame.source).toBe('raw')
    expect(nonEmpty(series).length).toBeGreaterThan(0)
    expect(nonEmpty(series)).toEqual(nonEmpty(rawSame))
  })
})

describe('GET /api/v1/providers/series', () => {
  it('gives one vendor per bucket: requests, errors, p95, receipts, plus its circuit history', async () => {
    const { status, body } = await get(`/api/v1/providers/series?provider=twilio&region=eu-west&${WINDOW}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      provider: 'twilio', channel: null, source: 'raw',
      columns: ['t', 'requests', 'errors', 'latency_p95_ms', 'deliveries', 'delivered'],
      series: [[T0, 6, 0, 575, 6, 5], [T0 + 10 * MIN, 6, 6, 50, 0, 0]],
      totals: { requests: 12, successes: 6, errors: 6, deliveries: 6, delivered: 5, availability: 0.5, error_rate: 0.5, delivery_success_rate: 0.833333 },
      circuit: { state: 'open', transitions_in_window: 1 },
    })
  })

  it('answers zeros for a vendor with no events', async () => {
    const { body } = await get(`/api/v1/providers/series?provider=nobody&${WINDOW}`)
    expect(body.series).toEqual([[T0, 0, 0, null, 0, 0], [T0 + 10 * MIN, 0, 0, null, 0, 0]])
    expect(body.totals).toMatchObject({ requests: 0, availability: null, latency_ms: null })
    expect(body.circuit.state).toBeNull()
  })
})

describe('bad parameters are a 400 naming the parameter', () => {
  it.each([
    ['/api/v1/providers?channel=fax', 'channel'],
    ['/api/v1/providers?region=eu%20west', 'region'],
    ['/api/v1/providers?step=1', 'step'],
    ['/api/v1/providers?from=yesterday', 'from'],
    ['/api/v1/providers?provider=twilio', 'provider'],
    ['/api/v1/providers?channel=sms&channel=voice', 'channel'],
    ['/api/v1/providers/series', 'provider'],
    ["/api/v1/providers/series?provider=tw'ilio", 'provider'],
    [`/api/v1/providers/series?provider=twilio&from=${iso(T0)}&to=${iso(T0 - MIN)}`, 'from'],
  ])('%s', async (path, parameter) => {
    const { status, body } = await get(path)
    expect(status).toBe(400)
    expect(body.error).toMatchObject({ code: 'invalid_parameter', parameter })
    expect(body.error.message).toMatch(new RegExp(`^${parameter}: `))
  })
})
