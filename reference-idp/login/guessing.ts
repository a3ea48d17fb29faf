import { MfaError } from '../errors'
import type { GuessRepo } from '../store/guess-repo'
import { decidePasswordAttempt, startsThrottling, type PasswordThrottlePolicy } from './password-throttle'
import { cappedError, codeGate, lockAfterWrongCode, lockedError, type FlowPolicy, type WrongCodeLock } from './policy'
import type { TrustedDevices } from './trusted'

export interface GuessingDeps {
  guesses: GuessRepo
  trusted: Pick<TrustedDevices, 'check'>
  /** Keyed HMAC: accounts are counted by a MAC of the e-mail address, so unknown addresses are throttled alike (no probing). */
  mac: (purpose: string, value: string) => string
  policy: FlowPolicy
  throttle: PasswordThrottlePolicy
  now: () => Date
}

const DAY_MS = 86_400_000
/** Every so many wrong passwords, forgotten runs are deleted: sprayed made-up addresses must not pile up. */
const PRUNE_EVERY = 500

/**
 * The shell around the guessing decisions (login/password-throttle.ts, codeGate and
 * lockAfterWrongCode in login/policy.ts): reads the counts, applies what they decide.
 */
export function createGuessing(d: GuessingDeps) {
  const key = (email: string) => d.mac('password-throttle', email.trim().toLowerCase())
  let failures = 0
  return {
    /** One of the owner's devices: it finished a sign-in to the account before, or holds a valid remember-this-device cookie. */
    async knownDevice(userId: string, deviceId: string | undefined | null, trustedToken: string | undefined): Promise<boolean> {
      if (await d.guesses.deviceSignedInBefore(userId, deviceId)) return true
      return (await d.trusted.check(trustedToken, userId))?.ok === true
    },

    /** Before a password is checked: a 429 with Retry-After while this account's run of failures from this kind of device must wait. */
    async beforePassword(email: string, known: boolean): Promise<MfaError | undefined> {
      const decision = decidePasswordAttempt(await d.guesses.passwordRun(key(email), known), known, d.now(), d.throttle)
      if (decision.kind === 'allow') return undefined
      const wait = decision.retryAfterSeconds
      const where = known ? '' : ' from a device not used for this account before; a device you signed in with before is not held up'
      return new MfaError('rate_limited', `too many wrong passwords for this account${where}: wait ${wait} s`, { retry_after_seconds: wait, reason: decision.reason }, wait)
    },
    /** A wrong password: returns whether it is the one that starts the waiting (one lockout event per run). */
    async passwordFailed(email: string, known: boolean): Promise<boolean> {
      const now = d.now()
      const forgetBefore = new Date(now.getTime() - d.throttle.forgetAfterMs)
      const n = await d.guesses.addPasswordFailure(key(email), known, now, forgetBefore)
      if (++failures % PRUNE_EVERY === 0) await d.guesses.prunePasswordFailures(forgetBefore)
      return startsThrottling(n, known, d.throttle)
    },
    passwordOk: (email: string, known: boolean) => d.guesses.clearPasswordFailures(key(email), known),

    /** Refuse codes from this device while its kind is locked or capped; undefined when it may try. */
    async codeRefusal(userId: string, lockedUntil: Date | null, known: boolean): Promise<MfaError | undefined> {
      const now = d.now()
      const gate = codeGate(await d.guesses.locks(userId, lockedUntil), known, now)
      if (gate.ok) return undefined
      return gate.reason === 'daily_cap' ? cappedError() : lockedError(gate.until, now)
    },

    /** Count a wrong code and store the unknown-device lock or cap it calls for; an account lock is the caller's to apply. */
    async wrongCode(userId: string, known: boolean, flowLocked: boolean): Promise<WrongCodeLock | undefined> {
      const now = d.now()
      await d.guesses.addCodeFailure(userId, known, now)
      await d.guesses.pruneCodeFailures(userId, new Date(now.getTime() - DAY_MS))
      const recent = await d.guesses.codeFailuresSince(userId, known, new Date(now.getTime() - d.policy.lockoutMs))
      const unknownToday = known ? 0 : await d.guesses.codeFailuresSince(userId, false, new Date(now.getTime() - DAY_MS))
      const lock = lockAfterWrongCode({ knownDevice: known, recent, unknownToday, flowLocked }, now, d.policy)
      if (lock?.scope === 'unknown_devices') await d.guesses.lockUnknown(userId, lock.until)
      if (lock?.scope === 'unknown_devices_cap') await d.guesses.capUnknown(userId, now)
      return lock
    },

    /** The owner signed in from a known device, changed the password, or an admin unlocked: unknown devices start afresh. */
    liftUnknown: (userId: string) => d.guesses.liftUnknown(userId, d.now()),
  }
}
export type Guessing = ReturnType<typeof createGuessing>
