import { randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import { hashPassword, verifyPassword, type ScryptParams } from '../factors/password'
import { assertNewPassword } from '../factors/password-policy'
import type { PushRepo } from '../store/push-repo'
import type { Repo, UserRow } from '../store/repo'
import type { Audit } from './audit'
import type { Guessing } from './guessing'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

export interface AccountSecurityDeps extends EventDeps {
  repo: Repo
  /** Push locks, when the IdP has push. */
  push?: Pick<PushRepo, 'clearLock'>
  audit: Audit
  now: () => Date
  /** Lifts the lock and daily cap of codes from unknown devices (login/guessing.ts). */
  guessing?: Pick<Guessing, 'liftUnknown'>
  /** scrypt parameters of new hashes (IDP_PASSWORD_COST); default N=2^17. */
  passwordHashing?: ScryptParams
}

/**
 * Changing the password (the callers demand a fresh second factor first) and
 * an admin lifting a user's second-factor locks. A password change revokes every session and
 * lifts a push lock set by a fraud report: the report meant someone else knew the password,
 * and the new one shuts them out.
 */
export function createAccountSecurity(d: AccountSecurityDeps) {
  const { base, emit } = eventHelpers(d)
  const userOf = async (id: string): Promise<UserRow> => {
    const u = await d.repo.userById(id)
    if (!u) throw new MfaError('unauthenticated', 'session user no longer exists')
    return u
  }
  const unlockedEvent = (user: UserRow, factor: string | undefined, ctx: RequestCtx) =>
    emit('mfa.lockout', { ...base(ctx, user), [ATTR.factor]: factor, [ATTR.reason]: 'unlocked' }, ctx)

  return {
    /** Returns how many sessions were revoked (the caller signs the user in again). */
    async changePassword(userId: string, current: string, next: string, ctx: RequestCtx): Promise<number> {
      const user = await userOf(userId)
      if (!(await verifyPassword(current, user.password_hash, d.passwordHashing?.pepper))) throw new MfaError('invalid_credentials', 'current_password: the current password is wrong', { field: 'current_password' })
      if (current === next) throw new MfaError('bad_request', 'new_password: choose a password different from the current one', { field: 'new_password' })
      assertNewPassword(next, 'new_password', user.email)
      await d.repo.updatePassword(userId, await hashPassword(next, d.passwordHashing))
      const revoked = await d.repo.revokeUserSessions(userId)
      await d.guessing?.liftUnknown(userId) // whoever guessed codes with the old password has to start over
      const lifted = await d.push?.clearLock(userId, d.now())
      await d.audit.write('password_changed', userId, userId, randomUUID(), lifted ? `lifted push lock (${lifted.reason})` : undefined)
      if (lifted) unlockedEvent(user, 'push', ctx)
      await d.notices?.send(user, 'password_changed', ctx)
      return revoked
    },

    /** An admin lifts the code lock and the push lock of someone else's account; returns what was lifted. */
    async unlock(adminId: string, email: string, reason: string, ctx: RequestCtx): Promise<{ codes: boolean; push: string | null }> {
      const target = await d.repo.userByEmail(email)
      if (!target) throw new MfaError('not_found', 'no account with this e-mail address')
      if (target.id === adminId) throw new MfaError('forbidden', 'another admin must unlock your own account')
      const codes = (await d.repo.unlockUser(target.id, d.now())) || ((await d.guessing?.liftUnknown(target.id)) ?? false)
      const push = (await d.push?.clearLock(target.id, d.now())) ?? undefined
      if (!codes && !push) throw new MfaError('bad_request', 'this account has no second-factor lock in force')
      await d.audit.write('unlocked', adminId, target.id, randomUUID(), `${[codes && 'codes', push && `push (${push.reason})`].filter(Boolean).join(', ')}: ${reason}`)
      if (codes) unlockedEvent(target, undefined, ctx)
      if (push) unlockedEvent(target, 'push', ctx)
      return { codes, push: push?.reason ?? null }
    },
  }
}
export type AccountSecurity = ReturnType<typeof createAccountSecurity>
