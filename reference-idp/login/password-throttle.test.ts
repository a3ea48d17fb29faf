import { describe, expect, it } from 'vitest'
import { decidePasswordAttempt, DEFAULT_PASSWORD_THROTTLE as P, startsThrottling, throttleDelayMs } from './password-throttle'

const now = new Date('2026-12-01T12:00:00Z')
const ago = (ms: number) => new Date(now.getTime() - ms)
const S = 1_000
const MIN = 60 * S

describe('decidePasswordAttempt', () => {
  it.each([
    ['no failures', 0, null, false, { kind: 'allow' }],
    ['4 failures from unknown devices, just now', 4, ago(0), false, { kind: 'allow' }],
    ['5 failures from unknown devices, just now: wait a minute', 5, ago(0), false, { kind: 'throttled', retryAfterSeconds: 60, reason: 'unknown_device_failures' }],
    ['5 failures from unknown devices, 61 s ago', 5, ago(61 * S), false, { kind: 'allow' }],
    ['6 failures from unknown devices, 61 s ago: two minutes', 6, ago(61 * S), false, { kind: 'throttled', retryAfterSeconds: 59, reason: 'unknown_device_failures' }],
    ['145 failures from unknown devices, 10 min ago: an hour', 145, ago(10 * MIN), false, { kind: 'throttled', retryAfterSeconds: 50 * 60 }],
    ['145 failures from unknown devices, 61 min ago', 145, ago(61 * MIN), false, { kind: 'allow' }],
    ['5 failures from the owner\'s known device, just now', 5, ago(0), true, { kind: 'allow' }],
    ['10 failures from a known device, just now: a second', 10, ago(0), true, { kind: 'throttled', retryAfterSeconds: 1, reason: 'known_device_failures' }],
    ['40 failures from a known device, 59 s ago: at most a minute', 40, ago(59 * S), true, { kind: 'throttled', retryAfterSeconds: 1 }],
    ['a run last added to a day ago is forgotten', 500, ago(P.forgetAfterMs), false, { kind: 'allow' }],
  ])('%s', (_name, count, lastAt, known, expected) => {
    expect(decidePasswordAttempt({ count, lastAt }, known, now, P)).toMatchObject(expected)
  })

  it('an attacker on unknown devices gets far fewer tries a day than the owner on a known device', () => {
    const triesPerDay = (known: boolean) => {
      let t = 0
      let count = 0
      let lastAt: Date | null = null
      while (t < 86_400_000) {
        const d = decidePasswordAttempt({ count, lastAt }, known, new Date(now.getTime() + t), P)
        if (d.kind === 'throttled') t += d.retryAfterSeconds * 1000
        else {
          count++
          lastAt = new Date(now.getTime() + t)
        }
      }
      return count
    }
    expect(triesPerDay(false)).toBeLessThan(40)
    expect(triesPerDay(true)).toBeGreaterThan(1_000)
  })
})

describe('throttleDelayMs / startsThrottling', () => {
  it.each([[4, 0], [5, MIN], [6, 2 * MIN], [8, 8 * MIN], [11, 60 * MIN], [1_000, 60 * MIN]])('%i unknown-device failures → wait %i ms', (n, ms) => {
    expect(throttleDelayMs(n, 'unknown', P)).toBe(ms)
  })
  it('the failure that starts the waiting is the last free one', () => {
    expect([4, 5, 6].map((n) => startsThrottling(n, false, P))).toEqual([false, true, false])
    expect([9, 10, 11].map((n) => startsThrottling(n, true, P))).toEqual([false, true, false])
  })
})
