import { describe, expect, it } from 'vitest'
import { budgetRemaining, budgetSpent, burnRate, sliValue } from './burn'

describe('burn arithmetic', () => {
  it.each([
    // [counts, objective, burn]
    [{ good: 995, total: 1000 }, 99.5, 1],
    [{ good: 928, total: 1000 }, 99.5, 14.4],
    [{ good: 1000, total: 1000 }, 99.9, 0],
    [{ good: 0, total: 0 }, 99.5, null],
    [{ good: 90, total: 100 }, 100, null],
  ])('burnRate(%o, %d) = %s', (counts, objective, expected) => {
    const r = burnRate(counts, objective)
    if (expected === null) expect(r).toBeNull()
    else expect(r).toBeCloseTo(expected, 6)
  })

  it('SLI is not enough data below the minimum volume, never 0 or 100 %', () => {
    expect(sliValue({ good: 0, total: 3 }, 20)).toBeNull()
    expect(sliValue({ good: 19, total: 20 }, 20)).toBe(0.95)
  })

  it('budget remaining and the share spent in a window', () => {
    expect(budgetRemaining({ good: 9975, total: 10_000 }, 99.5, 20)).toBeCloseTo(0.5, 9)
    expect(budgetRemaining({ good: 9900, total: 10_000 }, 99.5, 20)).toBeCloseTo(-1, 9)
    expect(budgetRemaining({ good: 5, total: 5 }, 99.5, 20)).toBeNull()
    // 30 bad in the last hour of a window allowing 50 bad: 60 % of the budget.
    expect(budgetSpent({ good: 70, total: 100 }, { good: 9950, total: 10_000 }, 99.5, 20)).toBeCloseTo(0.6, 9)
  })
})
