import type { Client, UserGroup } from '../../contract'
import { normal, type Rand } from '../simulator/random'

/**
 * The seeded mix: who the simulated users are and what each login attempt does. Every choice
 * is drawn from a `Rand` in a fixed order, so one seed replays the same sequence of users and
 * scenario kinds (which user gets which attempt still depends on timing).
 */

export type ScenarioKind = 'normal' | 'password_typo' | 'totp_typo' | 'abandon' | 'brute_force' | 'lost_device'
export const SCENARIO_KINDS: readonly ScenarioKind[] = ['normal', 'password_typo', 'totp_typo', 'abandon', 'brute_force', 'lost_device']

/** Share of attempts per scenario (sums to 1). */
export const SCENARIO_WEIGHTS: Record<ScenarioKind, number> = {
  normal: 0.835,
  password_typo: 0.04, // wrong password first, then usually the right one
  totp_typo: 0.08, // a wrong code first, then the right one (push users: a wrong number, then a new push)
  abandon: 0.04, // never sends the code (push users: never answer the push); the IdP's sweeper marks the flow abandoned
  brute_force: 0.005, // wrong codes in a row on one flow until it locks
  lost_device: 0, // never drawn here: --lost-device turns an attempt into one (attack-plan.ts)
}

export type { Client, UserGroup }
export const GROUP_WEIGHTS: Record<UserGroup, number> = { admin: 5, workforce: 55, customer: 35, vendor: 5 }

/** Home countries (sent as X-Demo-Country), weighted roughly like a European SaaS audience. */
export const COUNTRY_WEIGHTS: Record<string, number> = { US: 24, DE: 18, GB: 12, IN: 12, FR: 10, BR: 8, NL: 9, JP: 7 }

/** Client of each user (sent as X-Demo-Client). */
export const CLIENT_WEIGHTS: Record<Client, number> = { web: 62, ios: 17, android: 16, api: 5 }

/** Share of the users without SMS/voice who never enroll TOTP and log in with the password only. */
export const NO_TOTP_SHARE = 0.08

/** Think time between the password and the code: log-normal, plus a slow minority. */
export const THINK = { medianMs: 4_000, sigma: 0.5, slowShare: 0.07, slowMinMs: 20_000, slowMaxMs: 40_000 }
/** Pause before retyping a mistyped password or code. */
export const RETYPE = { medianMs: 2_500, sigma: 0.4 }
/** Share of password typos followed by a retry with the right password (the rest give up). */
export const PASSWORD_RETRY_SHARE = 0.85
/** Share of successful logins that log out again at the end. */
export const LOGOUT_SHARE = 0.3
/** Wrong codes a brute-forcer sends on one flow, and its (bot-fast, unscaled) pause between them. */
export const BRUTE_FORCE_CODES = 6
export const BRUTE_FORCE_GAP_MS = 100

/** One of the keys, chosen with probability proportional to its weight. */
export function weightedPick<T extends string>(rand: Rand, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][]
  const total = entries.reduce((s, [, w]) => s + w, 0)
  let x = rand() * total
  for (const [key, w] of entries) {
    x -= w
    if (x < 0) return key
  }
  // Rounding left x at the top edge: the last key that can be drawn at all.
  return (entries.findLast(([, w]) => w > 0) ?? entries[entries.length - 1])[0]
}

/**
 * A user's second factor: 'none' is a password-only user, 'push' a push user with TOTP as its
 * backup, 'passkey' a user whose only factor is a passkey (signing in without the password
 * most of the time).
 */
export type SecondFactor = 'totp' | 'sms' | 'voice' | 'push' | 'passkey' | 'none'
/** Codes by phone: text or call. No e-mail users: an e-mail code is no second factor (NIST SP 800-63B 5.1.3.1). */
export type OobFactor = 'sms' | 'voice'
/** The factors handed out by share (the rest keep TOTP or password-only as `planUser` draws it). */
export type AssignedFactor = OobFactor | 'push' | 'passkey'

export interface UserProfile {
  group: UserGroup
  country: string
  client: Client
  second: SecondFactor
}

/**
 * Shares of all users whose factor is SMS, voice codes, push or a passkey (SMS, voice and
 * push are 0 without a simulator: their phones and mailboxes are its devices).
 */
export interface FactorShares {
  sms: number
  voice: number
  push?: number
  passkey?: number
}

/**
 * Which of `n` users get SMS, voice, push or a passkey instead of TOTP: exactly round(share · n)
 * of each (so small runs get the shares asked for, not a binomial draw of them), at places
 * chosen by a seeded shuffle. Null: the user keeps TOTP or password-only as `planUser` draws it.
 */
export function assignFactors(n: number, shares: FactorShares, rand: Rand): (AssignedFactor | null)[] {
  const out: (AssignedFactor | null)[] = []
  for (const f of ['sms', 'voice', 'push', 'passkey'] as const) {
    const k = Math.min(n - out.length, Math.round((shares[f] ?? 0) * n))
    out.push(...Array<AssignedFactor>(Math.max(0, k)).fill(f))
  }
  out.push(...Array<null>(n - out.length).fill(null))
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/**
 * A user's profile: group, country, client and TOTP-or-password-only, four draws of `rand`
 * whatever `assigned` is (so a seed keeps its users whether or not some get other factors).
 */
export function planUser(rand: Rand, assigned: AssignedFactor | null = null): UserProfile {
  const group = weightedPick(rand, GROUP_WEIGHTS)
  const country = weightedPick(rand, COUNTRY_WEIGHTS)
  const client = weightedPick(rand, CLIENT_WEIGHTS)
  const totp = rand() >= NO_TOTP_SHARE
  return { group, country, client, second: assigned ?? (totp ? 'totp' : 'none') }
}

const logNormal = (rand: Rand, medianMs: number, sigma: number) => medianMs * Math.exp(sigma * normal(rand))

/** Human think time between the password and the code, in ms, times `scale`. */
export function drawThinkMs(rand: Rand, scale: number): number {
  const slow = rand() < THINK.slowShare
  const base = logNormal(rand, THINK.medianMs, THINK.sigma)
  const slowMs = THINK.slowMinMs + rand() * (THINK.slowMaxMs - THINK.slowMinMs)
  return Math.round((slow ? slowMs : base) * scale)
}

export interface AttemptPlan {
  kind: ScenarioKind
  /** Pause between the password step and the (first) code. */
  thinkMs: number
  /** Pause before retyping after a typo (password or code). */
  retypeMs: number
  /** password_typo: retry with the right password (else give up after the 401). */
  retryPassword: boolean
  /** Log out after an authenticated login. */
  logout: boolean
  /** In [0, 1): where the search for a free user starts. */
  pick: number
}

/** The next attempt. Always draws the same number of values, whatever the kind. */
export function planAttempt(rand: Rand, thinkScale: number): AttemptPlan {
  const kind = weightedPick(rand, SCENARIO_WEIGHTS)
  const thinkMs = drawThinkMs(rand, thinkScale)
  const retypeMs = Math.round(logNormal(rand, RETYPE.medianMs, RETYPE.sigma) * thinkScale)
  const retryPassword = rand() < PASSWORD_RETRY_SHARE
  const logout = rand() < LOGOUT_SHARE
  const pick = rand()
  return { kind, thinkMs, retypeMs, retryPassword, logout, pick }
}

/**
 * Whether a kind only makes sense for a user with a second factor (it exercises the code
 * step). `totp_typo` is a mistyped code of whatever factor the user has.
 */
export const needsCodeStep = (kind: ScenarioKind): boolean => kind === 'totp_typo' || kind === 'abandon' || kind === 'brute_force' || kind === 'lost_device'
