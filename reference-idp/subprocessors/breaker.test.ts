import { describe, expect, it } from 'vitest'
import { admit, initialBreaker, record, WINDOW_MS, type BreakerConfig, type BreakerState } from './breaker'

const cfg: BreakerConfig = { failureRatio: 0.5, minimumRequests: 4, openSeconds: 30, halfOpenProbes: 2 }

/** Feed outcomes through admit + record; returns the final state and every transition. */
function run(outcomes: [t: number, ok: boolean][], s: BreakerState = initialBreaker()) {
  const transitions: string[] = []
  const denied: number[] = []
  for (const [t, ok] of outcomes) {
    const a = admit(s, t, cfg)
    s = a.next
    if (a.transition) transitions.push(`${a.transition.from}→${a.transition.to}:${a.transition.reason}`)
    if (!a.allow) {
      denied.push(t)
      continue
    }
    const r = record(s, ok, t, cfg)
    s = r.next
    if (r.transition) transitions.push(`${r.transition.from}→${r.transition.to}:${r.transition.reason}`)
  }
  return { s, transitions, denied }
}

describe('circuit breaker', () => {
  it('stays closed below the minimum number of requests, even if all fail', () => {
    expect(run([[0, false], [1, false], [2, false]]).s.state).toBe('closed')
  })
  it('opens when the failure ratio reaches the threshold', () => {
    const r = run([[0, true], [1, false], [2, true], [3, false]])
    expect(r.transitions).toEqual(['closed→open:failure_threshold'])
  })
  it('forgets outcomes older than the window', () => {
    const r = run([[0, false], [1, false], [2, false], [WINDOW_MS + 10, true], [WINDOW_MS + 11, true], [WINDOW_MS + 12, true], [WINDOW_MS + 13, false]])
    expect(r.s.state).toBe('closed')
  })
  it('refuses while open, half-opens after the cool-down, closes after the probes succeed', () => {
    const r = run([[0, false], [1, false], [2, false], [3, false], [10_000, true], [31_000, true], [31_001, true], [31_002, true]])
    expect(r.denied).toEqual([10_000])
    expect(r.transitions).toEqual(['closed→open:failure_threshold', 'open→half_open:cooldown_elapsed', 'half_open→closed:probe_succeeded'])
    expect(r.s.state).toBe('closed')
  })
  it('re-opens on a failed probe, and the cool-down starts again', () => {
    const r = run([[0, false], [1, false], [2, false], [3, false], [31_000, false], [40_000, true], [61_001, true]])
    expect(r.transitions).toEqual(['closed→open:failure_threshold', 'open→half_open:cooldown_elapsed', 'half_open→open:probe_failed', 'open→half_open:cooldown_elapsed'])
    expect(r.denied).toEqual([40_000])
  })
  it('admits no more than halfOpenProbes calls at once while half-open', () => {
    let s = run([[0, false], [1, false], [2, false], [3, false]]).s
    const a1 = admit(s, 31_000, cfg)
    const a2 = admit(a1.next, 31_001, cfg)
    const a3 = admit(a2.next, 31_002, cfg)
    s = a3.next
    expect([a1.allow, a2.allow, a3.allow, s.state]).toEqual([true, true, false, 'half_open'])
  })
})
