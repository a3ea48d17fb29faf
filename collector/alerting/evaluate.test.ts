import { describe, expect, it } from 'vitest'
import { evaluate, type EvalOptions, type Samples } from './evaluate'
import { INITIAL, type AlertMemory, type Rule } from './types'

const OPTS: EvalOptions = { keepFiringForS: 120, missingDataHoldS: 900, keepResolvedForS: 900, maxGapS: 150 }

function burnRule(long: string, short: string, longS: number, shortS: number, factor: number, forS: number, objective = 99.5): Rule {
  return {
    id: `slo:burn-${long}-${short}`, alertname: 'SLOBurnRateHigh', kind: 'burn_rate', severity: 'page', forS, slo: 'slo', labels: {}, summary: '', description: '', runbook: 'idp-outage', splitBy: null,
    condition: { type: 'burn', slo: 'slo', userGroup: null, objective, long, short, longS, shortS, factor },
  }
}
const threshold = (forS: number): Rule => ({
  id: 't', alertname: 'T', kind: 'threshold', severity: 'page', forS, slo: null, labels: {}, summary: '', description: '', runbook: 'idp-outage', splitBy: null,
  condition: { type: 'threshold', condition: { type: 'circuit_open', op: '>=', threshold: 1 }, op: '>=', threshold: 1 },
})
/** total events with the given bad ratio. */
const c = (total: number, badRatio: number) => ({ total, good: Math.round(total * (1 - badRatio)) })
const burn = (long: ReturnType<typeof c> | null, short: ReturnType<typeof c> | null, minVolume = 20): Samples => ({ type: 'burn', long, short, minVolume })

describe('burn-rate window pairs (objective 99.5 %: allowed bad ratio 0.5 %)', () => {
  // [pair, factor, long bad ratio, short bad ratio, fires]
  const PAIRS = [
    ['1h', '5m', 3600, 300, 14.4],
    ['6h', '30m', 21600, 1800, 6],
    ['1d', '2h', 86400, 7200, 3],
    ['3d', '6h', 259200, 21600, 1],
  ] as const
  for (const [long, short, longS, shortS, factor] of PAIRS) {
    const rule = burnRule(long, short, longS, shortS, factor, 0)
    const at = (ratio: number) => ratio * 0.005 * factor
    it.each([
      ['both windows above the factor', at(1.1), at(1.1), 'firing'],
      ['exactly at the factor', at(1), at(1), 'firing'],
      ['long above, short below (cause gone)', at(2), at(0.5), 'inactive'],
      ['short above, long below (a blip)', at(0.5), at(3), 'inactive'],
      ['both below', at(0.9), at(0.9), 'inactive'],
    ])(`${long}/${short} ×${factor}: %s`, (_name, longRatio, shortRatio, expected) => {
      const r = evaluate(INITIAL, burn(c(100_000, longRatio), c(10_000, shortRatio)), rule, 1_000_000, OPTS)
      expect(r.state.state).toBe(expected)
      expect(r.value).toBeCloseTo(longRatio / 0.005, 1)
    })
  }

  it('says why in the reason', () => {
    const r = evaluate(INITIAL, burn(c(1000, 0.1), c(100, 0.1)), burnRule('1h', '5m', 3600, 300, 14.4, 0), 0, OPTS)
    expect(r.reason).toBe('burn 20× over 1h and 20× over 5m ≥ 14.4×')
  })
})

describe('state machine', () => {
  const rule = burnRule('1h', '5m', 3600, 300, 14.4, 120)
  const hot = burn(c(1000, 0.5), c(100, 0.5))
  const cold = burn(c(1000, 0), c(100, 0))
  const low = burn(c(5, 1), c(5, 1))
  const none = burn(null, null)
  type Step = [label: string, t: number, samples: Samples, state: AlertMemory['state']]
  const run = (steps: Step[], r: Rule = rule) => {
    let mem = INITIAL
    const seen: string[] = []
    for (const [, t, s] of steps) {
      const e = evaluate(mem, s, r, t * 1000, OPTS)
      mem = e.state
      seen.push(e.state.state)
    }
    return seen
  }
  it.each<[string, Step[]]>([
    ['for: pending until the condition held 120 s, then firing', [['a', 0, hot, 'pending'], ['b', 30, hot, 'pending'], ['c', 90, hot, 'pending'], ['d', 120, hot, 'firing']]],
    ['pending that clears goes back to inactive', [['a', 0, hot, 'pending'], ['b', 30, cold, 'inactive'], ['c', 60, hot, 'pending']]],
    ['resolution waits keep_firing_for (flapping damped)', [['a', 0, hot, 'pending'], ['b', 120, hot, 'firing'], ['c', 150, cold, 'firing'], ['d', 180, hot, 'firing'], ['e', 210, cold, 'firing'], ['f', 290, cold, 'firing'], ['g', 320, cold, 'resolved']]],
    ['resolved that burns again goes through pending again', [['a', 0, hot, 'pending'], ['b', 120, hot, 'firing'], ['c', 300, cold, 'resolved'], ['d', 330, hot, 'pending'], ['e', 450, hot, 'firing']]],
    ['resolved becomes inactive after keep_resolved_for', [['a', 0, hot, 'pending'], ['b', 120, hot, 'firing'], ['c', 300, cold, 'resolved'], ['d', 1100, cold, 'resolved'], ['e', 1200, cold, 'inactive']]],
    ['low volume never fires (one failure of five is not an outage)', [['a', 0, low, 'inactive'], ['b', 300, low, 'inactive']]],
    ['missing data drops a pending alert', [['a', 0, hot, 'pending'], ['b', 30, none, 'inactive']]],
    ['missing data holds a firing alert, then resolves', [['a', 0, hot, 'pending'], ['b', 120, hot, 'firing'], ['c', 150, none, 'firing'], ['d', 900, none, 'firing'], ['e', 1020, none, 'resolved']]],
    ['clock jumps forward while pending: the wait restarts', [['a', 0, hot, 'pending'], ['b', 3600, hot, 'pending'], ['c', 3690, hot, 'pending'], ['d', 3720, hot, 'firing']]],
    ['clock goes back while pending: the wait restarts, no negative durations', [['a', 1000, hot, 'pending'], ['b', 500, hot, 'pending'], ['c', 590, hot, 'pending'], ['d', 620, hot, 'firing']]],
    ['clock goes back while firing: a clear resolves (no keep_firing credit from the future)', [['a', 0, hot, 'pending'], ['b', 120, hot, 'firing'], ['c', 60, cold, 'resolved']]],
  ])('%s', (_name, steps) => {
    expect(run(steps)).toEqual(steps.map((s) => s[3]))
  })

  it('for 0 fires at once; a threshold with no data stays inactive', () => {
    expect(run([['a', 0, { type: 'value', value: 1 }, 'firing']], threshold(0))).toEqual(['firing'])
    expect(run([['a', 0, { type: 'value', value: null }, 'inactive'], ['b', 30, { type: 'value', value: 0 }, 'inactive']], threshold(0))).toEqual(['inactive', 'inactive'])
  })

  it('keeps since across evaluations in one state and moves it on a change', () => {
    const a = evaluate(INITIAL, hot, rule, 10_000, OPTS)
    const b = evaluate(a.state, hot, rule, 40_000, OPTS)
    expect([a.changed, b.changed, b.state.since]).toEqual([true, false, 10_000])
    const d = evaluate(evaluate(b.state, hot, rule, 130_000, OPTS).state, hot, rule, 160_000, OPTS)
    expect(d.state).toMatchObject({ state: 'firing', since: 130_000 })
  })

  it('names low volume in the reason', () => {
    expect(evaluate(INITIAL, low, rule, 0, OPTS).reason).toBe('not enough data: 5 events in 1h, need 20')
  })

  it('refuses samples of the wrong kind', () => {
    expect(() => evaluate(INITIAL, { type: 'value', value: 1 }, rule, 0, OPTS)).toThrow(/value samples for a burn condition/)
  })
})

describe("the guide's rule: > 50 % of the budget in 1 h pages", () => {
  const rule: Rule = {
    id: 'slo:budget-spend', alertname: 'SLOBudgetSpentFast', kind: 'budget_spend', severity: 'page', forS: 0, slo: 'slo', labels: {}, summary: '', description: '', runbook: 'idp-outage', splitBy: null,
    condition: { type: 'spend', slo: 'slo', objective: 99.5, window: '1h', windowS: 3600, fraction: 0.5, short: '5m', shortFactor: 14.4 },
  }
  // 28-day window with 100 000 events: 500 bad allowed.
  const window = { total: 100_000, good: 99_700 }
  it.each([
    ['260 bad in the last hour, still burning', { total: 4000, good: 3740 }, { total: 300, good: 200 }, 'firing', 0.52],
    ['240 bad in the last hour', { total: 4000, good: 3760 }, { total: 300, good: 200 }, 'inactive', 0.48],
    ['260 bad in the hour but the cause is gone (5m clean)', { total: 4000, good: 3740 }, { total: 300, good: 300 }, 'inactive', 0.52],
  ])('%s', (_name, spent, short, expected, value) => {
    const r = evaluate(INITIAL, { type: 'spend', spent, short, window, minVolume: 20 }, rule, 0, OPTS)
    expect([r.state.state, r.value]).toEqual([expected, value])
  })
  it('is not enough data below the minimum volume of the window', () => {
    expect(evaluate(INITIAL, { type: 'spend', spent: { total: 5, good: 0 }, short: { total: 5, good: 0 }, window: { total: 5, good: 0 }, minVolume: 20 }, rule, 0, OPTS).state.state).toBe('inactive')
  })
})
