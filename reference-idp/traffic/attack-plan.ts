import type { Rand } from '../simulator/random'
import { weightedPick } from './plan'

/**
 * The seeded plan of what is not a legit login: attacks from block-listed addresses and users
 * who lost their phone. Drawn from a stream of its own, a fixed number of draws per attempt,
 * so the legit mix of a seed stays the same whatever these shares are.
 */

/**
 * `push_bombing`: a stuffing burst whose hit is a push user's password, followed by push
 * sign-ins in a row, hoping the victim approves one.
 */
export type AttackKind = 'stuffing' | 'recovery_abuse' | 'push_bombing'
export const ATTACK_KINDS: readonly AttackKind[] = ['stuffing', 'recovery_abuse', 'push_bombing']

/**
 * Share of attacks per kind, push bombing being `pushBombing` of them (a stuffing hit on an
 * app or SMS user turns into second-factor brute force).
 */
export function attackWeights(pushBombing = 0): Record<AttackKind, number> {
  const rest = 1 - Math.min(1, Math.max(0, pushBombing))
  return { stuffing: 0.7 * rest, recovery_abuse: 0.3 * rest, push_bombing: 1 - rest }
}
/** The weights without push bombing (no push users). */
export const ATTACK_WEIGHTS: Record<AttackKind, number> = attackWeights(0)
/** Default share of attacks that bomb a push user with pushes (when there are push users). */
export const PUSH_BOMBING_SHARE = 0.2

/** Sign-ins per stuffing burst, from one attacker address. */
export const STUFFING_BURST = { min: 5, max: 20 }
/** Share of stuffing bursts in which one pair is a real user's correct password. */
export const STUFFING_HIT_SHARE = 0.2
/** Admin-recovery requests with wrong passwords that a recovery abuser files first. */
export const RECOVERY_REQUESTS = 2
/** Bot-fast pause between an attacker's requests (not scaled by --think-scale). */
export const ATTACK_GAP_MS = 100

/**
 * Attackers come from TEST-NET-3 (203.0.113.0/24), which the reference IdP's risk policy
 * block-lists. A campaign reuses a handful of hosts, so its bursts trip the per-address limits.
 */
export const ATTACKER_NET = '203.0.113.'
export const ATTACKER_HOSTS = 3
export const attackerIp = (host: number): string => `${ATTACKER_NET}${1 + (Math.abs(Math.trunc(host)) % ATTACKER_HOSTS)}`
/** Whether `ip` lies in 203.0.113.0/24. */
export const inAttackerNet = (ip: string): boolean => {
  const m = /^203\.0\.113\.(\d{1,3})$/.exec(ip)
  return m !== null && Number(m[1]) <= 255
}

export interface AttackPlan {
  kind: AttackKind
  /** Attacker address (X-Demo-IP), inside 203.0.113.0/24. */
  ip: string
  /** stuffing: sign-ins in the burst. */
  burst: number
  /** stuffing, push bombing: index in the burst of the pair that is a real user's password, or null (no hit). Push bombing always hits. */
  hitAt: number | null
  /** In [0, 1): which real user is the victim (hit, recovery abuse, push bombing). */
  victim: number
}

export interface ExtraShares {
  /** Share of attempts that are attacks (0..0.5). */
  attackers: number
  /** Share of legit attempts in which a TOTP user with recovery codes lost the phone. */
  lostDevice: number
  /** Share of attacks (0..1) that are push bombing; 0 without push users. */
  pushBombing?: number
}

export interface ExtraPlan {
  attack: AttackPlan | null
  /** Legit attempts only: sign in with a recovery code instead of the lost authenticator. */
  lostDevice: boolean
}

/** The next attempt's extras: always eight draws, whatever comes out. */
export function planExtra(rand: Rand, shares: ExtraShares): ExtraPlan {
  const isAttack = rand() < shares.attackers
  const kind = weightedPick(rand, attackWeights(shares.pushBombing))
  const host = Math.floor(rand() * ATTACKER_HOSTS)
  const burst = STUFFING_BURST.min + Math.floor(rand() * (STUFFING_BURST.max - STUFFING_BURST.min + 1))
  const hit = rand() < STUFFING_HIT_SHARE
  const hitAt = Math.floor(rand() * burst)
  const victim = rand()
  const lost = rand() < shares.lostDevice
  const hits = kind === 'push_bombing' || (kind === 'stuffing' && hit)
  if (isAttack) return { attack: { kind, ip: attackerIp(host), burst, hitAt: hits ? hitAt : null, victim }, lostDevice: false }
  return { attack: null, lostDevice: lost }
}
