import { describe, expect, it } from 'vitest'
import { createRateLimiter, progressiveDelayMs } from './rate-limit'

describe('rate limiter', () => {
  it('allows perMinute requests per key, then refuses with a retry-after within the minute', () => {
    let t = 600_000
    const rl = createRateLimiter({ perMinute: 3 }, () => t)
    expect([rl.take('a'), rl.take('a'), rl.take('a')].every((r) => r.ok)).toBe(true)
    const refused = rl.take('a')
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.retryAfterSeconds).toBeGreaterThan(0)
    expect(rl.take('b').ok).toBe(true) // other keys are not affected
    t += 120_000
    expect(rl.take('a').ok).toBe(true)
  })
  it.each([0, 13_000, 30_000, 59_000])('retry-after is honest: refused just before it, allowed at it (%i ms into the window)', (offset) => {
    let t = 600_000 + offset
    const rl = createRateLimiter({ perMinute: 4 }, () => t)
    for (let i = 0; i < 4; i++) rl.take('a')
    const refused = rl.take('a')
    if (refused.ok) throw new Error('expected a refusal')
    const start = t
    t = start + refused.retryAfterSeconds * 1000 - 1_000
    expect(rl.take('a').ok).toBe(false)
    t = start + refused.retryAfterSeconds * 1000
    expect(rl.take('a').ok).toBe(true)
  })
  it('the previous window still counts in proportion (no burst at the boundary)', () => {
    let t = 600_000
    const rl = createRateLimiter({ perMinute: 10 }, () => t)
    for (let i = 0; i < 10; i++) rl.take('a')
    t += 60_000 + 6_000 // 10% into the next window: 90% of the previous still counts
    expect(rl.take('a').ok).toBe(true)
    expect(rl.take('a').ok).toBe(false)
  })
  it('a longer window: 5 per 10 minutes, refused with an honest retry-after', () => {
    let t = 6_000_000
    const rl = createRateLimiter({ perWindow: 5, windowSeconds: 600 }, () => t)
    expect(Array.from({ length: 5 }, () => rl.take('a').ok)).toEqual([true, true, true, true, true])
    t += 60_000
    const refused = rl.take('a')
    // 540 s to the end of this window; from then on the 5 fade (counted as 5 × the share of the window still ahead).
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 541 })
    t += 540_000
    expect(rl.take('a').ok).toBe(false)
    t += 1_000
    expect(rl.take('a').ok).toBe(true)
  })
  it.each([[0, 0], [1, 250], [2, 500], [3, 1000], [6, 4000], [10, 4000]])('progressive delay after %i failures: %i ms', (n, ms) => {
    expect(progressiveDelayMs(n, 250)).toBe(ms)
  })
})
