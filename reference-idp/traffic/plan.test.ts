import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import {
  assignFactors, CLIENT_WEIGHTS, COUNTRY_WEIGHTS, drawThinkMs, GROUP_WEIGHTS, NO_TOTP_SHARE, planAttempt, planUser, SCENARIO_KINDS, SCENARIO_WEIGHTS, THINK, weightedPick,
} from './plan'

const N = 10_000
const share = <T>(xs: T[], v: T) => xs.filter((x) => x === v).length / xs.length
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe('scenario plan', () => {
  it('one seed gives the same sequence of scenario kinds; another seed a different one', () => {
    const kinds = (seed: number) => {
      const r = seededRand(seed)
      return Array.from({ length: 500 }, () => planAttempt(r, 1).kind)
    }
    expect(kinds(7)).toEqual(kinds(7))
    expect(kinds(8)).not.toEqual(kinds(7))
    const r1 = seededRand(7)
    const r2 = seededRand(7)
    expect(Array.from({ length: 50 }, () => planAttempt(r1, 0.05))).toEqual(Array.from({ length: 50 }, () => planAttempt(r2, 0.05)))
  })

  it('the think scale changes times only, never the kinds', () => {
    const a = seededRand(11)
    const b = seededRand(11)
    for (let i = 0; i < 200; i++) {
      const x = planAttempt(a, 1)
      const y = planAttempt(b, 0.05)
      expect(y.kind).toBe(x.kind)
      expect(y.thinkMs).toBeCloseTo(x.thinkMs * 0.05, -1)
    }
  })

  it('proportions over 10k draws are roughly the configured mix', () => {
    const r = seededRand(1)
    const kinds = Array.from({ length: N }, () => planAttempt(r, 1).kind)
    for (const kind of SCENARIO_KINDS) {
      const expected = SCENARIO_WEIGHTS[kind]
      const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / N) + 0.001
      expect(Math.abs(share(kinds, kind) - expected), kind).toBeLessThan(tolerance)
    }
    expect(kinds).toContain('brute_force')
  })

  it('think time: median ~4 s, a slow minority at 20–40 s, scaled linearly', () => {
    const r = seededRand(5)
    const ms = Array.from({ length: N }, () => drawThinkMs(r, 1))
    const slow = ms.filter((x) => x >= THINK.slowMinMs)
    expect(slow.length / N).toBeGreaterThan(0.05)
    expect(slow.length / N).toBeLessThan(0.09)
    for (const x of slow) expect(x).toBeLessThanOrEqual(THINK.slowMaxMs)
    expect(median(ms.filter((x) => x < THINK.slowMinMs))).toBeGreaterThan(3_700)
    expect(median(ms.filter((x) => x < THINK.slowMinMs))).toBeLessThan(4_300)
    const scaled = seededRand(5)
    expect(drawThinkMs(scaled, 0)).toBe(0)
  })
})

describe('user plan', () => {
  it('groups, countries and password-only users follow their weights', () => {
    const r = seededRand(2)
    const users = Array.from({ length: N }, () => planUser(r))
    const totalGroups = Object.values(GROUP_WEIGHTS).reduce((s, w) => s + w, 0)
    for (const [group, w] of Object.entries(GROUP_WEIGHTS)) expect(Math.abs(share(users.map((u) => u.group), group) - w / totalGroups)).toBeLessThan(0.02)
    const totalCountries = Object.values(COUNTRY_WEIGHTS).reduce((s, w) => s + w, 0)
    for (const [cc, w] of Object.entries(COUNTRY_WEIGHTS)) expect(Math.abs(share(users.map((u) => u.country), cc) - w / totalCountries)).toBeLessThan(0.02)
    for (const [client, w] of Object.entries(CLIENT_WEIGHTS)) expect(Math.abs(share(users.map((u) => u.client), client) - w / 100)).toBeLessThan(0.02)
    expect(Math.abs(share(users.map((u) => u.second), 'none') - NO_TOTP_SHARE)).toBeLessThan(0.015)
    expect(users.every((u) => u.second === 'totp' || u.second === 'none')).toBe(true) // no SMS / voice without shares
  })

  it('an SMS / voice user keeps the same draws (and so group, country, client) as without', () => {
    const [a, b] = [seededRand(4), seededRand(4)]
    for (let i = 0; i < 200; i++) {
      const oob = i % 3 === 0 ? 'sms' : i % 3 === 1 ? 'voice' : null
      const plain = planUser(a)
      const mixed = planUser(b, oob)
      expect({ ...mixed, second: plain.second }).toEqual(plain)
      expect(mixed.second).toBe(oob ?? plain.second)
    }
  })

  it('is deterministic per seed', () => {
    const a = seededRand(9)
    const b = seededRand(9)
    expect(Array.from({ length: 20 }, () => planUser(a))).toEqual(Array.from({ length: 20 }, () => planUser(b)))
  })
})

describe('assignFactors', () => {
  it('gives exactly the rounded shares, at seeded places', () => {
    const a = assignFactors(40, { sms: 0.25, voice: 0.1 }, seededRand(3))
    expect(a.filter((f) => f === 'sms')).toHaveLength(10)
    expect(a.filter((f) => f === 'voice')).toHaveLength(4)
    expect(a.filter((f) => f === null)).toHaveLength(26)
    expect(assignFactors(40, { sms: 0.25, voice: 0.1 }, seededRand(3))).toEqual(a)
    expect(assignFactors(40, { sms: 0.25, voice: 0.1 }, seededRand(4))).not.toEqual(a)
    expect(a.slice(0, 10)).not.toEqual(Array(10).fill('sms')) // shuffled, not in blocks
  })

  it('edges: no shares, everything, tiny runs, rounding that would overshoot', () => {
    expect(assignFactors(5, { sms: 0, voice: 0 }, seededRand(1))).toEqual(Array(5).fill(null))
    expect(assignFactors(4, { sms: 0.5, voice: 0.5 }, seededRand(1)).filter((f) => f === null)).toHaveLength(0)
    expect(assignFactors(1, { sms: 0.25, voice: 0.1 }, seededRand(1))).toEqual([null])
    expect(assignFactors(0, { sms: 0.5, voice: 0.5 }, seededRand(1))).toEqual([])
    const odd = assignFactors(3, { sms: 0.5, voice: 0.5 }, seededRand(1)) // 1.5 + 1.5 rounds to 2 + 2 > 3
    expect(odd.filter((f) => f === 'sms')).toHaveLength(2)
    expect(odd.filter((f) => f === 'voice')).toHaveLength(1)
  })
})

describe('assignFactors with push and passkey users', () => {
  it('gives each factor its rounded share; without them the SMS / voice places of a seed stay the same', () => {
    const a = assignFactors(40, { sms: 0.25, voice: 0.1, push: 0.1, passkey: 0.2 }, seededRand(3))
    expect(a.filter((f) => f === 'push')).toHaveLength(4)
    expect(a.filter((f) => f === 'passkey')).toHaveLength(8)
    expect(a.filter((f) => f === 'sms')).toHaveLength(10)
    expect(a.filter((f) => f === null)).toHaveLength(14)
    expect(assignFactors(40, { sms: 0.25, voice: 0.1, push: 0, passkey: 0 }, seededRand(3))).toEqual(assignFactors(40, { sms: 0.25, voice: 0.1 }, seededRand(3)))
    expect(assignFactors(3, { sms: 0, voice: 0, push: 0.5, passkey: 0.5 }, seededRand(1)).filter((f) => f === null)).toHaveLength(0) // 2 + 2 > 3: the last gets what is left
  })

  it('planUser keeps the other draws whatever factor is assigned', () => {
    for (const f of ['push', 'passkey'] as const) {
      const plain = planUser(seededRand(9))
      const mixed = planUser(seededRand(9), f)
      expect({ ...mixed, second: plain.second }).toEqual(plain)
      expect(mixed.second).toBe(f)
    }
  })
})

describe('weightedPick', () => {
  it('never picks a zero weight and handles the top edge', () => {
    expect(weightedPick(() => 0, { a: 0, b: 1 })).toBe('b')
    expect(weightedPick(() => 0.999999, { a: 1, b: 1 })).toBe('b')
    expect(weightedPick(() => 0.4, { a: 1, b: 1 })).toBe('a')
  })
})
