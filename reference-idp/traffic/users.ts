import type { CookieJar } from './client'
import { oobReady, type OobPacing } from './pacing'
import { needsCodeStep, type OobFactor, type ScenarioKind, type UserProfile } from './plan'
import { chooseStep, hasUsableStep, markStep } from './steps'
import type { RecoveryCodes } from './recovery'
import type { TotpKey } from './totp'

/** An SMS or e-mail user's device, pacing and the message ids it has already typed. */
export interface OobUser extends OobPacing {
  channel: OobFactor
  /** E.164 number or the sign-up e-mail address. Never printed. */
  address: string
  used: Set<string>
}

/** A simulated user. Email, password and key live only in memory and are never printed. */
export interface SimUser {
  index: number
  email: string
  password: string
  profile: UserProfile
  jar: CookieJar
  /** null: not a TOTP user. */
  key: TotpKey | null
  /** null: not an SMS / e-mail user. A user has at most one of `key` and `oob`. */
  oob: OobUser | null
  /**
   * Last TOTP step this user submitted (replay bookkeeping); null before the first. Password-only
   * users keep the same pacing (the 30-s step of each login they start), see `eligible`.
   */
  lastStep: number | null
  /** Recovery codes (TOTP users that want them; absent otherwise). */
  recovery?: RecoveryCodes
  /** A flow of this user is running: never two at once. */
  busy: boolean
  /** Backed off (Retry-After of a 429/503, or a lockout) until this time (ms since epoch). */
  notBefore: number
}

/** The three kinds of user, kept apart when picking one so the users' mix survives pacing. */
export type UserClass = 'totp' | 'oob' | 'none'
export const userClass = (u: Pick<SimUser, 'key' | 'oob'>): UserClass => (u.key ? 'totp' : u.oob ? 'oob' : 'none')

/** What a kind becomes for a given user: a password-only user has no code step to get wrong or skip. */
export function effectiveKind(kind: ScenarioKind, user: Pick<SimUser, 'key' | 'oob'>): ScenarioKind {
  return userClass(user) === 'none' && needsCodeStep(kind) ? 'normal' : kind
}

/**
 * Whether `user` can take an attempt now: free, not backed off, and with an unused step in
 * reach (SMS / e-mail users: paced, see pacing.ts). Asked of every attempt, even those that
 * never send the right code (abandon, brute force, password-only users), so when users run
 * out of steps all kinds and every kind of user are skipped alike and the started attempts
 * keep the planned mix.
 */
export function eligible(user: SimUser, nowMs: number): boolean {
  if (user.busy || user.notBefore > nowMs) return false
  if (user.oob) return oobReady(user.oob, nowMs)
  return hasUsableStep(user.lastStep, nowMs, user.key?.periodSeconds ?? 30)
}

/** The simulated users and who is busy. */
export class UserPool {
  readonly totpCount: number

  constructor(readonly users: readonly SimUser[]) {
    this.totpCount = users.filter((u) => u.key !== null).length
  }

  /**
   * A free user for an attempt of `kind`, scanning from position `pick` (in [0, 1)) onwards
   * among users of the same class as the one at `pick` (TOTP, SMS/e-mail or password-only).
   * Kinds that exercise the code step want a user with a second factor (unless there are none
   * at all): when `pick` lands on a password-only user, the class of the next user with one.
   * So when TOTP users run out of unused steps, or SMS/e-mail users are paced, another user of
   * the same class is taken, or none (the attempt is skipped), and started attempts keep both
   * the users' mix and the scenario mix. Marks the user busy.
   */
  acquire(kind: ScenarioKind, pick: number, nowMs: number): SimUser | undefined {
    const n = this.users.length
    if (n === 0) return undefined
    const start = Math.min(n - 1, Math.max(0, Math.floor(pick * n)))
    let want = userClass(this.users[start])
    if (want === 'none' && needsCodeStep(kind))
      for (let i = 1; i < n; i++) {
        const c = userClass(this.users[(start + i) % n])
        if (c !== 'none') {
          want = c
          break
        }
      }
    for (let i = 0; i < n; i++) {
      const user = this.users[(start + i) % n]
      if (userClass(user) === want && eligible(user, nowMs)) {
        user.busy = true
        // A password-only user has no code to spend: its pacing step is taken now.
        if (want === 'none') user.lastStep = markStep(user.lastStep, chooseStep(user.lastStep, nowMs)!.step)
        if (user.oob) user.oob.lastLoginAt = nowMs
        return user
      }
    }
    return undefined
  }

  /**
   * A free, eligible TOTP user for which `test` holds (one with recovery codes, say),
   * scanning from position `pick` onwards; marks it busy. Undefined when there is none.
   */
  acquireWhere(pick: number, nowMs: number, test: (u: SimUser) => boolean): SimUser | undefined {
    const n = this.users.length
    const start = Math.min(n - 1, Math.max(0, Math.floor(pick * n)))
    for (let i = 0; i < n; i++) {
      const user = this.users[(start + i) % n]
      if (user.key && test(user) && eligible(user, nowMs)) {
        user.busy = true
        return user
      }
    }
    return undefined
  }

  release(user: SimUser): void {
    user.busy = false
  }
}
