import { describe, expect, it } from 'vitest'
import { MAX_BUCKETS, MAX_RANGE_S, MIN_STEP_S, NICE_STEPS, TARGET_POINTS, chooseStep } from './time-window'

describe('chooseStep', () => {
  it.each([
    [60, 10],
    [15 * 60, 10],
    [3600, 30],
    [6 * 3600, 300],
    [24 * 3600, 900],
    [7 * 86400, 7200],
    [90 * 86400, 86400],
    [400 * 86400, 4 * 86400],
  ])('span %i s → step %i s', (span, step) => {
    expect(chooseStep(span)).toBe(step)
    expect(span / chooseStep(span)).toBeLessThanOrEqual(TARGET_POINTS)
  })

  it('every allowed span gets a step the collector accepts, at or under the target', () => {
    for (let span = MIN_STEP_S; span <= MAX_RANGE_S; span = Math.ceil(span * 1.37)) {
      const step = chooseStep(span)
      expect(step).toBeGreaterThanOrEqual(MIN_STEP_S)
      expect(Math.ceil(span / step)).toBeLessThanOrEqual(Math.min(TARGET_POINTS, MAX_BUCKETS))
      // The smallest nice step that fits: the one before it would give too many points.
      const i = NICE_STEPS.indexOf(step as (typeof NICE_STEPS)[number])
      if (i > 0) expect(span / NICE_STEPS[i - 1]).toBeGreaterThan(TARGET_POINTS)
    }
  })
})
