import { describe, expect, it } from 'vitest'
import { blockList, loadRiskPolicy } from '../login/risk'
import { networkOf } from '../login/network'
import { seededRand } from '../simulator/random'
import { ATTACK_KINDS, ATTACK_WEIGHTS, ATTACKER_HOSTS, attackerHost, attackerIp, attackerNetwork, attackWeights, inAttackerNet, planExtra, STUFFING_BURST, STUFFING_HIT_SHARE, type AttackerPersona, type ExtraPlan } from './attack-plan'
import { USER_NETWORKS, userIp } from './client'
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
  const PERSONAS: AttackerPersona[] = ['stuffing', 'code_guessing', 'recovery_abuse', 'push_bombing']
  const bad = blockList(loadRiskPolicy())
  const listed = (ip: string) => bad.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4')

  it('each kind of attack comes from its own network, on a few hosts, never a user address', () => {
    const plans = draw(4, 0.5, 0, N, 0.2).flatMap((p) => (p.attack ? [p.attack] : []))
    for (const kind of ATTACK_KINDS) {
      const ips = new Set(plans.filter((a) => a.kind === kind).map((a) => a.ip))
      expect(ips.size, kind).toBe(ATTACKER_HOSTS)
      expect(new Set([...ips].map(networkOf)), kind).toEqual(new Set([attackerNetwork(kind)]))
    }
    expect(PERSONAS.map(attackerNetwork)).toEqual(['203.0.113.0/24', '192.0.2.0/24', '198.51.100.0/24', '2001:db8:bad::/48'])
    for (const p of PERSONAS) for (const host of [-5, 0, 1, 2, 3, 254, 255, 1e6]) {
      const ip = attackerIp(p, host)
      expect(inAttackerNet(ip), ip).toBe(true)
    }
    for (const i of [0, 1, 255, 256, 65_535, 99_999]) expect(inAttackerNet(userIp(i))).toBe(false)
    // The host number (last part) picks a campaign's related address and country.
    expect(['203.0.113.2', '198.51.100.66', '2001:db8:bad::3', 'garbage'].map(attackerHost)).toEqual([2, 66, 3, 0])
  })

  it('stuffing is all on the risk policy\'s block list, recovery abuse partly, guessing and push bombing not', () => {
    const hosts = (p: AttackerPersona) => Array.from({ length: ATTACKER_HOSTS }, (_, h) => listed(attackerIp(p, h)))
    expect(hosts('stuffing')).toEqual([true, true, true])
    expect(hosts('recovery_abuse')).toEqual([false, false, true])
    expect(hosts('code_guessing')).toEqual([false, false, false])
    expect(hosts('push_bombing')).toEqual([false, false, false])
  })

  it('inAttackerNet: the attackers\' networks and nothing else', () => {
    for (const ip of ['203.0.113.0', '203.0.113.255', '192.0.2.9', '198.51.100.1', '2001:db8:bad:1::9', '::ffff:203.0.113.5']) expect(inAttackerNet(ip), ip).toBe(true)
    for (const ip of ['203.0.112.5', '203.0.114.5', '203.0.113.256', '1203.0.113.5', '203.0.113.5.1', '100.64.0.1', '2001:db8:bae::1', '']) expect(inAttackerNet(ip), ip).toBe(false)
  })
})

describe('user addresses', () => {
  it('unique per user, stable, spread over a handful of /24s in 100.64.0.0/10', () => {
    const ips = Array.from({ length: 3_000 }, (_, i) => userIp(i))
    expect(new Set(ips).size).toBe(ips.length)
    expect(ips.every((ip) => /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d{1,3}\.\d{1,3}$/.test(ip))).toBe(true)
    expect(new Set(ips.slice(0, 60).map(networkOf)).size).toBe(USER_NETWORKS)
    expect([userIp(0), userIp(7), userIp(6 * 256)]).toEqual(['100.64.0.0', '100.64.1.1', '100.64.6.0'])
    expect(userIp(99_999)).toBe(userIp(99_999))
  })
})
