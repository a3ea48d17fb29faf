import { randomUUID } from 'node:crypto'
import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { ATTR, type Outcome } from '../../contract'
import { MfaError } from '../errors'
import { decideAttempt } from '../login/policy'
import { flowCtx, type RequestCtx } from '../login/events'
import type { FlowRow, UserRow } from '../store/repo'
import type { ChallengeRow, PasskeyRow } from '../store/webauthn-repo'
import { CEREMONY_TIMEOUT_MS, type WebauthnCore } from './webauthn-core'
import { checkChallenge, decideCounter, outcomeOf, type AssertionFailure } from './webauthn-rules'

export interface LoginOptions { challengeId: string; flowId: string; options: PublicKeyCredentialRequestOptionsJSON }

type Assertion = { ok: true; cred: PasskeyRow } | { ok: false; reason: AssertionFailure; cred?: PasskeyRow }

const REFUSED: Record<AssertionFailure, [MfaError['code'], string]> = {
  unknown_credential: ['invalid_credentials', 'this passkey is not registered for this sign-in'],
  signature_invalid: ['invalid_credentials', 'the passkey response could not be verified'],
  counter_regression: ['invalid_credentials', "this passkey's signature counter went backwards (it may have been copied); use another factor"],
  code_replayed: ['code_replayed', 'this passkey response was already used; start again'],
  code_expired: ['flow_expired', 'this passkey request took too long; start again'],
}
const refused = (reason: AssertionFailure, details: Record<string, unknown> = {}) => new MfaError(REFUSED[reason][0], REFUSED[reason][1], { reason, ...details })

/** Passkey sign-in: as the second factor of a password flow, or on its own (passwordless). */
export function passkeyLogin(core: WebauthnCore) {
  const { d, repo, store, base, emit } = core

  const verified = (flowId: string, outcome: Outcome, reason: string, latencyMs: number, attempt: number, ctx: RequestCtx, user?: UserRow) => {
    d.metrics.verifications.inc({ factor: 'webauthn', outcome })
    d.metrics.verifyLatency.observe({ factor: 'webauthn' }, latencyMs / 1000)
    emit('mfa.challenge.verified', {
      ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: 'webauthn', [ATTR.channel]: 'platform',
      [ATTR.outcome]: outcome, [ATTR.reason]: reason, [ATTR.latencyMs]: latencyMs, [ATTR.attempt]: attempt, [ATTR.intent]: 'login',
    }, ctx)
  }

  /** Challenge, credential, signature with user verification, then the signature counter. */
  async function checkAssertion(ch: ChallengeRow, fresh: boolean, response: AuthenticationResponseJSON, now: Date, ownerId?: string): Promise<Assertion> {
    const c = checkChallenge(ch, fresh, now, { purpose: 'authentication' })
    if (!c.ok) return { ok: false, reason: c.reason === 'missing' ? 'unknown_credential' : c.reason }
    const cred = await store.passkey(response.id)
    if (!cred || (ownerId !== undefined && cred.user_id !== ownerId)) return { ok: false, reason: 'unknown_credential' }
    // A discoverable credential names its user; it must be the credential's owner.
    const handle = response.response.userHandle
    if (handle && handle !== core.userHandleB64(cred.user_id)) return { ok: false, reason: 'unknown_credential' }
    const rp = d.rp()
    let info: { newCounter: number; credentialBackedUp: boolean } | undefined
    try {
      const r = await verifyAuthenticationResponse({
        response, expectedChallenge: ch.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true,
        // Counter 0 turns the library's own counter check off: ours runs after the signature,
        // so a forged assertion reads as signature_invalid, and it is race-safe in the store.
        credential: { id: cred.id, publicKey: new Uint8Array(Buffer.from(cred.public_key, 'base64url')), counter: 0, transports: cred.transports },
      })
      if (r.verified) info = r.authenticationInfo
    } catch {
      // Wrong origin, RP ID, challenge or type, no user verification, malformed data.
    }
    if (!info) return { ok: false, reason: 'signature_invalid', cred }
    if (!decideCounter(cred.counter, info.newCounter).ok || !(await store.acceptCounter(cred.id, info.newCounter, info.credentialBackedUp, now))) {
      return { ok: false, reason: 'counter_regression', cred }
    }
    return { ok: true, cred }
  }

  /** Second factor on a password flow: the same attempt limit and lockout as typed codes. */
  async function secondFactor(ch: ChallengeRow, fresh: boolean, response: AuthenticationResponseJSON, ctx: RequestCtx): Promise<{ userId: string; flowId: string }> {
    const flowId = ch.flow_id!
    const flow = await repo.flow(flowId)
    const user = flow && (await repo.userById(flow.user_id))
    ctx = flowCtx(ctx, flow)
    const snapshot = flow && { state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }
    const pre = decideAttempt(snapshot, { ok: true }, d.now(), d.policy)
    const check: Assertion | undefined = pre.kind === 'success' ? await checkAssertion(ch, fresh, response, d.now(), flow!.user_id) : undefined
    const now = d.now()
    // Any refused assertion counts against the flow like a wrong code.
    const decision = check && !check.ok ? decideAttempt(snapshot, { ok: false, reason: 'invalid_code' }, now, d.policy) : pre
    if (flow) {
      const [outcome, reason] = check && !check.ok ? [outcomeOf(check.reason), check.reason] : [decision.outcome, decision.reason]
      verified(flowId, outcome, reason, Math.max(0, now.getTime() - ch.created_at.getTime()), flow.attempts + 1, ctx, user)
    }
    switch (decision.kind) {
      case 'closed':
        throw new MfaError(decision.error, decision.error === 'locked_out' ? 'this sign-in is locked after too many failed attempts' : decision.error === 'flow_expired' ? 'this sign-in is over; start again' : 'no such sign-in; start again')
      case 'expired':
        if (await repo.closeFlow(flowId, 'abandoned')) core.completed(flowId, 'abandoned', 'abandoned', ctx, user, flow!.intent)
        throw new MfaError('flow_expired', 'this sign-in took too long; start again')
      case 'success':
        if (!(await repo.closeFlow(flowId, 'completed'))) throw new MfaError('flow_expired', 'this sign-in is over; start again')
        core.completed(flowId, 'success', 'mfa_satisfied', ctx, user, flow!.intent)
        return { userId: flow!.user_id, flowId }
      case 'retry':
        if ((await repo.countFailedAttempt(flowId)) === undefined) throw new MfaError('flow_expired', 'this sign-in is over; start again')
        throw refused((check as { reason: AssertionFailure }).reason, { attempts_left: decision.attemptsLeft })
      case 'lock': {
        await lockFlow(flow!, user, decision.lockedUntil, ctx)
        const retry = Math.ceil((decision.lockedUntil.getTime() - now.getTime()) / 1000)
        throw new MfaError('locked_out', 'too many failed attempts: second-factor sign-in is locked for this account for now', { retry_after_seconds: retry }, retry)
      }
    }
  }

  async function lockFlow(flow: FlowRow, user: UserRow | undefined, until: Date, ctx: RequestCtx) {
    await repo.countFailedAttempt(flow.id)
    if (!(await repo.closeFlow(flow.id, 'locked'))) return
    await repo.lockUser(flow.user_id, until)
    d.metrics.lockouts.inc({ reason: 'too_many_failures' })
    emit('mfa.lockout', { ...base(ctx, user), [ATTR.flowId]: flow.id, [ATTR.factor]: 'webauthn', [ATTR.reason]: 'too_many_failures' }, ctx)
    core.completed(flow.id, 'locked_out', 'locked_out', ctx, user, flow.intent)
  }

  /** Passkey alone: the credential names the user. One assertion per flow; a refusal ends it. */
  async function passwordless(ch: ChallengeRow, fresh: boolean, response: AuthenticationResponseJSON, ctx: RequestCtx): Promise<{ userId: string; flowId: string }> {
    const flowId = ch.flow_id!
    const now = d.now()
    const check = await checkAssertion(ch, fresh, response, now)
    const user = check.cred && (await repo.userById(check.cred.user_id))
    const latency = Math.max(0, now.getTime() - ch.created_at.getTime())
    if (check.ok && user) {
      emit('mfa.login.started', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.reason]: 'passwordless', [ATTR.intent]: 'login' }, ctx)
      verified(flowId, 'success', 'ok', latency, 1, ctx, user)
      core.completed(flowId, 'success', 'passwordless', ctx, user)
      return { userId: user.id, flowId }
    }
    const reason: AssertionFailure = check.ok ? 'unknown_credential' : check.reason
    verified(flowId, outcomeOf(reason), reason, latency, 1, ctx, user)
    // A replay comes after the first use already ended this flow.
    if (reason === 'code_expired') core.completed(flowId, 'abandoned', 'abandoned', ctx, user)
    else if (reason !== 'code_replayed') core.completed(flowId, 'failure', 'mfa_failed', ctx, user)
    throw refused(reason)
  }

  return {
    /**
     * Options for `navigator.credentials.get()`. With a flow id: the flow's user's passkeys
     * (second factor). Without: an empty allow-list, so the browser offers discoverable
     * credentials, and a fresh flow id.
     */
    async options(flowId: string | undefined, ctx: RequestCtx): Promise<LoginOptions> {
      let user: UserRow | undefined
      let allow: PasskeyRow[] = []
      if (flowId) {
        const flow = await repo.flow(flowId)
        const pre = decideAttempt(flow && { state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }, { ok: true }, d.now(), d.policy)
        if (pre.kind === 'closed') throw new MfaError(pre.error, pre.error === 'flow_not_found' ? 'no such sign-in; start again' : 'this sign-in is over; start again')
        if (pre.kind === 'expired') throw new MfaError('flow_expired', 'this sign-in took too long; start again')
        user = await core.requireUser(flow!.user_id)
        ctx = flowCtx(ctx, flow)
        allow = await store.passkeysOf(user.id)
        if (allow.length === 0) throw new MfaError('not_found', 'this account has no passkey; use another factor')
      }
      const id = flowId ?? randomUUID()
      const options = await generateAuthenticationOptions({
        rpID: d.rp().id, timeout: CEREMONY_TIMEOUT_MS, userVerification: 'required',
        allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })),
      })
      const challengeId = await core.issueChallenge({ challenge: options.challenge, purpose: 'authentication', user_id: user?.id ?? null, flow_id: id })
      emit('mfa.challenge.issued', { ...base(ctx, user), [ATTR.flowId]: id, [ATTR.factor]: 'webauthn', [ATTR.channel]: 'platform', [ATTR.reason]: 'login_required', [ATTR.intent]: 'login' }, ctx)
      return { challengeId, flowId: id, options }
    },

    /** Check an assertion; the challenge is used up whatever the result. Returns who signed in. */
    async verify(challengeId: string, response: AuthenticationResponseJSON, ctx: RequestCtx): Promise<{ userId: string; flowId: string }> {
      const taken = await store.takeChallenge(challengeId, 'authentication', d.now())
      if (!taken || !taken.row.flow_id) throw new MfaError('flow_not_found', 'no such passkey sign-in; start again')
      return taken.row.user_id ? secondFactor(taken.row, taken.fresh, response, ctx) : passwordless(taken.row, taken.fresh, response, ctx)
    },
  }
}
