import { randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import type { OobChannel } from '../subprocessors/types'
import { eventHelpers, flowOrigin, type RequestCtx } from './events'
import { isLocked, lockedError } from './policy'
import { decideAdminAccess } from './admin-access'
import type { LoginDeps, LoginFactor, PasswordStepResult } from './types'

/**
 * Step-up: a sensitive action needs a second factor passed in the last few minutes. The guard
 * (`requireFresh`) and the flow that renews it (`startStepUp`, finished with the login
 * endpoints). While codes are locked only a passkey can step up.
 */
export function createStepUp(d: LoginDeps, factorsOf: (userId: string) => Promise<LoginFactor[]>) {
  const { base, emit } = eventHelpers(d)
  return {
    /**
     * Guard of a sensitive action: passes when the session passed a second factor within
     * `stepUpMaxAgeMs` (or the account has none to step up with); otherwise refuses with
     * `stepup_required`. Either way an `mfa.stepup` event says what happened.
     */
    async requireFresh(session: { userId: string; mfaAt: Date | null } | undefined, action: string, ctx: RequestCtx): Promise<string> {
      if (!session) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
      const user = await d.repo.userById(session.userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      if ((await factorsOf(user.id)).length === 0) return user.id
      const fresh = session.mfaAt !== null && d.now().getTime() - session.mfaAt.getTime() <= d.stepUpMaxAgeMs
      emit('mfa.stepup', { ...base(ctx, user), [ATTR.flowId]: randomUUID(), [ATTR.reason]: fresh ? 'fresh_enough' : 'required', [ATTR.intent]: 'stepup' }, ctx)
      if (fresh) return user.id
      throw new MfaError('stepup_required', `${action} needs a second factor passed in the last ${Math.round(d.stepUpMaxAgeMs / 60_000)} minutes: POST /api/v1/stepup, then finish it like a login`, { stepup: '/api/v1/stepup' })
    },

    /**
     * Guard of an admin action: an admin account with a second factor passed recently (a
     * passkey under IDP_ADMIN_FACTOR=phishing_resistant). An admin without a second factor is
     * refused and sent to enroll: having none never lets anyone through (unlike `requireFresh`).
     */
    async requireAdmin(session: { userId: string; mfaAt: Date | null; mfaFactor?: string | null } | undefined, action: string, ctx: RequestCtx): Promise<string> {
      if (!session) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
      const user = await d.repo.userById(session.userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      const v = decideAdminAccess({ group: user.user_group, factors: user.user_group === 'admin' ? await factorsOf(user.id) : [], mfaAt: session.mfaAt, mfaFactor: session.mfaFactor ?? null, policy: d.adminFactor ?? 'any', maxAgeMs: d.stepUpMaxAgeMs }, action, d.now())
      if (user.user_group === 'admin') emit('mfa.stepup', { ...base(ctx, user), [ATTR.flowId]: randomUUID(), [ATTR.reason]: v.ok ? 'fresh_enough' : 'required', [ATTR.intent]: 'stepup' }, ctx)
      if (v.ok) return user.id
      throw new MfaError(v.error, v.message, v.error === 'stepup_required' ? { stepup: '/api/v1/stepup', reason: v.reason } : v.error === 'enrollment_required' ? { enroll: v.reason === 'no_passkey' ? '/passkeys' : '/', reason: v.reason } : {})
    },

    /** Start a step-up flow for the signed-in user: finished with the same code endpoints as a login. */
    async startStepUp(userId: string, ctx: RequestCtx): Promise<PasswordStepResult> {
      const user = await d.repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      const now = d.now()
      const locked = isLocked(user.mfa_locked_until, now)
      const factors = (await factorsOf(userId)).filter((f) => !locked || f === 'webauthn')
      const factor = factors.find((f) => f !== 'recovery_code') ?? factors[0]
      if (locked && !factor) throw lockedError(user.mfa_locked_until!, now)
      if (!factor) throw new MfaError('bad_request', 'this account has no second factor to step up with')
      const flowId = randomUUID()
      await d.repo.insertFlow({ id: flowId, userId, factor, issuedAt: now, country: ctx.country, client: ctx.client, intent: 'stepup', deviceId: ctx.deviceId, ...flowOrigin(ctx) })
      const attrs = { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.intent]: 'stepup' }
      // A passkey step-up is finished like a passkey sign-in: /api/v1/webauthn/login/options with this flow.
      if (factor === 'webauthn') return { kind: 'challenge', flowId, factor, factors }
      if (factor === 'push') {
        const { number } = await d.push!.sendLoginPush(flowId, user, ctx, 'stepup_required', 'stepup')
        return { kind: 'challenge', flowId, factor, factors, number, delivery: 'sent' }
      }
      if (factor === 'totp' || factor === 'recovery_code') {
        emit('mfa.challenge.issued', { ...attrs, [ATTR.factor]: factor, [ATTR.channel]: factor === 'totp' ? 'app' : 'none', [ATTR.reason]: 'stepup_required' }, ctx)
        return { kind: 'challenge', flowId, factor, factors }
      }
      const { hint } = await d.oob.sendLoginCode(flowId, user, factor as OobChannel, 'login_required', ctx)
      return { kind: 'challenge', flowId, factor, factors, hint, delivery: 'sent' }
    },
  }
}
