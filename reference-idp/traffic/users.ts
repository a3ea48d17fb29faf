import type { CookieJar } from './client'
import { needsTotpUser, type ScenarioKind, type UserProfile } from './plan'
import { chooseStep, hasUsableStep, markStep } from './steps'
import type { TotpKey } from './totp'

/** A simulated user. Email, password and key live only in memory and are never printed. */
export interface SimUser {
  index: number
  email: string
  password: string
  profile: UserProfile
  jar: CookieJar
  /** null: password-only user. */
  key: TotpKey | null
  /**
   * Last TOTP step this user submitted (replay bookkeeping); null before the first. Password-only
   * users keep the same pacing (the 30-s step of each login they start), see `eligible`.
   */
  lastStep: number | null
  /** A flow of this user is running: never two at once. */
  busy: boolean
  /** Backed off (Retry-After of a 429/503, or a lockout) until this time (ms since epoch). */
  notBefore: number
}

/** What a kind becomes for a given user: a password-only user has no code step to get wrong or skip. */
export function effectiveKind(kind: ScenarioKind, user: Pick<SimUser, 'key'>): ScenarioKind {
  return user.key === null && needsTotpUser(kind) ? 'normal' : kind
}

/**
 * Whether `user` can take an attempt now: free, not backed off, and with an unused step in
 * reach. Asked of every attempt, even those that never send the right code (abandon, brute
 * force, password-only users), so when users run out of steps all kinds and both kinds of user
 * are skipped alike and the started attempts keep the planned mix.
 */
export function eligible(user: SimUser, nowMs: number): boolean {
  if (user.busy || user.notBefore > nowMs) return false
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
   * among users of the same class as the one at `pick` (TOTP or password-only). Kinds that
   * exercise the code step always want a TOTP user (unless there are none at all). So when TOTP
   * users run out of unused steps another TOTP user is taken, or none (the attempt is skipped),
   * and started attempts keep both the users' mix and the scenario mix. Marks the user busy.
   */
  acquire(kind: ScenarioKind, pick: number, nowMs: number): SimUser | undefined {
    const n = this.users.length
    if (n === 0) return undefined
    const start = Math.min(n - 1, Math.max(0, Math.floor(pick * n)))
    const wantTotp = (needsTotpUser(kind) && this.totpCount > 0) || this.users[start].key !== null
    for (let i = 0; i < n; i++) {
      const user = this.users[(start + i) % n]
      if ((user.key !== null) === wantTotp && eligible(user, nowMs)) {
        user.busy = true
        // A password-only user has no code to spend: its pacing step is taken now.
        if (user.key === null) user.lastStep = markStep(user.lastStep, chooseStep(user.lastStep, nowMs)!.step)
        return user
      }
    }
    return undefined
  }

  release(user: SimUser): void {
    user.busy = false
  }
}
