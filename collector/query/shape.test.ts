import { describe, expect, it } from 'vitest'
import { shapeEvent } from './events'
import { shapeM5, shapeM8, shapeReasonCounts } from './metrics-counts'
import { shapeM2, shapeM9 } from './metrics-latency'
import { CATALOGUE } from './catalogue'
import { shapeOutcomes } from './outcomes'
import type { MetricContext } from './types'
import { RAW } from './source'

const window = { fromMs: 0, toMs: 180_000, stepS: 60 }
const ctx: MetricContext = { window, filters: {}, nowMs: 0, source: RAW }

describe('metric shapes', () => {
  it.each([
    ['no rows', [], { value: null, series: [[0, null], [60_000, null], [120_000, null]], flows: 0, successful_flows: 0 }],
    ['strings from a ClickHouse server', [{ t: '0', flows: '4', hits: '3' }, { t: '120000', flows: '1', hits: '0' }],
      { value: 0.6, series: [[0, 0.75], [60_000, null], [120_000, 0]], flows: 5, successful_flows: 3 }],
  ])('M1 with %s', (_n, rows, expected) => expect(CATALOGUE.get('M1')!.shape(rows, ctx)).toEqual(expected))

  it('M2 splits the window row from bucket rows and rounds', () => {
    const rows = [
      { t: 0, whole: 1, n: 3, q: [10.04, 20, 30] },
      { t: 60_000, whole: 0, n: 3, q: [10.04, 20, 30] },
    ]
    expect(shapeM2(rows, ctx)).toEqual({ value: { p50: 10, p95: 20, p99: 30 }, series: [[0, null, null, null], [60_000, 10, 20, 30], [120_000, null, null, null]], count: 3 })
    expect(shapeM2([{ t: 0, whole: 1, n: 0, q: [null, null, null] }], ctx).value).toBeNull()
    expect(shapeM9([{ t: 0, whole: 1, n: 2, q: [900, 1500, 1600] }, { t: 0, whole: 0, n: 2, q: [900, 1500, 1600] }], ctx)).toMatchObject({ value: 1500, series: [[0, 1500], [60_000, null], [120_000, null]] })
  })

  it('M5 splits errors', () => {
    const r = shapeM5([{ t: 0, attempts: 10, user_error: 2, brute_force: 1, system_error: 1, lockouts: 1 }], ctx)
    expect(r).toMatchObject({ value: 0.4, attempts: 10, user_error: 2, rates: { user_error: 0.2, brute_force: 0.1, system_error: 0.1 }, lockouts: 1 })
    expect(r.series_split).toEqual([[0, 0.1, 0.1, 0.2], [60_000, null, null, null], [120_000, null, null, null]])
  })

  it('M4/M7 report every contract reason', () => {
    const r = shapeReasonCounts([{ t: 0, reason: 'break_glass', n: '2' }], ctx, 'mfa.bypass')
    expect(r).toEqual({ value: 2, series: [[0, 2], [60_000, 0], [120_000, 0]], by_reason: { trusted_device: 0, policy_exempt: 0, admin_override: 0, break_glass: 2 } })
  })

  it('M4 does not count regenerated recovery codes as a recovery (still listed by reason)', () => {
    const r = shapeReasonCounts([{ t: 0, reason: 'requested', n: '2' }, { t: 0, reason: 'recovery_codes_regenerated', n: '5' }, { t: 60_000, reason: 'recovery_codes_regenerated', n: '1' }], ctx, 'mfa.recovery')
    expect(r.value).toBe(2)
    expect(r.series).toEqual([[0, 2], [60_000, 0], [120_000, 0]])
    expect(r.by_reason).toMatchObject({ requested: 2, recovery_codes_regenerated: 6 })
  })

  it('M8 coverage is the best factor per group over all accounts', () => {
    const rows = [
      { t: 0, whole: 1, user_group: 'admin', factor: 'webauthn', enrolled: 10, total: 10 },
      { t: 0, whole: 1, user_group: 'customer', factor: 'sms', enrolled: 30, total: 90 },
      { t: 0, whole: 1, user_group: 'customer', factor: 'webauthn', enrolled: 9, total: 90 },
      { t: 60_000, whole: 0, user_group: 'admin', factor: 'webauthn', enrolled: 10, total: 10 },
    ]
    const r = shapeM8(rows, ctx)
    expect(r).toMatchObject({ value: 0.4, phishing_resistant_share: 0.19, accounts: 100, series: [[0, null], [60_000, 1], [120_000, null]] })
    expect(r.by_group).toMatchObject({ customer: { total: 90, coverage: 0.333333, factors: { sms: { enrolled: 30, coverage: 0.333333 } } } })
  })
})

describe('events and outcomes', () => {
  it('shapes an event row: ISO time, no empty columns, attributes kept', () => {
    const row = {
      ts: '2026-03-10 11:00:00.250', event: 'mfa.challenge.verified', service: 'idp', latency_ms: null, attributes: { 'x.y': '1' },
      event_id: 'e1', flow_id: 'f', factor: 'totp', provider: '', outcome: 'failure', attempt: 2, cost_micros: '0', enrolled_count: 0, total_count: 0,
    }
    expect(shapeEvent(row)).toEqual({ ts: '2026-03-10T11:00:00.250Z', event: 'mfa.challenge.verified', service: 'idp', event_id: 'e1', flow_id: 'f', factor: 'totp', outcome: 'failure', attempt: 2, attributes: { 'x.y': '1' } })
    expect(shapeEvent({ ts: '2026-03-10 11:00:00.000', event: 'mfa.enrollment.snapshot', enrolled_count: 0, total_count: '5', attributes: {} }))
      .toEqual({ ts: '2026-03-10T11:00:00.000Z', event: 'mfa.enrollment.snapshot', enrolled_count: 0, total_count: 5, attributes: {} })
  })

  it('outcomes: logins on top, verifications nested', () => {
    const rows = [
      { t: 0, event: 'mfa.login.completed', label: 'success', n: 3 },
      { t: 60_000, event: 'mfa.login.completed', label: 'abandoned', n: '1' },
      { t: 60_000, event: 'mfa.challenge.verified', label: 'failure', n: 2 },
    ]
    expect(shapeOutcomes(rows, { window, filters: {} })).toEqual({
      totals: { success: 3, abandoned: 1 },
      series: [[0, { success: 3 }], [60_000, { abandoned: 1 }], [120_000, {}]],
      verifications: { totals: { failure: 2 }, series: [[0, {}], [60_000, { failure: 2 }], [120_000, {}]] },
    })
  })
})
