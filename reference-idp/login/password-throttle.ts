/**
 * Per-account password throttling (NIST SP 800-63B 5.2.2), next to the per-address limits:
 * consecutive wrong passwords for one account make the next try wait, doubling per failure.
 * Devices that completed a sign-in to the account before ("known") are counted apart from
 * all others and throttled far more gently, so whoever guesses from elsewhere slows down only
 * their own kind of device and cannot lock the owner out of theirs. Pure: history and `now` in.
 */

export type DeviceClass = 'known' | 'unknown'

export interface PasswordThrottlePolicy {
  /** Consecutive wrong passwords answered without delay. */
  free: Record<DeviceClass, number>
  /** The wait after the last free failure; it doubles with each further one. */
  baseDelayMs: Record<DeviceClass, number>
  maxDelayMs: Record<DeviceClass, number>
  /** A run of failures this long after its last one is forgotten. */
  forgetAfterMs: number
}

export const DEFAULT_PASSWORD_THROTTLE: PasswordThrottlePolicy = {
  free: { known: 10, unknown: 5 },
  baseDelayMs: { known: 1_000, unknown: 60_000 },
  maxDelayMs: { known: 60_000, unknown: 3_600_000 },
  forgetAfterMs: 24 * 3_600_000,
}

/** Consecutive wrong passwords of one account from one class of device. */
export interface FailureRun { count: number; lastAt: Date | null }

export type ThrottleDecision =
  | { kind: 'allow' }
  | { kind: 'throttled'; retryAfterSeconds: number; reason: 'unknown_device_failures' | 'known_device_failures' }

/** The wait a run of `count` failures calls for before the next try (0 while within the free ones). */
export function throttleDelayMs(count: number, cls: DeviceClass, p: PasswordThrottlePolicy): number {
  const over = count - p.free[cls]
  if (over < 0) return 0
  return Math.min(p.maxDelayMs[cls], p.baseDelayMs[cls] * 2 ** Math.min(over, 40))
}

/** Whether a password may be checked now for this account from this class of device. */
export function decidePasswordAttempt(run: FailureRun, known: boolean, now: Date, p: PasswordThrottlePolicy): ThrottleDecision {
  const cls: DeviceClass = known ? 'known' : 'unknown'
  if (!run.lastAt || now.getTime() - run.lastAt.getTime() >= p.forgetAfterMs) return { kind: 'allow' }
  const wait = run.lastAt.getTime() + throttleDelayMs(run.count, cls, p) - now.getTime()
  if (wait <= 0) return { kind: 'allow' }
  return { kind: 'throttled', retryAfterSeconds: Math.ceil(wait / 1000), reason: known ? 'known_device_failures' : 'unknown_device_failures' }
}

/** Whether the failure that made the run `count` long is the one that starts the waiting (one lockout event per run). */
export const startsThrottling = (count: number, known: boolean, p: PasswordThrottlePolicy): boolean => count === p.free[known ? 'known' : 'unknown']
