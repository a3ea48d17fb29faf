import { describe, expect, it } from 'vitest'
import { budgetTicks, timeTicks, valueTicks } from './ticks'

const at = (iso: string) => Date.parse(iso)
const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString().slice(11, 16))

describe('timeTicks', () => {
  it.each([
    ['2025-03-10T04:05:02Z', '2025-03-10T05:05:02Z', ['04:10', '04:20', '04:30', '04:40', '04:50', '05:00']],
    ['2025-03-10T04:50:00Z', '2025-03-10T05:05:00Z', ['04:50', '04:55', '05:00', '05:05']],
    ['2025-03-09T05:05:00Z', '2025-03-10T05:05:00Z', ['06:00', '12:00', '18:00', '00:00']],
  ])('%s → %s', (from, to, expected) => expect(iso(timeTicks(at(from), at(to)))).toEqual(expected))

  it('puts day ticks on local midnight', () => {
    const ticks = timeTicks(at('2025-03-03T00:00:00Z'), at('2025-03-10T00:00:00Z'), 7, 2 * 3600_000)
    expect(new Date(ticks[0]).toISOString()).toBe('2025-03-03T22:00:00.000Z')
    expect(ticks).toHaveLength(7)
  })
  it('returns nothing for an empty window', () => expect(timeTicks(5, 5)).toEqual([]))
})

describe('valueTicks', () => {
  it.each([
    [3400, [0, 1000, 2000, 3000, 4000]],
    [60, [0, 20, 40, 60]],
    [0.7, [0, 0.2, 0.4, 0.6, 0.8]],
    [0, [0]],
  ])('max %s → %j', (max, expected) => expect(valueTicks(max)).toEqual(expected))
})

describe('budgetTicks', () => {
  it.each([
    [0.5, [0, 0.25, 0.5, 0.75, 1]],
    [0, [0, 0.25, 0.5, 0.75, 1]],
    [-0.4, [-0.4, -0.2, 0, 0.5, 1]],
    [-27.8, [-30, -20, -10, 0, 1]],
  ])('lowest %s → %j', (lo, ticks) => expect(budgetTicks(lo)).toEqual(ticks))
})
