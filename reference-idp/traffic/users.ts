import type { CookieJar } from './client'
import { oobReady, type OobPacing } from './pacing'
import { needsCodeStep, type OobFactor, type ScenarioKind, type UserProfile } from './plan'
import { pushReady, type PendingLogin, type PushDevice, type PushPacing } from './push'
import type { SoftAuthenticator } from './soft-authenticator'
import { chooseStep, hasUsableStep, markStep } from './steps'
import type { RecoveryCodes } from './recovery'
import type { TotpKey } from './totp'

/** An SMS or voice user's phone, pacing and the message ids it has already typed. */
export interface OobUser extends OobPacing {
  channel: OobFactor
  /** E.164 number. Never printed. */
  address: string
  used: Set<string>
}

/** A passkey user's platform authenticator and the origin its browser signs for. */
export interface PasskeyUser {
  auth: SoftAuthenticator
  origin: string
}

/** A push user's phone: the app's device, pacing, and what the user has read and waits for. */
export interface PushUser extends PushPacing {
  device: PushDevice
  /** Notification ids read and acted on, newest last (bounded). */
  seen: Set<string>
  /** Unexpected pushes noticed, with the time the user reacts to each. */
  noticed: Map<string, number>
  /** The sign-in this user started and whose push it waits for, if any. */
  pending: PendingLogin | null
  /** The phone looks at its notifications until this time (ms since epoch). */
  watchUntil: number
  /** The phone reported a push as fraud: the user changes the password at its next sign-in. */
  fraudReported?: boolean
}

/** A simulated user. Email, password and key live only in memory and are never printed. */
export interface SimUser {
  index: number
  email: string
  password: string
  /** The password as it leaked before the user changed it (attackers hold this one); absent: never changed. */
  leaked?: string
  profile: UserProfile
  jar: CookieJar
  /** null: no authenticator app (push users have one as their backup factor). */
  key: TotpKey | null
  /** null: not an SMS / voice user. A user has at most one of `key` and `oob`. */
  oob: OobUser | null
  /** A passkey (the user's only factor); absent otherwise. */
  passkey?: PasskeyUser
  /** Push approval on a phone, with `key` as the backup; absent otherwise. */
  push?: PushUser
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

/** The password attackers have for `user` (from a leak, so an old one once the user changed it). */
export const stolenPassword = (user: Pick<SimUser, 'password' | 'leaked'>): string => user.leaked ?? user.password

/** The kinds of user, kept apart when picking one so the users' mix survives pacing. */
export type UserClass = 'totp' | 'oob' | 'push' | 'passkey' | 'none'
type ClassFacts = Pick<SimUser, 'key' | 'oob' | 'push' | 'passkey'>
export const userClass = (u: ClassFacts): UserClass => (u.push ? 'push' : u.passkey ? 'passkey' : u.key ? 'totp' : u.oob ? 'oob' : 'none')

/**
 * What a kind becomes for a given user: a password-only user has no code step to get wrong or
 * skip. A passkey cannot be mistyped or brute-forced by its owner; a push user mistypes the
 * number instead of a code (`totp_typo`) and leaves the push unanswered (`abandon`). Lost
 * phones are TOTP users' (they hold the recovery codes).
 */
export function effectiveKind(kind: ScenarioKind, user: ClassFacts): ScenarioKind {
  const c = userClass(user)
  if (c === 'none') return needsCodeStep(kind) ? 'normal' : kind
  if (c === 'passkey') return kind === 'totp_typo' || kind === 'brute_force' || kind === 'lost_device' ? 'normal' : kind
  if (c === 'push') return kind === 'brute_force' || kind === 'lost_device' ? 'normal' : kind
  return kind
}

/**
 * Whether `user` can take an attempt now: free, not backed off, and with an unused step in
 * reach (SMS / voice users: paced, see pacing.ts). Asked of every attempt, even those that
 * never send the right code (abandon, brute force, password-only users), so when users run
 * out of steps all kinds and every kind of user are skipped alike and the started attempts
 * keep the planned mix.
 */
export function eligible(user: SimUser, nowMs: number): boolean {
  if (user.busy || user.notBefore > nowMs) return false
  if (user.oob) return oobReady(user.oob, nowMs)
  if (user.push) return pushReady(user.push, nowMs)
  return hasUsableStep(user.lastStep, nowMs, user.key?.periodSeconds ?? 30)
}

/** The simulated users and who is busy. */
export class UserPool {
  readonly totpCount: number

  constructor(readonly users: readonly SimUser[]) {
    this.totpCount = users.filter((u) => userClass(u) === 'totp').length
  }

  /**
   * A free user for an attempt of `kind`, scanning from position `pick` (in [0, 1)) onwards
   * among users of the same class as the one at `pick` (TOTP, SMS/voice, push, passkey or password-only).
   * Kinds that exercise the code step want a user with a second factor (unless there are none
   * at all): when `pick` lands on a password-only user, the class of the next user with one.
   * So when TOTP users run out of unused steps, or SMS/voice users are paced, another user of
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
        // A password-only or passkey user has no code to spend: its pacing step is taken now.
        if (want === 'none' || want === 'passkey') user.lastStep = markStep(user.lastStep, chooseStep(user.lastStep, nowMs)!.step)
        if (user.oob) user.oob.lastLoginAt = nowMs
        if (user.push) user.push.lastLoginAt = nowMs
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
      if (userClass(user) === 'totp' && test(user) && eligible(user, nowMs)) {
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
