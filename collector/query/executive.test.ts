import { describe, expect, it } from 'vitest'
import { buildSnapshot, previousWindow, wholeWindow } from './executive'

const period = (m: Record<string, unknown>, providers: { channel: string; requests: number; successes: number; micros: number; verified: number }[]) => ({
  m: m as never,
  providers: providers.map((p) => ({ channel: p.channel, requests: p.requests, successes: p.successes, cost: { total_micros: p.micros, successful_verifications: p.verified } })),
})

describe('executive snapshot', () => {
  it('the previous window has the same length and ends where this one starts', () => {
    expect(previousWindow(wholeWindow(1000_000, 2000_000))).toEqual({ fromMs: 0, toMs: 1000_000, stepS: 1000 })
  })

  it('a long window gets a step of whole hours, so rollups can answer it', () => {
    const day = 86_400_000
    expect(wholeWindow(0, 30 * day + 1234).stepS).toBe(30 * 24 * 3600 + 3600)
    expect(wholeWindow(0, 7 * day).stepS).toBe(7 * 24 * 3600)
  })

  it('KPIs per period; cost per success sums vendors of a channel over its verifications', () => {
    const cur = period({ M1: { value: 0.9 }, M4: { by_reason: { requested: 4, completed: 1 } }, M7: { value: 3, by_reason: { break_glass: 1 } }, M8: { value: 0.7 } },
      [{ channel: 'sms', requests: 10, successes: 9, micros: 700, verified: 7 }, { channel: 'sms', requests: 10, successes: 10, micros: 700, verified: 7 }])
    const prev = period({ M1: { value: null }, M4: { by_reason: {} }, M7: { value: 0, by_reason: {} }, M8: { value: null } }, [])
    const s = buildSnapshot(cur, prev)
    expect(Object.fromEntries(s.kpis.map((k) => [k.id, [k.current, k.previous]]))).toEqual({
      enrollment_coverage: [0.7, null], mfa_success: [0.9, null], bypass_incidents: [3, 0], break_glass: [1, 0], provider_availability: [0.95, null], recovery_rate: [0.25, null],
    })
    expect(s.cost_by_channel).toEqual([{ channel: 'sms', current_micros: 200, previous_micros: null, successes: 7 }])
  })
})
