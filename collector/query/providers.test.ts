import { describe, expect, it } from 'vitest'
import { parseProviderSeriesRequest, parseProvidersRequest } from './params'
import { circuitsSql, providerBucketsSql, providerFallbacksSql, providerSeriesSql, providerTotalsSql, successfulVerificationsSql } from './providers'
import { shapeCircuit, shapeProviderSeries, shapeProviders } from './providers-shape'
import type { SqlQuery } from './types'

const NOW = Date.parse('2026-03-10T12:00:00Z')
const window = { fromMs: NOW - 180_000, toMs: NOW, stepS: 60 }
const T = [NOW - 180_000, NOW - 120_000, NOW - 60_000]

describe('provider request parameters', () => {
  it('parses window, channel and region; provider is required for the series', () => {
    expect(parseProvidersRequest(new URLSearchParams('channel=sms&region=eu-west&step=60'), NOW)).toEqual({
      ok: true, value: { window: { fromMs: NOW - 3_600_000, toMs: NOW, stepS: 60 }, channel: 'sms', region: 'eu-west' },
    })
    expect(parseProviderSeriesRequest(new URLSearchParams('provider=twilio'), NOW)).toMatchObject({ ok: true, value: { provider: 'twilio', channel: undefined } })
  })
  it.each([
    ['channel=fax', 'channel'], ['factor=sms', 'factor'], ['region=', 'region'], ['step=5', 'step'],
  ])('%s → 400 on %s', (qs, parameter) => {
    const r = parseProvidersRequest(new URLSearchParams(qs), NOW)
    expect(r.ok ? null : r.error.parameter).toBe(parameter)
  })
  it('a series without provider names it', () => {
    expect(parseProviderSeriesRequest(new URLSearchParams('channel=sms'), NOW)).toEqual({ ok: false, error: { parameter: 'provider', message: 'provider: required, expected a vendor id such as twilio' } })
  })
})

/** Placeholders `{name:Type}` in the SQL must all have a parameter. */
const placeholders = (q: SqlQuery) => [...q.query.matchAll(/\{([a-z_]+):[A-Za-z0-9(), ']+\}/g)].map((m) => m[1])

describe('provider statements keep request values out of the SQL text', () => {
  const hostile = { window, channel: "sms' OR 1=1 --", region: 'eu;DROP', provider: 'tw"ilio' }
  it.each([
    ['totals', providerTotalsSql(hostile)],
    ['buckets', providerBucketsSql(hostile)],
    ['fallbacks', providerFallbacksSql(hostile)],
    ['verifications', successfulVerificationsSql(hostile)],
    ['circuits', circuitsSql(hostile)],
    ['series', providerSeriesSql(hostile)],
  ] as const)('%s', (_name, q) => {
    for (const v of [hostile.channel, hostile.region, hostile.provider]) expect(q.query).not.toContain(v)
    for (const name of placeholders(q)) expect(q.params, `parameter ${name}`).toHaveProperty(name)
    // Copies are dropped: by FINAL, or (circuit transitions, rare) by event id.
    expect(q.query).toMatch(_name === 'circuits' ? /FROM mfa_security_events\s[\s\S]*LIMIT 1 BY event_id/ : /FROM mfa_events FINAL/)
  })

  it('filters only what is given; circuits and fallbacks without a region or channel still match', () => {
    for (const sql of [providerTotalsSql, providerBucketsSql]) {
      expect(sql({ window }).query).not.toMatch(/f_region|f_channel/)
      expect(sql({ window, channel: 'sms' }).query).toContain('channel = {f_channel:String}')
    }
    expect(successfulVerificationsSql({ window, channel: 'sms' }).query).toContain('factor = {f_channel:String}')
    expect(circuitsSql({ window, region: 'eu-west' }).query).toContain("(region = {f_region:String} OR region = '')")
    expect(circuitsSql({ window }).params.lookback_from_ms).toBe(window.fromMs - 30 * 86_400_000)
    expect(providerSeriesSql({ window, provider: 'x' }).query).toContain('provider = {provider:String}')
  })
})

const whole = (provider: string, channel: string, extra: Record<string, unknown> = {}) => ({
  provider, channel, requests: '4', successes: '3', errors: '1', latency_n: 4, latency_q: [100.04, 200, 300], cost_total: '300',
  deliveries: 2, delivered: 1, late: 0, ttd_n: 1, ttd_q: [900, 900], r_ok: 3, r_http_5xx: 1, ...extra,
})

describe('shapeProviders', () => {
  it('joins requests, fallbacks, verifications and circuits per provider × channel', () => {
    const r = shapeProviders({ window }, {
      totals: [whole('a', 'sms')],
      buckets: [{ provider: 'a', channel: 'sms', t: T[1], requests: 4, errors: 1 }],
      fallbacks: [
        { fallback_from: 'b', fallback_to: 'a', channel: 'sms', reason: 'provider_error', n: '2' },
        // No channel: goes to a's only row.
        { fallback_from: 'b', fallback_to: 'a', channel: '', reason: 'circuit_open', n: 1 },
        // Fallbacks to a factor (the user switched) name no provider row.
        { fallback_from: 'sms', fallback_to: 'totp', channel: '', reason: 'user_choice', n: 5 },
      ],
      verifications: [{ factor: 'sms', n: '6' }, { factor: 'totp', n: 9 }],
      circuits: [{ provider: 'a', state: 'half_open', last_channel: 'sms', since_ms: T[2], transitions_n: 1, transitions: [[T[2], 'open', 'half_open', 'cooldown_elapsed']] }],
    })
    expect(r.providers).toHaveLength(1)
    expect(r.providers[0]).toMatchObject({
      provider: 'a', channel: 'sms', requests: 4, availability: 0.75, error_rate: 0.25,
      by_reason: { ok: 3, http_5xx: 1, timeout: 0 },
      latency_ms: { p50: 100, p95: 200, p99: 300 },
      delivery: { receipts: 2, delivered: 1, success_rate: 0.5, time_to_delivery_ms: { p50: 900, p95: 900 } },
      fallback: { in: 3, out: 0, share: 0.75, in_by_reason: { provider_error: 2, circuit_open: 1 } },
      cost: { total_micros: 300, successful_verifications: 6, per_successful_verification_micros: 50 },
      circuit: { state: 'half_open', since: new Date(T[2]).toISOString(), transitions: [{ ts: new Date(T[2]).toISOString(), from: 'open', to: 'half_open', reason: 'cooldown_elapsed' }] },
      series: [[T[0], 0, 0], [T[1], 4, 1], [T[2], 0, 0]],
    })
  })

  it('leaves an unchannelled fallback uncounted for a vendor with several channels', () => {
    const r = shapeProviders({ window }, {
      totals: [whole('a', 'sms'), whole('a', 'voice')],
      buckets: [],
      fallbacks: [{ fallback_from: 'b', fallback_to: 'a', channel: '', reason: 'provider_error', n: 1 }],
      verifications: [],
      circuits: [],
    })
    expect(r.providers.map((p) => [p.channel, p.fallback.in, p.cost.per_successful_verification_micros])).toEqual([['sms', 0, null], ['voice', 0, null]])
  })

  it('lists circuit-only vendors unless the channel filter excludes them', () => {
    const circuits = [{ provider: 'c', state: 'open', last_channel: 'push', since_ms: T[0] - 1, transitions_n: '0', transitions: [] }]
    const shaped = (channel?: string) => shapeProviders({ window, channel }, { totals: [], buckets: [], fallbacks: [], verifications: [], circuits }).providers
    expect(shaped().map((p) => [p.provider, p.channel, p.requests, p.availability, p.circuit.state])).toEqual([['c', 'push', 0, null, 'open']])
    expect(shaped('sms')).toEqual([])
  })
})

describe('shapeCircuit and the series', () => {
  it('reads tuples delivered as objects too', () => {
    expect(shapeCircuit({ state: 'open', since_ms: '1000', transitions_n: 1, transitions: [{ 1: 1000, 2: '', 3: 'open', 4: 'manual' }] })).toEqual({
      state: 'open', since: '1970-01-01T00:00:01.000Z', transitions_in_window: 1, transitions: [{ ts: '1970-01-01T00:00:01.000Z', from: 'unknown', to: 'open', reason: 'manual' }],
    })
  })

  it('fills every bucket and totals the window', () => {
    const rows = [
      { t: 0, whole: 1, requests: 3, successes: 2, errors: 1, latency_n: 3, latency_q: [10, 20, 30], deliveries: 2, delivered: 2 },
      { t: T[1], whole: 0, requests: 3, successes: 2, errors: 1, latency_n: 3, latency_q: [10, 20, 30], deliveries: 2, delivered: 2 },
    ]
    const s = shapeProviderSeries({ window, provider: 'a' }, rows, [])
    expect(s.series).toEqual([[T[0], 0, 0, null, 0, 0], [T[1], 3, 1, 20, 2, 2], [T[2], 0, 0, null, 0, 0]])
    expect(s.totals).toEqual({ requests: 3, successes: 2, errors: 1, deliveries: 2, delivered: 2, availability: 0.666667, error_rate: 0.333333, delivery_success_rate: 1, latency_ms: { p50: 10, p95: 20, p99: 30 } })
    expect(s.circuit.state).toBeNull()
  })
})
