import { MfaError } from '../errors'
import type { Outcome, ReasonOf } from '../../contract'

/** Pure decisions of a login flow's second-factor step: no I/O, `now` passed in. */

export interface FlowPolicy {
  /** Wrong codes allowed on one flow; the last of them locks the flow and the user. */
  maxAttempts: number
  /** A flow not finished this long after its challenge is over (abandoned). */
  flowTtlMs: number
  /** How long a user's second factor stays locked after a flow locks. */
  lockoutMs: number
  /**
   * Wrong codes allowed for one user across all flows within `lockoutMs`, counted apart for
   * known and unknown devices: without it, guessing on many flows at once (each below
   * `maxAttempts`) would never lock.
   */
  maxUserFailures: number
  /** Wrong codes from unknown devices in 24 h before codes from unknown devices stop until lifted. */
  maxDailyUnknownFailures: number
}

export const DEFAULT_FLOW_POLICY: FlowPolicy = { maxAttempts: 5, flowTtlMs: 300_000, lockoutMs: 15 * 60_000, maxUserFailures: 10, maxDailyUnknownFailures: 20 }

/*
 * Who guesses codes. Whoever has the password can guess second-factor codes from any device;
 * the owner signs in from devices that finished a sign-in to the account before ("known").
 * Wrong codes from unknown devices lock only unknown devices, so holding the password is not
 * enough to keep the owner out (NIST SP 800-63B 5.2.2), and a daily cap stops them for good
 * until the owner signs in from a known device, changes the password or an admin unlocks.
 * Known devices keep their own per-flow limit and account lock.
 */

/** The second-factor lock state of an account as the store holds it. */
export interface GuessLocks {
  /** Lock of every device (wrong codes from a known device). */
  lockedUntil: Date | null
  /** Lock of unknown devices only (wrong codes from them). */
  unknownLockedUntil: Date | null
  /** Unknown devices reached the daily cap: stopped until lifted. */
  unknownCapped: boolean
}

export type CodeGate = { ok: true } | { ok: false; reason: 'locked_out'; until: Date } | { ok: false; reason: 'daily_cap' }

/** Whether a device may try second-factor codes for the account now. Pure. */
export function codeGate(l: GuessLocks, knownDevice: boolean, now: Date): CodeGate {
  const until = [l.lockedUntil, knownDevice ? null : l.unknownLockedUntil].filter((d): d is Date => isLocked(d, now)).sort((a, b) => b.getTime() - a.getTime())[0]
  if (until) return { ok: false, reason: 'locked_out', until }
  if (!knownDevice && l.unknownCapped) return { ok: false, reason: 'daily_cap' }
  return { ok: true }
}

/** Wrong codes counted for a decision, this one included. */
export interface WrongCodeCounts {
  knownDevice: boolean
  /** Of this class of device, in the last `lockoutMs`. */
  recent: number
  /** From unknown devices in the last 24 h since the last lift. */
  unknownToday: number
  /** This code used the flow's last attempt. */
  flowLocked: boolean
}

export type WrongCodeLock =
  | { scope: 'account'; until: Date }
  | { scope: 'unknown_devices'; until: Date }
  | { scope: 'unknown_devices_cap' }

/** The lock a wrong code calls for, if any: whom it locks and until when. Pure. */
export function lockAfterWrongCode(c: WrongCodeCounts, now: Date, p: FlowPolicy): WrongCodeLock | undefined {
  if (!c.knownDevice && c.unknownToday >= p.maxDailyUnknownFailures) return { scope: 'unknown_devices_cap' }
  if (!c.flowLocked && c.recent < p.maxUserFailures) return undefined
  return { scope: c.knownDevice ? 'account' : 'unknown_devices', until: new Date(now.getTime() + p.lockoutMs) }
}

export interface FlowSnapshot { state: 'challenged' | 'completed' | 'locked' | 'abandoned'; attempts: number; issuedAt: Date }

export type CodeCheck = { ok: true } | { ok: false; reason: FailReason }
type FailReason = 'invalid_code' | 'code_replayed' | 'code_expired' | 'too_many_attempts'

type VerifiedReason = ReasonOf<'mfa.challenge.verified'>

export type FlowDecision =
  /** The flow is already over: refuse without touching it. */
  | { kind: 'closed'; error: 'locked_out' | 'flow_expired' | 'flow_not_found'; outcome: Outcome; reason: VerifiedReason }
  /** Too late: the flow expires now. */
  | { kind: 'expired'; outcome: 'expired'; reason: 'code_expired' }
  | { kind: 'success'; outcome: 'success'; reason: 'ok' }
  /** A wrong or replayed code that leaves attempts. */
  | { kind: 'retry'; outcome: FailOutcome; reason: FailReason; attemptsLeft: number }
  /** A wrong code that used the last attempt: the flow and the user's second factor lock. */
  | { kind: 'lock'; outcome: FailOutcome; reason: FailReason; lockedUntil: Date }

type FailOutcome = 'failure' | 'replayed' | 'expired'
const FAIL_OUTCOME: Record<FailReason, FailOutcome> = { invalid_code: 'failure', code_replayed: 'replayed', code_expired: 'expired', too_many_attempts: 'failure' }

/**
 * Decide one second-factor attempt. `attemptsBefore` is the flow's wrong-code count before this
 * attempt. A replayed code counts as a failure: an attacker who saw one code must not get
 * unlimited tries out of it.
 */
export function decideAttempt(flow: FlowSnapshot | undefined, check: CodeCheck, now: Date, p: FlowPolicy): FlowDecision {
  if (!flow) return { kind: 'closed', error: 'flow_not_found', outcome: 'failure', reason: 'internal_error' }
  if (flow.state === 'locked') return { kind: 'closed', error: 'locked_out', outcome: 'locked_out', reason: 'locked_out' }
  if (flow.state !== 'challenged') return { kind: 'closed', error: 'flow_expired', outcome: 'expired', reason: 'code_expired' }
  if (now.getTime() - flow.issuedAt.getTime() > p.flowTtlMs) return { kind: 'expired', outcome: 'expired', reason: 'code_expired' }
  if (check.ok) return { kind: 'success', outcome: 'success', reason: 'ok' }
  const outcome = FAIL_OUTCOME[check.reason]
  const used = flow.attempts + 1
  if (used >= p.maxAttempts) return { kind: 'lock', outcome, reason: check.reason, lockedUntil: new Date(now.getTime() + p.lockoutMs) }
  return { kind: 'retry', outcome, reason: check.reason, attemptsLeft: p.maxAttempts - used }
}

/** Whether a user's second factor is locked at `now`; the password step refuses to start a flow then. */
export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && new Date(lockedUntil).getTime() > now.getTime()
}

/** The answer while unknown devices are stopped by the daily cap. */
export function cappedError(): MfaError {
  return new MfaError('locked_out', 'too many wrong codes today: codes from new devices are stopped for this account until you sign in from a device you used before, change your password or an admin unlocks it; a passkey still works', { daily_cap: true })
}

/** The answer while a user's second factor is locked: when it ends, and that a passkey still works. */
export function lockedError(until: Date, now: Date): MfaError {
  const retry = Math.max(1, Math.ceil((new Date(until).getTime() - now.getTime()) / 1000))
  return new MfaError('locked_out', `too many wrong codes: second-factor sign-in is locked for this account for ${Math.ceil(retry / 60)} min; a passkey still works`, { retry_after_seconds: retry }, retry)
}
