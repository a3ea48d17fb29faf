import { randomUUID } from 'node:crypto'
import { ATTR, type Client, type Factor, type RiskLevel, type UserGroup } from '../../contract'
import { MfaError, type ErrorCode } from '../errors'
import { hashPassword, needsRehash, verifyPasswordAtCost } from '../factors/password'
import { assertNewPassword } from '../factors/password-policy'
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, recoveryCodeMatches } from '../factors/recovery-codes'
import { base32Encode, newTotpSecret, otpauthUri, verifyTotp, type TotpParams } from '../factors/totp'
import type { FlowRow, TotpRow, UserRow } from '../store/repo'
import { progressiveDelayMs } from '../http/rate-limit'
import { eventHelpers, flowCtx, flowOrigin, type RequestCtx } from './events'
import { assessRisk } from './risk'
import { EMAIL_NOT_A_FACTOR } from './oob'
import type { OobChannel } from '../subprocessors/types'
import { cappedError, decideAttempt, lockedError, type WrongCodeLock } from './policy'
import { createStepUp } from './stepup'
import type { CodeFactor, LoginDeps, LoginFactor, PasswordStepResult } from './types'

export type { RequestCtx }
export type { CodeFactor, LoginDeps, LoginFactor, PasswordStepResult }

const RETRY_ERRORS = {
  invalid_code: ['invalid_code', 'the code is wrong'],
  code_replayed: ['code_replayed', 'this code was already used; wait for the next one'],
  code_expired: ['invalid_code', 'the code expired; ask for a new one'],
  too_many_attempts: ['invalid_code', 'too many tries for this code; ask for a new one'],
} as const satisfies Record<string, readonly [ErrorCode, string]>


export function createLoginService(d: LoginDeps) {
  const { base, emit, completed } = eventHelpers(d)
  async function factorsOf(userId: string): Promise<LoginFactor[]> {
    const out: LoginFactor[] = []
    if ((await d.passkeys(userId)) > 0) out.push('webauthn')
    if (await d.push?.available(userId)) out.push('push')
    if ((await d.repo.totpForUser(userId, 'active')).length) out.push('totp')
    out.push(...(await d.oob.activeChannels(userId)))
    if ((await d.repo.remainingRecoveryCodes(userId)) > 0) out.push('recovery_code')
    return out
  }

  /** The terminal event of a flow: login.completed for a login, mfa.stepup for a step-up. */
  const finish = (flow: FlowRow, outcome: string, reason: string, ctx: RequestCtx, user: UserRow | undefined, factor?: string) => {
    if (flow.intent === 'login') return completed(flow.id, outcome, reason, ctx, user, factor)
    emit('mfa.stepup', { ...base(ctx, user), [ATTR.flowId]: flow.id, [ATTR.factor]: factor, [ATTR.outcome]: outcome, [ATTR.reason]: outcome === 'success' ? 'satisfied' : 'failed', [ATTR.intent]: 'stepup' }, ctx)
  }
  /** Close the flow as locked and lock the user's codes (every device's, or unknown devices' only, as `lock` says): one `mfa.lockout` per lock. */
  async function lockOut(flow: FlowRow, user: UserRow | undefined, factor: string, lock: WrongCodeLock, ctx: RequestCtx) {
    if (!(await d.repo.closeFlow(flow.id, 'locked'))) return
    if (lock.scope === 'account') await d.repo.lockUser(flow.user_id, lock.until)
    d.metrics.lockouts.inc({ reason: 'too_many_failures' })
    emit('mfa.lockout', { ...base(ctx, user), [ATTR.flowId]: flow.id, [ATTR.factor]: factor, [ATTR.reason]: 'too_many_failures' }, ctx)
    finish(flow, 'locked_out', 'locked_out', ctx, user, factor)
    // Repeated failed second factors mean someone has the password: its owner is told (at most hourly).
    if (user) await d.notices?.send(user, 'repeated_failures', ctx, { country: ctx.country ?? flow.country ?? undefined })
  }
  const lockError = (lock: WrongCodeLock, now: Date) => (lock.scope === 'unknown_devices_cap' ? cappedError() : lockedError(lock.until, now))
  const allowedAt = (level: string | null, factor: string) => d.risk.policy.rules[(level ?? 'low') as RiskLevel].factors.includes(factor as Factor)
  const openSecret = (c: TotpRow) => d.keys.box.open(c.secret_enc, c.id)
  const params = (c: TotpRow): TotpParams => ({ algorithm: c.algorithm as TotpParams['algorithm'], digits: c.digits as 6 | 8, periodSeconds: 30, window: 1 })

  /** Check a code against each active credential; the first that accepts it records its step. */
  async function checkTotp(creds: TotpRow[], code: string, activate: boolean) {
    let replayed = false
    for (const c of creds) {
      const r = verifyTotp(openSecret(c), code, d.now().getTime(), c.last_step, params(c))
      if (r.ok) {
        if (await d.repo.acceptTotpStep(c.id, r.step, activate)) return { ok: true as const, credential: c }
        replayed = true // another request accepted this step first
      } else if (r.reason === 'code_replayed') replayed = true
    }
    return { ok: false as const, reason: replayed ? ('code_replayed' as const) : ('invalid_code' as const) }
  }

  async function checkRecoveryCode(userId: string, input: string) {
    const code = normalizeRecoveryCode(input)
    if (!code) return { ok: false as const, reason: 'invalid_code' as const }
    const r = await d.repo.useRecoveryCode(userId, (stored) => recoveryCodeMatches(stored, userId, code, d.keys.mac))
    return r === 'ok' ? { ok: true as const } : { ok: false as const, reason: r === 'used' ? ('code_replayed' as const) : ('invalid_code' as const) }
  }

  return {
    /** A new set of recovery codes, shown once; the previous set stops working. */
    async regenerateRecoveryCodes(userId: string, ctx: RequestCtx): Promise<string[]> {
      const user = await d.repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      const hasFactor = (await d.repo.totpForUser(userId, 'active')).length > 0 || (await d.oob.activeChannels(userId)).length > 0 || (await d.passkeys(userId)) > 0 || (await d.push?.hasActiveDevice(userId)) === true
      if (!hasFactor) throw new MfaError('bad_request', 'set up a second factor first: recovery codes stand in for one')
      const codes = newRecoveryCodes()
      await d.repo.replaceRecoveryCodes(userId, codes.map((c) => hashRecoveryCode(d.keys.mac, c)), randomUUID())
      emit('mfa.recovery', { ...base(ctx, user), [ATTR.factor]: 'recovery_code', [ATTR.reason]: 'recovery_codes_regenerated', [ATTR.intent]: 'enrollment' }, ctx)
      return codes
    },
    remainingRecoveryCodes: (userId: string) => d.repo.remainingRecoveryCodes(userId),

    /** A new account is a customer, or an admin when its address is a configured bootstrap admin (IDP_ADMIN_EMAILS). */
    async signup(email: string, password: string): Promise<string> {
      return this.createAccount(email, await this.hashNewPassword(email, password))
    },
    /** Sign-up's first half: the password policy, then the hash (login/signup.ts keeps it until the address is proven). */
    async hashNewPassword(email: string, password: string): Promise<string> {
      assertNewPassword(password, 'password', email)
      return hashPassword(password, d.passwordHashing)
    },
    /** Sign-up's second half: the account, once its address is proven. */
    async createAccount(email: string, passwordHash: string): Promise<string> {
      const id = randomUUID()
      const userGroup: UserGroup = d.bootstrapAdmins?.has(email) ? 'admin' : 'customer'
      if (!(await d.repo.insertUser({ id, email, passwordHash, userGroup }))) {
        throw new MfaError('email_taken', 'an account with this e-mail address already exists')
      }
      return id
    },

    async enrollTotp(userId: string, name: string, ctx: RequestCtx, o: { algorithm: TotpParams['algorithm']; digits: 6 | 8 } = { algorithm: 'SHA1', digits: 6 }) {
      const user = await d.repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      const id = randomUUID()
      const secret = newTotpSecret(o.algorithm)
      await d.repo.insertTotp({ id, userId, name, secretEnc: d.keys.box.seal(secret, id), algorithm: o.algorithm, digits: o.digits })
      d.metrics.enrollments.inc({ factor: 'totp', reason: 'enrolled' })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: 'totp', [ATTR.reason]: 'enrolled', [ATTR.intent]: 'enrollment' }, ctx)
      return { credentialId: id, secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.email, d.issuer, { algorithm: o.algorithm, digits: o.digits, periodSeconds: 30, window: 1 }) }
    },

    /** Verify-before-activate: a pending credential becomes active only with a correct code. */
    async activateTotp(userId: string, credentialId: string, code: string, ctx: RequestCtx): Promise<void> {
      const [user, cred] = await Promise.all([d.repo.userById(userId), d.repo.totpById(credentialId, userId)])
      if (!user || !cred) throw new MfaError('not_found', 'no such authenticator for this account')
      if (cred.status === 'active') throw new MfaError('already_active', 'this authenticator is already active')
      const r = await checkTotp([cred], code, true)
      const reason = r.ok ? 'activated' : 'verification_failed'
      d.metrics.enrollments.inc({ factor: 'totp', reason })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: 'totp', [ATTR.reason]: reason, [ATTR.intent]: 'enrollment' }, ctx)
      if (r.ok) await d.notices?.send(user, 'factor_added', ctx, { factor: 'totp' })
      if (!r.ok) throw new MfaError(r.reason, r.reason === 'code_replayed' ? 'this code was already used; wait for the next one' : 'the code does not match; check the time on your device and try again')
    },

    /** The password must pass before any second factor is revealed or tried. */
    async passwordStep(email: string, password: string, ctx: RequestCtx): Promise<PasswordStepResult> {
      const user = await d.repo.userByEmail(email)
      const known = user ? await d.guessing.knownDevice(user.id, ctx.deviceId, ctx.trustedToken) : false
      const throttled = await d.guessing.beforePassword(email, known)
      if (throttled) {
        d.metrics.rateLimited.inc({ bucket: 'account_password' })
        completed(randomUUID(), 'rate_limited', 'locked_out', ctx, user, 'password')
        throw throttled
      }
      const ok = await d.telemetry.step(ctx.span, 'password.verify', { 'mfa.factor': 'password' }, async () => verifyPasswordAtCost(password, user?.password_hash, d.passwordHashing))
      if (!user || !ok) {
        if ((await d.guessing.passwordFailed(email, known)) && user) {
          d.metrics.lockouts.inc({ reason: 'too_many_failures' })
          emit('mfa.lockout', { ...base(ctx, user), [ATTR.factor]: 'password', [ATTR.reason]: 'too_many_failures' }, ctx)
        }
        completed(randomUUID(), 'failure', 'password_failed', ctx, user, 'password')
        throw new MfaError('invalid_credentials', 'e-mail address or password is wrong')
      }
      await d.guessing.passwordOk(email, known)
      // A hash made with weaker parameters (an older N) is replaced now that the password is known.
      if (needsRehash(user.password_hash, d.passwordHashing)) await d.repo.updatePassword(user.id, await hashPassword(password, d.passwordHashing))
      const creds = await d.repo.totpForUser(user.id, 'active')
      const channels = await d.oob.activeChannels(user.id)
      const passkeys = await d.passkeys(user.id)
      const pushEnrolled = (await d.push?.hasActiveDevice(user.id)) ?? false
      const pushReady = pushEnrolled && ((await d.push?.available(user.id)) ?? false)
      const now = d.now()
      const risk = await d.telemetry.step(ctx.span, 'risk.assess', {}, async () => {
        const history = await d.trusted.recent(user.id, d.risk.policy.recentLogins, ctx.deviceId)
        return assessRisk({ ...history, country: ctx.country, ip: ctx.ip, now }, d.risk.policy, d.risk.bad)
      })
      const riskCtx = { ...ctx, riskLevel: risk.level, riskSignals: risk.signals }
      // A locked push device still counts as enrolled: locking must never mean "no MFA".
      if (creds.length === 0 && channels.length === 0 && passkeys === 0 && !pushEnrolled) {
        if (risk.passwordOnly === 'deny') {
          completed(randomUUID(), 'failure', 'risk_blocked', riskCtx, user, 'password')
          throw new MfaError('forbidden', 'this sign-in looks risky and the account has no second factor, so the password alone is not enough: sign in from a device you used before, or ask an admin', { risk_level: risk.level })
        }
        completed(randomUUID(), 'success', 'mfa_not_enrolled', riskCtx, user, 'password')
        await d.trusted.recordLogin(user.id, ctx.country, ctx.deviceId, risk.level, ctx.client)
        return { kind: 'authenticated', userId: user.id }
      }
      const flowId = randomUUID()
      // Guessing from unknown devices locks only unknown devices: the owner's known ones stay open.
      const refusal = await d.guessing.codeRefusal(user.id, user.mfa_locked_until, known)
      if (refusal) {
        // The lock answers guessing of codes by whoever holds the password. A passkey can be
        // neither guessed nor relayed, so it stays open: an attacker with the password cannot
        // lock out a real user who has one (the denial of service NIST SP 800-63B 5.2.2 warns of).
        if (passkeys > 0 && risk.factors.includes('webauthn')) {
          await d.repo.insertFlow({ id: flowId, userId: user.id, factor: 'webauthn', issuedAt: now, country: ctx.country, client: ctx.client, riskLevel: risk.level, deviceId: ctx.deviceId, ...flowOrigin(riskCtx) })
          emit('mfa.login.started', { ...base(riskCtx, user), [ATTR.flowId]: flowId, [ATTR.intent]: 'login', [ATTR.reason]: 'password_verified' }, ctx)
          return { kind: 'challenge', flowId, factor: 'webauthn', factors: ['webauthn'], locked: true }
        }
        completed(flowId, 'locked_out', 'locked_out', riskCtx, user, 'totp')
        throw refusal
      }
      const exempt = await d.exemptions.consume(user, flowId, riskCtx)
      if (exempt) {
        completed(flowId, 'success', 'mfa_bypassed', riskCtx, user)
        await d.trusted.recordLogin(user.id, ctx.country, ctx.deviceId, risk.level, ctx.client)
        return { kind: 'authenticated', userId: user.id }
      }
      const remembered = await d.trusted.check(ctx.trustedToken, user.id)
      if (remembered && !remembered.ok && remembered.reason === 'other_account') d.log('security: a remember-this-device cookie issued to another account was presented and ignored')
      if (remembered?.ok && risk.trustedDeviceSkip) {
        emit('mfa.bypass', { ...base(riskCtx, user), [ATTR.flowId]: flowId, [ATTR.reason]: 'trusted_device', [ATTR.intent]: 'login' }, ctx)
        completed(flowId, 'success', 'trusted_device', riskCtx, user)
        await d.guessing.liftUnknown(user.id)
        await d.trusted.recordLogin(user.id, ctx.country, ctx.deviceId, risk.level, ctx.client)
        return { kind: 'authenticated', userId: user.id }
      }
      // The strongest factor the user has is offered first (phishing-resistant, then app, then
      // out-of-band), among those the risk level allows; the others stay one call away.
      const have: LoginFactor[] = [...(passkeys ? ['webauthn' as const] : []), ...(pushReady ? ['push' as const] : []), ...(creds.length ? ['totp' as const] : []), ...channels]
      if ((await d.repo.remainingRecoveryCodes(user.id)) > 0) have.push('recovery_code')
      if (d.factorOrder) have.splice(0, have.length, ...d.factorOrder(have))
      const factors = have.filter((f) => risk.factors.includes(f))
      // Enrolled push that is locked or paused still comes first in preference: skipping it is a fallback.
      const pushHeld = pushEnrolled && !pushReady && !passkeys
      const preferred = pushHeld ? 'push' : have[0]
      const factor = factors.find((f) => f !== 'recovery_code')
      const flowAttrs = { ...base(riskCtx, user), [ATTR.flowId]: flowId, [ATTR.intent]: 'login' }
      if (!factor) {
        emit('mfa.login.started', { ...flowAttrs, [ATTR.reason]: 'password_verified' }, ctx)
        completed(flowId, 'failure', 'risk_blocked', riskCtx, user, preferred)
        throw new MfaError('forbidden', 'this sign-in looks risky: it needs a passkey or an authenticator app, which this account does not have; use a recovery code or ask an admin', { risk_level: risk.level, factors })
      }
      await d.repo.insertFlow({ id: flowId, userId: user.id, factor, issuedAt: now, country: ctx.country, client: ctx.client, riskLevel: risk.level, deviceId: ctx.deviceId, ...flowOrigin(riskCtx) })
      emit('mfa.login.started', { ...flowAttrs, [ATTR.reason]: 'password_verified' }, ctx)
      if (factor !== preferred) emit('mfa.fallback', { ...flowAttrs, [ATTR.fallbackFrom]: preferred, [ATTR.fallbackTo]: factor, [ATTR.factor]: factor, [ATTR.reason]: preferred === 'push' && pushHeld ? 'rate_limited' : 'risk_policy' }, ctx)
      // A send that failed leaves the flow open on another factor; the client learns why.
      const failed = (e: MfaError): PasswordStepResult => ({ kind: 'challenge', flowId, factor, factors, delivery: 'failed', deliveryError: { code: e.code, message: e.message, retryAfterSeconds: e.retryAfterSeconds } })
      // A passkey challenge is issued (and its event emitted) when the browser asks for options.
      if (factor === 'webauthn') return { kind: 'challenge', flowId, factor, factors }
      if (factor === 'push') {
        try {
          const { number } = await d.push!.sendLoginPush(flowId, user, riskCtx, risk.level === 'high' ? 'risk_high' : 'login_required')
          return { kind: 'challenge', flowId, factor, factors, number, delivery: 'sent' }
        } catch (e) {
          if (!(e instanceof MfaError)) throw e
          return failed(e)
        }
      }
      if (factor === 'totp') {
        emit('mfa.challenge.issued', { ...flowAttrs, [ATTR.factor]: 'totp', [ATTR.channel]: 'app', [ATTR.reason]: risk.level === 'high' ? 'risk_high' : 'login_required' }, ctx)
        return { kind: 'challenge', flowId, factor, factors }
      }
      try {
        const { hint } = await d.oob.sendLoginCode(flowId, user, factor as OobChannel, 'login_required', riskCtx)
        return { kind: 'challenge', flowId, factor, factors, hint, delivery: 'sent' }
      } catch (e) {
        if (!(e instanceof MfaError)) throw e
        return failed(e)
      }
    },

    /**
     * Finish a login flow with a typed code: an authenticator code or a recovery code. Both
     * count against the same per-flow attempts, so switching factor does not reset the count.
     */
    async codeStep(flowId: string, factor: CodeFactor, code: string, ctx: RequestCtx): Promise<string> {
      if (factor === 'email') throw new MfaError('bad_request', EMAIL_NOT_A_FACTOR, { field: 'channel' })
      const flow = await d.repo.flow(flowId)
      const user = flow && (await d.repo.userById(flow.user_id))
      // Every event of this flow carries the risk and network of the request that started it.
      ctx = flowCtx(ctx, flow)
      const snapshot = flow && { state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }
      // Only an open, in-time flow gets to check a code (and so to consume a step or a recovery code).
      const pre = decideAttempt(snapshot, { ok: true }, d.now(), d.policy)
      if (flow && pre.kind === 'success' && !allowedAt(flow.risk_level, factor)) throw new MfaError('forbidden', `${factor} is not accepted for this sign-in: its risk is ${flow.risk_level}`, { risk_level: flow.risk_level })
      // The device that passed the password step: the owner's known devices are not held up by guessing elsewhere.
      // A step-up comes from a signed-in session: that browser is the account's own.
      const known = user ? flow!.intent === 'stepup' || (await d.guessing.knownDevice(user.id, flow!.device_id, ctx.trustedToken)) : false
      // Flows opened before the lock (or alongside the one that set it) must not keep guessing.
      const refusal = user && pre.kind === 'success' ? await d.guessing.codeRefusal(user.id, user.mfa_locked_until, known) : undefined
      if (refusal) {
        d.metrics.verifications.inc({ factor, outcome: 'locked_out' })
        emit('mfa.challenge.verified', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: factor, [ATTR.outcome]: 'locked_out', [ATTR.reason]: 'locked_out', [ATTR.intent]: flow!.intent }, ctx)
        throw refusal
      }
      // Answering with another factor than the one the flow offered (a code instead of the push) is the user's fallback.
      if (flow && user && pre.kind === 'success' && flow.factor !== factor) {
        emit('mfa.fallback', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.fallbackFrom]: flow.factor, [ATTR.fallbackTo]: factor, [ATTR.factor]: factor, [ATTR.reason]: 'user_choice', [ATTR.intent]: flow.intent }, ctx)
        await d.repo.setFlowFactor(flowId, factor)
      }
      // The attempt is taken before the code is checked: parallel guesses each need one of their own.
      const reserved = pre.kind === 'success' ? await d.repo.reserveAttempt(flowId, d.policy.maxAttempts) : undefined
      if (pre.kind === 'success' && reserved === undefined) {
        d.metrics.verifications.inc({ factor, outcome: 'locked_out' })
        emit('mfa.challenge.verified', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: factor, [ATTR.outcome]: 'locked_out', [ATTR.reason]: 'locked_out', [ATTR.intent]: flow!.intent }, ctx)
        throw new MfaError('locked_out', 'this sign-in is locked after too many wrong codes')
      }
      if (snapshot && reserved !== undefined) snapshot.attempts = reserved - 1
      const check = pre.kind !== 'success' ? { ok: true as const } : await d.telemetry.step(ctx.span, `${factor}.verify`, { 'mfa.factor': factor, 'mfa.flow_id': flowId }, async () =>
        factor === 'totp' ? checkTotp(await d.repo.totpForUser(flow!.user_id, 'active'), code, false)
        : factor === 'recovery_code' ? checkRecoveryCode(flow!.user_id, code)
        : d.oob.checkLoginCode(flowId, code))
      const now = d.now()
      // A code used twice was probably seen by someone else: its owner is told (at most hourly).
      if (user && factor === 'totp' && !check.ok && check.reason === 'code_replayed') await d.notices?.send(user, 'totp_replayed', ctx)
      const decision = pre.kind === 'success' ? decideAttempt(snapshot, check, now, d.policy) : pre
      const latency = flow ? Math.max(0, now.getTime() - flow.issued_at.getTime()) : undefined
      const attempt = reserved ?? (flow?.attempts ?? 0) + 1
      if (flow) {
        d.metrics.verifications.inc({ factor, outcome: decision.outcome })
        if (latency !== undefined) d.metrics.verifyLatency.observe({ factor }, latency / 1000)
        emit('mfa.challenge.verified', {
          ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: factor, [ATTR.channel]: factor === 'totp' ? 'app' : factor === 'recovery_code' ? 'none' : factor,
          [ATTR.outcome]: decision.outcome, [ATTR.reason]: decision.reason, [ATTR.latencyMs]: latency, [ATTR.attempt]: attempt, [ATTR.intent]: 'login',
        }, ctx)
      }
      switch (decision.kind) {
        case 'closed':
          throw new MfaError(decision.error, decision.error === 'locked_out' ? 'this sign-in is locked after too many wrong codes' : decision.error === 'flow_expired' ? 'this sign-in is over; start again' : 'no such sign-in; start again')
        case 'expired':
          if (await d.repo.closeFlow(flowId, 'abandoned')) finish(flow!, 'abandoned', 'abandoned', ctx, user, factor)
          throw new MfaError('flow_expired', 'this sign-in took too long; start again')
        case 'success':
          if (!(await d.repo.closeFlow(flowId, 'completed'))) throw new MfaError('flow_expired', 'this sign-in is over; start again')
          if (flow!.factor === 'push') await d.push?.cancelForFlow(flowId)
          if (factor === 'recovery_code') {
            emit('mfa.recovery', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: 'recovery_code', [ATTR.reason]: 'recovery_code_used', [ATTR.intent]: 'recovery' }, ctx)
          }
          finish(flow!, 'success', 'mfa_satisfied', ctx, user, factor)
          if (known && flow!.intent === 'login') await d.guessing.liftUnknown(flow!.user_id)
          if (flow!.intent === 'login') await d.trusted.recordLogin(flow!.user_id, flow!.country ?? undefined, flow!.device_id ?? undefined, flow!.risk_level ?? undefined, ctx.client)
          return flow!.user_id
        case 'retry': {
          const n = reserved!
          const lock = await d.guessing.wrongCode(flow!.user_id, known, false)
          if (lock) {
            await lockOut(flow!, user, factor, lock, ctx)
            throw lockError(lock, now)
          }
          // Slow down guessing on this flow: each wrong code makes the next answer wait longer.
          const wait = progressiveDelayMs(n, d.progressiveDelayMs)
          if (wait) await d.sleep(wait)
          const [code, text] = RETRY_ERRORS[decision.reason]
          throw new MfaError(code, text, { reason: decision.reason, attempts_left: decision.attemptsLeft })
        }
        case 'lock': {
          const lock = (await d.guessing.wrongCode(flow!.user_id, known, true)) ?? { scope: known ? 'account' : 'unknown_devices', until: decision.lockedUntil }
          await lockOut(flow!, user, factor, lock, ctx)
          throw lockError(lock, now)
        }
      }
    },

    /** Send (or resend) a code over SMS, voice or e-mail for an open flow; switching channel is a fallback. */
    async sendCode(flowId: string, channel: OobChannel, ctx: RequestCtx) {
      if (channel === 'email') throw new MfaError('bad_request', EMAIL_NOT_A_FACTOR, { field: 'channel' })
      const flow = await d.repo.flow(flowId)
      if (!flow) throw new MfaError('flow_not_found', 'no such sign-in; start again')
      ctx = flowCtx(ctx, flow)
      if (!allowedAt(flow.risk_level, channel)) throw new MfaError('forbidden', `${channel} is not accepted for this sign-in: its risk is ${flow.risk_level}`, { risk_level: flow.risk_level })
      const pre = decideAttempt({ state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }, { ok: true }, d.now(), d.policy)
      if (pre.kind !== 'success') throw new MfaError(pre.kind === 'closed' && pre.error === 'locked_out' ? 'locked_out' : 'flow_expired', 'this sign-in is over; start again')
      const user = (await d.repo.userById(flow.user_id))!
      const refusal = await d.guessing.codeRefusal(user.id, user.mfa_locked_until, await d.guessing.knownDevice(user.id, flow.device_id, ctx.trustedToken))
      if (refusal) throw refusal
      const resend = flow.factor === channel
      if (!resend) {
        emit('mfa.fallback', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.fallbackFrom]: flow.factor, [ATTR.fallbackTo]: channel, [ATTR.factor]: channel, [ATTR.reason]: 'user_choice', [ATTR.intent]: 'login' }, ctx)
        await d.repo.setFlowFactor(flowId, channel)
      }
      return d.oob.sendLoginCode(flowId, user, channel, resend ? 'resend' : 'fallback', ctx)
    },

    ...createStepUp(d, factorsOf),

    /** Close flows nobody finished within the TTL as abandoned (M10); returns how many. */
    async sweepAbandoned(): Promise<number> {
      const cutoff = new Date(d.now().getTime() - d.policy.flowTtlMs)
      let n = 0
      for (const flow of await d.repo.openFlowsIssuedBefore(cutoff)) {
        if (!(await d.repo.closeFlow(flow.id, 'abandoned'))) continue
        const user = await d.repo.userById(flow.user_id)
        finish(flow, 'abandoned', 'abandoned', flowCtx({ client: (flow.client as Client) ?? 'web' }, flow), user, flow.factor)
        n++
      }
      return n
    },

    /** The set-up key of a credential still pending verification (shown again after a wrong code). */
    async pendingTotpSetup(userId: string, credentialId: string) {
      const [user, cred] = await Promise.all([d.repo.userById(userId), d.repo.totpById(credentialId, userId)])
      if (!user || !cred || cred.status !== 'pending') return undefined
      const secret = openSecret(cred)
      return { credentialId, secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.email, d.issuer, params(cred)) }
    },

    async factors(userId: string) {
      const totp = (await d.repo.totpForUser(userId)).map((c) => ({ id: c.id, type: 'totp' as string, name: c.name, hint: undefined as string | undefined, status: c.status, created_at: c.created_at }))
      return [...totp, ...(await d.oob.factors(userId)), ...((await d.push?.factors(userId)) ?? [])]
    },
  }
}
export type LoginService = ReturnType<typeof createLoginService>
