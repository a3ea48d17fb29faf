import { describe, expect, it } from 'vitest'
import { slos } from '../../test/fixtures/alerting'
import { budgetStatus, buildSlos, burnPairs, eventsLeft, loadSlos } from './slos'

const NOW = Date.parse('2026-12-06T20:00:00Z')

describe('burnPairs', () => {
  it.each([
    // [rates, burning per pair (page 1h/5m, page 6h/30m, ticket 1d/2h, ticket 3d/6h)]
    [{ '1h': 16.2, '5m': 18.4, '6h': 4.1, '30m': 12.1, '1d': 1.6, '2h': 9.3, '3d': 0.8 }, [true, false, false, false]],
    // The long window alone is not enough: the short one says it is still happening.
    [{ '1h': 20, '5m': 2, '6h': 7, '30m': 6, '1d': 3, '2h': 3, '3d': 1, '6h ': 0 }, [false, true, true, true]],
    [{ '1h': 14.4, '5m': 14.4, '6h': 0, '30m': 0, '1d': 0, '2h': 0, '3d': 0 }, [true, false, false, false]],
    [{ '1h': null, '5m': 20, '6h': 0, '30m': 0, '1d': 0, '2h': 0, '3d': null }, [null, false, false, null]],
  ])('%j → %j', (rates, burning) => {
    expect(burnPairs(rates as never).map((p) => p.burning)).toEqual(burning)
  })
  it('keeps the workbook factors and windows', () => {
    expect(burnPairs({}).map((p) => `${p.severity} ${p.factor}× ${p.long}/${p.short}`)).toEqual(['page 14.4× 1h/5m', 'page 6× 6h/30m', 'ticket 3× 1d/2h', 'ticket 1× 3d/6h'])
  })
})

describe('budget', () => {
  it.each([
    [null, 'no_data'], [1, 'healthy'], [0.25, 'healthy'], [0.2499, 'low'], [0, 'exhausted'], [-3, 'exhausted'],
  ] as const)('%s → %s', (remaining, status) => expect(budgetStatus(remaining)).toBe(status))

  it('counts the bad events still allowed, negative when overspent, null without data', () => {
    expect(eventsLeft({ objective: 99.5, sli: { value: 0.9975, status: 'ok', good: 119_700, total: 120_000 } })).toBe(300)
    expect(eventsLeft({ objective: 99.9, sli: { value: 0.9712, status: 'ok', good: 29_136, total: 30_000 } })).toBe(-834)
    expect(eventsLeft({ objective: 99.9, sli: { value: null, status: 'not_enough_data', good: 3, total: 3 } })).toBeNull()
  })
})

describe('buildSlos', () => {
  const view = buildSlos(slos(NOW), new Date(NOW))
  it('puts firing SLOs first, then the least budget left; no data last', () => {
    expect(view.slos.map((s) => s.id)).toEqual(['vendor-twilio-sms-availability', 'mfa-success', 'admin-enrollment', 'mfa-latency-p95', 'mfa-abandonment'])
    expect(view.counts).toEqual({ total: 5, exhausted: 1, low: 0, noData: 1, burning: 2, missed: 1 })
  })
  it('never reads "not enough data" as a budget', () => {
    const s = view.slos.find((s) => s.id === 'mfa-abandonment')!
    expect([s.budgetRemaining, s.eventsLeft, s.budgetStatus, s.met]).toEqual([null, null, 'no_data', null])
  })
  it('an objective of 100 % has no budget, only met or missed', () => {
    const s = view.slos.find((s) => s.id === 'admin-enrollment')!
    expect([s.budgetRemaining, s.eventsLeft, s.budgetStatus, s.met]).toEqual([null, null, 'no_budget', true])
    expect(s.burnPairs.every((p) => p.burning === null)).toBe(true)
  })
  it('orders the burn-down by time and each breakdown by bad events', () => {
    const s = view.slos.find((s) => s.id === 'mfa-success')!
    expect(s.burnDown.every((p, i) => i === 0 || p.t > s.burnDown[i - 1].t)).toBe(true)
    expect(s.burnDown.at(-1)!.v).toBeCloseTo(0.5)
    expect(s.attribution.map((a) => a.dimension)).toEqual(['factor', 'provider', 'region', 'user_group'])
    expect(s.attribution[0].rows.map((r) => r.key)).toEqual(['sms', 'totp', 'push'])
  })
  it('a collector answer off the contract is a 502 naming the field', async () => {
    const bad = { ...slos(NOW), slos: [{ ...slos(NOW).slos[0], objective: 150 }] }
    const f = (async () => new Response(JSON.stringify(bad), { status: 200 })) as typeof fetch
    await expect(loadSlos({ baseUrl: 'http://c.test', fetch: f }, new Date(NOW))).rejects.toMatchObject({ status: 502, code: 'collector_bad_response', message: expect.stringContaining('slos[0].objective') })
  })
})
