import { describe, expect, it } from 'vitest'
import { OOB_PACING, oobReady, oobReadyAt, recordSend, type OobPacing } from './pacing'

const T = 1_700_000_000_000
const MIN = 60_000
const p = (over: Partial<OobPacing> = {}): OobPacing => ({ lastLoginAt: null, sends: [], ...over })

describe('oobReadyAt', () => {
  it('a user without logins or codes is ready at once', () => {
    expect(oobReady(p(), T)).toBe(true)
  })

  it('waits out the resend cooldown after the enrollment code (plus a margin)', () => {
    const q = p({ sends: [T] })
    expect(oobReadyAt(q)).toBe(T + 30_000 + OOB_PACING.marginMs)
    expect(oobReady(q, T + 30_000)).toBe(false)
    expect(oobReady(q, T + 31_000)).toBe(true)
  })

  it('starts at most one login per 6 minutes', () => {
    const q = p({ lastLoginAt: T, sends: [T] })
    expect(oobReadyAt(q)).toBe(T + 6 * MIN)
    expect(oobReady(q, T + 6 * MIN - 1)).toBe(false)
    expect(oobReady(q, T + 6 * MIN)).toBe(true)
  })

  it('keeps room for a login and its resend within 10 codes an hour', () => {
    // Nine codes in the last hour (logins with resends): the oldest must leave the hour first.
    const sends = Array.from({ length: 9 }, (_, i) => T + i * 2 * MIN)
    const q = p({ lastLoginAt: T + 16 * MIN, sends })
    expect(oobReadyAt(q)).toBe(T + 60 * MIN + OOB_PACING.marginMs)
    // Eight are fine: the login and a resend make ten.
    expect(oobReadyAt(p({ lastLoginAt: T + 14 * MIN, sends: sends.slice(1) }))).toBe(T + 20 * MIN)
  })

  it('a steady user (a login every 6 min, a code each) is never refused by the IdP\'s quota', () => {
    const q = p({ sends: [T] }) // enrollment
    let now = oobReadyAt(q)
    const starts: number[] = []
    while (now < T + 3 * 60 * MIN) {
      q.lastLoginAt = now
      starts.push(now)
      recordSend(q, now)
      // The IdP's rule at every send: fewer than 10 codes in the hour before it.
      const window = q.sends.filter((s) => s > now - 60 * MIN && s < now)
      expect(window.length).toBeLessThan(10)
      now = oobReadyAt(q)
    }
    const gaps = starts.slice(1).map((s, i) => s - starts[i])
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(6 * MIN)
    expect(starts.length).toBeGreaterThan(20)
  })
})

describe('recordSend', () => {
  it('keeps the codes sorted and only the last quota\'s worth', () => {
    const q = p()
    for (let i = 12; i >= 0; i--) recordSend(q, T + i)
    expect(q.sends).toHaveLength(OOB_PACING.hourlyQuota)
    expect(q.sends[0]).toBe(T + 3)
    expect(q.sends.at(-1)).toBe(T + 12)
  })
})
