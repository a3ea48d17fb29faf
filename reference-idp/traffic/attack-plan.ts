import { networkOf } from '../login/network'
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
 * Who attacks from where: each persona has a network of its own, so the security report's
 * by-network view tells them apart. All are documentation ranges (RFC 5737, RFC 3849), never
 * real hosts. Credential stuffing: 203.0.113.0/24, which the shipped risk policy block-lists.
 * Second-factor guessing on a flow a stuffing hit opened: 192.0.2.0/24, a tool elsewhere that
 * the stolen flow is handed to (not listed). Recovery abuse: 198.51.100.64-66, one host of which
 * (.66) is listed. Push bombing: 2001:db8:bad::/48 over IPv6 (not listed: its risk comes from
 * the new device and country only). A campaign reuses a handful of hosts, so its bursts trip
 * the per-address limits.
 */
export type AttackerPersona = AttackKind | 'code_guessing'
const ATTACKER_NETS: Record<AttackerPersona, { prefix: string; first: number }> = {
  stuffing: { prefix: '203.0.113.', first: 1 },
  code_guessing: { prefix: '192.0.2.', first: 1 },
  recovery_abuse: { prefix: '198.51.100.', first: 64 },
  push_bombing: { prefix: '2001:db8:bad::', first: 1 },
}
export const ATTACKER_HOSTS = 3
export const attackerIp = (persona: AttackerPersona, host: number): string => {
  const net = ATTACKER_NETS[persona]
  return `${net.prefix}${net.first + (Math.abs(Math.trunc(host)) % ATTACKER_HOSTS)}`
}
/** The network (mfa.network) each persona attacks from. */
export const attackerNetwork = (persona: AttackerPersona): string => networkOf(attackerIp(persona, 0))!
const ATTACKER_NETWORKS = new Set(Object.keys(ATTACKER_NETS).map((p) => attackerNetwork(p as AttackerPersona)))
/** Whether `ip` lies in one of the attackers' networks (their /24s and /48). */
export const inAttackerNet = (ip: string): boolean => ATTACKER_NETWORKS.has(networkOf(ip) ?? '')
/** The host number of an attacker address (its last part), to pick that campaign's other addresses and country. */
export const attackerHost = (ip: string): number => Number(ip.split(/[.:]/).at(-1)) || 0

export interface AttackPlan {
  kind: AttackKind
  /** Attacker address (X-Demo-IP), in the network of its kind (attackerIp). */
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
  if (isAttack) return { attack: { kind, ip: attackerIp(kind, host), burst, hitAt: hits ? hitAt : null, victim }, lostDevice: false }
  return { attack: null, lostDevice: lost }
}
