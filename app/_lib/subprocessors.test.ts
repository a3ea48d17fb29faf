import { describe, expect, it } from 'vitest'
import { loadRegistry } from '../../dashboards/schema/registry'
import { ConsoleError } from './collector-client'
import type { ProviderHealthRead as ProviderHealth } from './collector-reads'
import { buildRows, buildSubprocessors, buildVendor, parseScope } from './subprocessors'

const registry = loadRegistry()
const NOW = new Date('2026-11-23T12:00:00Z')
const window = { from: new Date(NOW.getTime() - 3_600_000), to: NOW, step: 1800 }
const T = [NOW.getTime() - 3_600_000, NOW.getTime() - 1_800_000]

function health(provider: string, channel: string, extra: Partial<ProviderHealth> = {}): ProviderHealth {
  return {
    provider, channel, requests: 10, errors: 5, availability: 0.5, error_rate: 0.5, latency_ms: { p50: 100, p95: 200, p99: 300 },
    delivery: { receipts: 5, success_rate: 1, time_to_delivery_ms: { p50: 1000, p95: 2000 } },
    fallback: { in: 0, out: 5, share: 0 }, cost: { total_micros: 395_000, per_successful_verification_micros: 39_500 },
    circuit: { state: 'open', since: NOW.toISOString(), transitions_in_window: 1, transitions: [{ ts: NOW.toISOString(), from: 'closed', to: 'open', reason: 'failure_threshold' }] },
    series: [[T[0], 4, 0], [T[1], 6, 5]],
    ...extra,
  }
}

describe('parseScope', () => {
  it('reads channel and region, empty means all', () => {
    expect(parseScope(new URLSearchParams('channel=sms&region=eu-west'))).toEqual({ channel: 'sms', region: 'eu-west' })
    expect(parseScope(new URLSearchParams('channel=&region='))).toEqual({})
  })
  it.each([
    ['channel=fax', 'channel', 'invalid channel: got "fax", expected one of sms, voice, email, push, app, platform, none'],
    ['region=eu%20west', 'region', 'invalid region: got "eu west"'],
  ])('refuses %s', (q, parameter, message) => {
    try {
      parseScope(new URLSearchParams(q))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConsoleError)
      expect((err as ConsoleError).parameter).toBe(parameter)
      expect((err as ConsoleError).message).toContain(message)
    }
  })
})

describe('buildRows', () => {
  it('lists every registry vendor in scope, primary before backup, and flags unregistered providers', () => {
    const rows = buildRows([health('vonage', 'sms', { availability: 0.9995, errors: 0 }), health('twilio', 'sms'), health('shadow-sms', 'sms')], registry, { channel: 'sms', region: 'eu-west' })
    expect(rows.map((r) => [r.provider, r.registered, r.meetsSla])).toEqual([
      ['twilio', true, false],
      ['vonage', true, true], // 99.95 % meets a 99.95 % SLA despite float noise
      ['shadow-sms', false, null],
    ])
    expect(rows[0]).toMatchObject({ legalName: 'Twilio Inc.', errorRate: 0.5, circuit: { state: 'open', transitionsInWindow: 1 }, series: [{ t: T[0], requests: 4, errors: 0 }, { t: T[1], requests: 6, errors: 5 }] })
  })

  it('gives vendors without traffic an empty row; voice in us-east puts vonage first', () => {
    const rows = buildRows([], registry, { channel: 'voice', region: 'us-east' })
    expect(rows.map((r) => r.provider)).toEqual(['vonage-voice', 'twilio-voice'])
    expect(rows[0]).toMatchObject({ requests: 0, availability: null, meetsSla: null, circuit: { state: null }, series: [] })
    expect(buildRows([], registry, {}).map((r) => r.channel)).toEqual(['sms', 'sms', 'voice', 'voice', 'email', 'email', 'push', 'push'])
  })
})

describe('buildSubprocessors', () => {
  it('joins health with registry facts, expiring certifications and the change log', () => {
    const v = buildSubprocessors(window, { channel: 'sms' }, { providers: [health('twilio', 'sms')] }, registry, NOW)
    expect(v.vendors.map((f) => f.id)).toEqual(['twilio', 'vonage'])
    expect(v.options).toEqual({ channels: ['sms', 'voice', 'email', 'push'], regions: ['eu-west', 'us-east'] })
    expect(v.expiring).toEqual([{ vendor: 'vonage', certification: 'ISO/IEC 27001', expires: '2026-12-15', daysLeft: 22 }])
    const vonage = v.vendors[1]
    expect(vonage.certifications).toEqual([
      { name: 'SOC 2 Type II', expires: '2027-04-30', daysLeft: null, status: 'valid' },
      { name: 'ISO/IEC 27001', expires: '2026-12-15', daysLeft: 22, status: 'expiring' },
    ])
    expect(vonage.fallbackPositions).toEqual(['sms eu-west: 2nd of 2', 'sms us-east: 2nd of 2'])
    expect(v.changelog[0]).toEqual({ date: '2026-10-05', vendor: 'sendgrid', kind: 'data_categories_changed', summary: expect.any(String) })
    expect(v.empty).toBe(false)
    expect(buildSubprocessors(window, {}, { providers: [] }, registry, NOW).empty).toBe(true)
  })
})

describe('buildVendor', () => {
  it('maps the series and keeps the vendor change log', () => {
    const series = {
      series: [[T[0], 4, 0, 210, 4, 4], [T[1], 6, 5, null, 1, 0]] as [number, number, number, number | null, number, number][],
      totals: { requests: 10, errors: 5, deliveries: 5, delivered: 4, availability: 0.5, error_rate: 0.5, delivery_success_rate: 0.8, latency_ms: null },
      circuit: health('twilio', 'sms').circuit,
    }
    const v = buildVendor(window, 'twilio', { providers: [health('twilio', 'sms'), health('vonage', 'sms')] }, series, registry, NOW)
    expect(v.rows.map((r) => r.provider)).toEqual(['twilio'])
    expect(v.series[1]).toEqual({ t: T[1], requests: 6, errors: 5, ok: 1, errorRate: 5 / 6, p95: null, deliveries: 1, delivered: 0, undelivered: 1 })
    expect(v.facts?.legalName).toBe('Twilio Inc.')
    expect(v.changelog.map((c) => c.kind)).toEqual(['added'])
    expect(v.circuit.transitions).toHaveLength(1)
  })
})
