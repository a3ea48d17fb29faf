import { describe, expect, it } from 'vitest'
import { chooseStep, hasUsableStep, markStep, msUntilUsable } from './steps'

const P = 30_000
const T = 1_700_000_010_000 // inside step 56666667
const NOW = Math.floor(T / P)

describe('chooseStep', () => {
  it.each<[string, number | null, number | null]>([
    ['never used → current step', null, NOW],
    ['used long ago → current step', NOW - 10, NOW],
    ['previous step used → current step', NOW - 1, NOW],
    ['current step used (e.g. at enrollment) → next step', NOW, NOW + 1],
    ['next step used too → none', NOW + 1, null],
    ['further ahead (clock went back) → none', NOW + 5, null],
  ])('%s', (_name, last, expected) => {
    const choice = chooseStep(last, T)
    expect(choice?.step ?? null).toBe(expected)
    expect(hasUsableStep(last, T)).toBe(expected !== null)
    if (choice) expect(Math.floor(choice.timeMs / P)).toBe(choice.step)
  })

  it('a user that logs in back to back takes the current step, then the next, then must wait', () => {
    let last: number | null = NOW - 3
    const used: number[] = []
    for (let i = 0; i < 3; i++) {
      const c = chooseStep(last, T)
      if (!c) break
      used.push(c.step)
      last = markStep(last, c.step)
    }
    expect(used).toEqual([NOW, NOW + 1])
    expect(msUntilUsable(last, T)).toBe((NOW + 1) * P - T)
    expect(chooseStep(last, (NOW + 1) * P)?.step).toBe(NOW + 2)
  })

  it('honours other periods', () => {
    expect(chooseStep(null, 125_000, 60)).toEqual({ step: 2, timeMs: 125_000 })
    expect(chooseStep(2, 125_000, 60)).toEqual({ step: 3, timeMs: 185_000 })
  })
})

describe('markStep / msUntilUsable', () => {
  it('never moves backwards', () => {
    expect(markStep(null, 5)).toBe(5)
    expect(markStep(7, 5)).toBe(7)
    expect(markStep(7, 9)).toBe(9)
  })

  it('is 0 while a step is usable', () => {
    expect(msUntilUsable(null, T)).toBe(0)
    expect(msUntilUsable(NOW, T)).toBe(0)
  })
})
