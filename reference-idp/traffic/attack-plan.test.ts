import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { ATTACK_KINDS, ATTACK_WEIGHTS, ATTACKER_HOSTS, attackerIp, attackWeights, inAttackerNet, planExtra, STUFFING_BURST, STUFFING_HIT_SHARE, type ExtraPlan } from './attack-plan'
import { userIp } from './client'
import { planAttempt } from './plan'

const N = 20_000
const draw = (seed: number, attackers: number, lostDevice: number, n = N, pushBombing?: number): ExtraPlan[] => {
  const r = seededRand(seed)
  return Array.from({ length: n }, () => planExtra(r, { attackers, lostDevice, pushBombing }))
}
const within = (got: number, expected: number, n: number) => expect(Math.abs(got - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / n) + 0.001)

describe('planExtra', () => {
  it('one seed replays the same attacks and lost devices; another seed differs', () => {
    expect(draw(5, 0.1, 0.05, 300)).toEqual(draw(5, 0.1, 0.05, 300))
    expect(draw(6, 0.1, 0.05, 300)).not.toEqual(draw(5, 0.1, 0.05, 300))
  })

  it('attacks, their kinds and lost devices follow the shares', () => {
    const plans = draw(1, 0.1, 0.05)
    const attacks = plans.flatMap((p) => (p.attack ? [p.attack] : []))
    within(attacks.length / N, 0.1, N)
    for (const kind of ATTACK_KINDS) within(attacks.filter((a) => a.kind === kind).length / attacks.length, ATTACK_WEIGHTS[kind], attacks.length)
    const legit = plans.filter((p) => !p.attack)
    within(legit.filter((p) => p.lostDevice).length / legit.length, 0.05, legit.length)
    expect(plans.some((p) => p.attack && p.lostDevice)).toBe(false) // an attack is nobody's lost phone
    const stuffing = attacks.filter((a) => a.kind === 'stuffing')
    within(stuffing.filter((a) => a.hitAt !== null).length / stuffing.length, STUFFING_HIT_SHARE, stuffing.length)
    expect(attacks.filter((a) => a.kind === 'recovery_abuse').every((a) => a.hitAt === null)).toBe(true)
  })

  it('bursts are 5–20 sign-ins, the hit inside the burst, the victim pick in [0, 1)', () => {
    const attacks = draw(2, 0.5, 0).flatMap((p) => (p.attack ? [p.attack] : []))
    const bursts = new Set(attacks.map((a) => a.burst))
    expect(Math.min(...bursts)).toBe(STUFFING_BURST.min)
    expect(Math.max(...bursts)).toBe(STUFFING_BURST.max)
    for (const a of attacks) {
      expect(a.hitAt ?? 0).toBeGreaterThanOrEqual(0)
      expect(a.hitAt ?? 0).toBeLessThan(a.burst)
      expect(a.victim).toBeGreaterThanOrEqual(0)
      expect(a.victim).toBeLessThan(1)
    }
  })

  it('push bombing takes its share of the attacks and always holds a victim’s password', () => {
    const attacks = draw(8, 0.2, 0, N, 0.25).flatMap((p) => (p.attack ? [p.attack] : []))
    const bombing = attacks.filter((a) => a.kind === 'push_bombing')
    within(bombing.length / attacks.length, 0.25, attacks.length)
    for (const kind of ATTACK_KINDS) within(attacks.filter((a) => a.kind === kind).length / attacks.length, attackWeights(0.25)[kind], attacks.length)
    expect(bombing.every((a) => a.hitAt !== null && a.hitAt < a.burst)).toBe(true)
    expect(draw(8, 0.2, 0, 3_000, 1).every((p) => !p.attack || p.attack.kind === 'push_bombing')).toBe(true)
  })

  it('without push bombing a seed plans exactly what it planned before it existed', () => {
    expect(draw(5, 0.3, 0.05, 2_000, 0)).toEqual(draw(5, 0.3, 0.05, 2_000))
    expect(ATTACK_WEIGHTS).toEqual({ stuffing: 0.7, recovery_abuse: 0.3, push_bombing: 0 })
    for (const b of [0, 0.2, 1]) expect(Object.values(attackWeights(b)).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12)
  })

  it('shares of 0 turn both off', () => {
    expect(draw(3, 0, 0, 2_000).every((p) => p.attack === null && !p.lostDevice)).toBe(true)
  })

  it('draws the same number of values whatever the shares, so the legit mix of a seed is unchanged', () => {
    const kinds = (attackers: number, lostDevice: number) => {
      const r = seededRand(7)
      return Array.from({ length: 200 }, () => {
        planExtra(r, { attackers, lostDevice })
        return planAttempt(r, 1).kind
      })
    }
    expect(kinds(0.5, 1)).toEqual(kinds(0, 0))
  })
})

describe('attacker addresses', () => {
  it('stay inside 203.0.113.0/24, on a few hosts, and never match a user address', () => {
    const ips = new Set(draw(4, 0.5, 0).flatMap((p) => (p.attack ? [p.attack.ip] : [])))
    expect(ips.size).toBe(ATTACKER_HOSTS)
    for (const ip of ips) expect(inAttackerNet(ip), ip).toBe(true)
    for (const host of [-5, 0, 1, 2, 3, 254, 255, 1e6]) expect(inAttackerNet(attackerIp(host)), String(host)).toBe(true)
    for (const i of [0, 1, 255, 256, 65_535, 99_999]) expect(inAttackerNet(userIp(i))).toBe(false)
  })

  it('inAttackerNet: the /24 and nothing else', () => {
    expect(inAttackerNet('203.0.113.0')).toBe(true)
    expect(inAttackerNet('203.0.113.255')).toBe(true)
    for (const ip of ['203.0.112.5', '203.0.114.5', '203.0.113.256', '1203.0.113.5', '203.0.113.5.1', '100.64.0.1']) expect(inAttackerNet(ip), ip).toBe(false)
  })
})
