import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { ATTR, type Client, type Intent } from '../../contract'
import { MfaError } from '../errors'
import { decidePushResponse, parseDevicePublicKey, verifyPushSignature, VERDICT_EVENT, type PushDecision, type PushVerdict } from '../factors/push'
import type { PushChallengeRow } from '../store/push-repo'
import type { FlowRow, Repo, UserRow } from '../store/repo'
import type { PushPlatform } from '../subprocessors/push-types'
import { eventHelpers, flowCtx, type RequestCtx } from './events'
import { decideAttempt, isLocked, lockedError, type FlowPolicy } from './policy'
import { createPushDelivery, type PushSendDeps } from './push-send'
import type { TrustedDevices } from './trusted'

export interface PushDeps extends PushSendDeps {
  repo: Repo
  flowPolicy: FlowPolicy
  trusted?: Pick<TrustedDevices, 'recordLogin'>
  /** Whether a sign-in of this risk level may use push (the risk policy); any level when absent. */
  allowed?: (riskLevel: string | null) => boolean
}

export interface PushAnswer { number: number; decision: PushDecision; signature: string }
export type PollResult =
  | { status: 'pending'; expiresInSeconds: number }
  | { status: 'approved'; userId: string }
  | { status: 'denied'; reason: 'user_denied' | 'fraud_reported' | 'number_mismatch' }
  | { status: 'expired' }

/** How long a pairing code (the QR code the phone's app scans) stays usable. */
export const PAIRING_TTL_MS = 10 * 60_000
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export type PairingStatus =
  | { status: 'waiting'; expiresInSeconds: number }
  | { status: 'expired' }
  | { status: 'registered'; deviceId: string; number?: number; expiresInSeconds?: number }
  | { status: 'active'; deviceId: string }

/** Refuse a device key that is not a P-256 public key (before anything is spent on the request). */
export function assertDeviceKey(publicKey: string): void {
  const key = parseDevicePublicKey(publicKey)
  if (!key.ok) throw new MfaError('bad_request', `public_key: ${key.reason}`, { field: 'public_key' })
}

/** Push approval with number matching: device enrollment, login pushes, device answers, polling. */
export function createPushService(d: PushDeps) {
  const { base, emit, completed } = eventHelpers(d)
  const delivery = createPushDelivery(d)
  const secondsLeft = (c: PushChallengeRow) => Math.max(0, Math.ceil((c.expires_at.getTime() - d.now().getTime()) / 1000))

  const verified = (c: PushChallengeRow, flow: FlowRow, user: UserRow | undefined, verdict: PushVerdict | 'signature_invalid', ctx: RequestCtx) => {
    const { outcome, reason } = verdict === 'signature_invalid' ? { outcome: 'failure' as const, reason: 'signature_invalid' as const } : VERDICT_EVENT[verdict]
    const latency = Math.max(0, d.now().getTime() - c.sent_at.getTime())
    d.metrics.verifications.inc({ factor: 'push', outcome })
    if (outcome === 'success') d.metrics.verifyLatency.observe({ factor: 'push' }, latency / 1000)
    emit('mfa.challenge.verified', { ...base(ctx, user), [ATTR.flowId]: flow.id, [ATTR.factor]: 'push', [ATTR.channel]: 'push', [ATTR.outcome]: outcome, [ATTR.reason]: reason, [ATTR.latencyMs]: latency, [ATTR.intent]: flow.intent }, ctx)
  }
  /** The terminal event of a flow: login.completed for a login, mfa.stepup for a step-up. */
  const finish = (flow: FlowRow, outcome: string, reason: string, ctx: RequestCtx, user: UserRow | undefined) => {
    if (flow.intent === 'login') return completed(flow.id, outcome, reason, ctx, user, 'push')
    emit('mfa.stepup', { ...base(ctx, user), [ATTR.flowId]: flow.id, [ATTR.factor]: 'push', [ATTR.outcome]: outcome, [ATTR.reason]: outcome === 'success' ? 'satisfied' : 'failed', [ATTR.intent]: 'stepup' }, ctx)
  }
  const enrollment = (user: UserRow, reason: 'enrolled' | 'activated' | 'verification_failed', ctx: RequestCtx) => {
    d.metrics.enrollments.inc({ factor: 'push', reason })
    emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: 'push', [ATTR.channel]: 'push', [ATTR.reason]: reason, [ATTR.intent]: 'enrollment' }, ctx)
  }
  async function userOf(userId: string): Promise<UserRow> {
    const user = await d.repo.userById(userId)
    if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
    return user
  }
  /** An open, in-time flow, asked for from the browser that started it (a flow id alone must not collect the sign-in). */
  async function openFlow(flowId: string, ctx: RequestCtx): Promise<FlowRow> {
    const flow = await d.repo.flow(flowId)
    if (!flow) throw new MfaError('flow_not_found', 'no such sign-in; start again')
    if (flow.device_id && flow.device_id !== ctx.deviceId) throw new MfaError('forbidden', 'this sign-in was started in another browser')
    return flow
  }
  /** Close an expired, unanswered challenge once, with its `no_response` event; false when already closed. */
  async function expire(c: PushChallengeRow, ctx?: RequestCtx): Promise<boolean> {
    if (!(await d.push.close(c.id, 'no_response', null))) return false
    const flow = c.flow_id ? await d.repo.flow(c.flow_id) : undefined
    if (flow) verified(c, flow, await d.repo.userById(c.user_id), 'expired', flowCtx(ctx ?? { client: (flow.client ?? 'web') as Client }, flow))
    return true
  }

  /** Send a login push for an open flow of `user`; returns the number to show on the sign-in page. */
  async function sendLoginPush(flowId: string, user: UserRow, ctx: RequestCtx, reason: 'login_required' | 'resend' | 'fallback' | 'risk_high' | 'stepup_required' = 'login_required', intent: Intent = 'login') {
    const [device] = await d.push.activeDevices(user.id)
    if (!device) throw new MfaError('bad_request', 'no active push device on this account')
    const c = await delivery.deliver(user, device, flowId, ctx, intent)
    emit('mfa.challenge.issued', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: 'push', [ATTR.channel]: 'push', [ATTR.reason]: reason, [ATTR.intent]: intent }, ctx)
    return { number: c.number, expiresInSeconds: Math.ceil((c.expiresAt.getTime() - d.now().getTime()) / 1000) }
  }

  return {
    sendLoginPush,

    /**
     * A one-time pairing code for the phone's app, made on the signed-in web page (shown as a QR
     * code): the app registers with it instead of a session on the phone. Stored hashed.
     */
    async pair(userId: string) {
      await userOf(userId)
      await delivery.assertUnlocked(userId)
      const code = randomBytes(16).toString('base64url')
      const id = randomUUID()
      const at = d.now()
      await d.push.insertPairing({ id, codeHash: sha256(code), userId, at, expiresAt: new Date(at.getTime() + PAIRING_TTL_MS) })
      return { pairingId: id, code, expiresInSeconds: PAIRING_TTL_MS / 1000 }
    },

    /** Spend a pairing code (once, in time): the account it adds a phone to. */
    async usePairing(code: string): Promise<{ userId: string; pairingId: string }> {
      const r = await d.push.usePairing(sha256(code), d.now())
      if (!r) throw new MfaError('invalid_credentials', 'this pairing code is unknown, already used or expired: make a new one on the web page')
      return { userId: r.user_id, pairingId: r.id }
    },

    /** What the web page shows while the phone pairs: waiting, then the test push's number to type in the app, then active. */
    async pairingStatus(userId: string, pairingId: string): Promise<PairingStatus> {
      const p = await d.push.pairing(pairingId, userId)
      if (!p) throw new MfaError('not_found', 'no such pairing on this account')
      if (!p.used_at) return p.expires_at.getTime() > d.now().getTime() ? { status: 'waiting', expiresInSeconds: Math.ceil((p.expires_at.getTime() - d.now().getTime()) / 1000) } : { status: 'expired' }
      const device = p.device_id ? await d.push.device(p.device_id, userId) : undefined
      if (!device) return { status: 'expired' }
      if (device.status === 'active') return { status: 'active', deviceId: device.id }
      const c = await d.push.latest({ deviceId: device.id })
      const open = c && c.closed_reason === null && c.responded_at === null && secondsLeft(c) > 0
      return open ? { status: 'registered', deviceId: device.id, number: c.number, expiresInSeconds: secondsLeft(c) } : { status: 'registered', deviceId: device.id }
    },

    /** Add a device (pending) and push it a test challenge; it turns active once answered with the number shown. */
    async registerDevice(userId: string, input: { platform: PushPlatform; token: string; publicKey: string; name: string }, ctx: RequestCtx, pairingId?: string) {
      const user = await userOf(userId)
      await delivery.assertUnlocked(userId)
      assertDeviceKey(input.publicKey)
      const id = randomUUID()
      await d.push.insertDevice({ id, userId, platform: input.platform, tokenEnc: d.keys.box.seal(Buffer.from(input.token, 'utf8'), id), publicKey: input.publicKey, name: input.name })
      if (pairingId) await d.push.setPairingDevice(pairingId, id)
      enrollment(user, 'enrolled', ctx)
      const c = await delivery.deliver(user, (await d.push.device(id))!, null, ctx, 'enrollment')
      return { deviceId: id, number: c.number, expiresInSeconds: Math.ceil((c.expiresAt.getTime() - d.now().getTime()) / 1000) }
    },

    /** The signed-in side of enrollment: activate once the device approved its test push with the right number. */
    async verifyDevice(userId: string, deviceId: string, ctx: RequestCtx): Promise<{ status: 'active' } | { status: 'pending'; expiresInSeconds: number }> {
      const [user, device] = await Promise.all([userOf(userId), d.push.device(deviceId, userId)])
      if (!device) throw new MfaError('not_found', 'no such push device on this account')
      if (device.status === 'active') throw new MfaError('already_active', 'this device is already active')
      const c = await d.push.latest({ deviceId })
      if (!c) throw new MfaError('bad_request', 'no test push was sent to this device; add it again')
      if (c.decision === 'approved' && c.closed_reason === 'ok') {
        if (await d.push.activateDevice(deviceId)) {
          enrollment(user, 'activated', ctx)
          await d.notices?.send(user, 'factor_added', ctx, { factor: 'push' })
        }
        return { status: 'active' }
      }
      const open = c.closed_reason === null && c.responded_at === null
      if (open && secondsLeft(c) > 0) return { status: 'pending', expiresInSeconds: secondsLeft(c) }
      if (open) await expire(c, ctx)
      enrollment(user, 'verification_failed', ctx)
      const expired = open || c.closed_reason === 'no_response'
      throw new MfaError(expired ? 'flow_expired' : 'invalid_code', expired ? 'the test push was not answered in time; add the device again' : 'the test push was not approved with the number shown; add the device again')
    },

    /** POST /login/push: send (or resend) the push for an open flow; switching to push is a fallback. */
    async send(flowId: string, ctx: RequestCtx) {
      const flow = await openFlow(flowId, ctx)
      if (d.allowed && !d.allowed(flow.risk_level)) throw new MfaError('forbidden', `push is not accepted for this sign-in: its risk is ${flow.risk_level}`, { risk_level: flow.risk_level })
      const pre = decideAttempt({ state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }, { ok: true }, d.now(), d.flowPolicy)
      if (pre.kind !== 'success') throw new MfaError(pre.kind === 'closed' && pre.error === 'locked_out' ? 'locked_out' : 'flow_expired', 'this sign-in is over; start again')
      const user = (await d.repo.userById(flow.user_id))!
      if (isLocked(user.mfa_locked_until, d.now())) throw lockedError(user.mfa_locked_until!, d.now())
      ctx = flowCtx(ctx, flow)
      const earlier = await d.push.latest({ flowId })
      if (flow.factor !== 'push') {
        emit('mfa.fallback', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.fallbackFrom]: flow.factor, [ATTR.fallbackTo]: 'push', [ATTR.factor]: 'push', [ATTR.reason]: 'user_choice', [ATTR.intent]: flow.intent }, ctx)
        await d.repo.setFlowFactor(flowId, 'push')
      }
      return sendLoginPush(flowId, user, ctx, earlier ? 'resend' : flow.factor === 'push' ? 'login_required' : 'fallback', flow.intent)
    },

    /**
     * The device's answer, authenticated by its signature alone (no session). A bad signature
     * changes nothing, so nobody can deny or spend someone else's push.
     */
    async respond(challengeId: string, a: PushAnswer, ctx: RequestCtx): Promise<{ status: 'approved' | 'denied' | 'fraud_reported' }> {
      const c = await d.push.challenge(challengeId)
      const device = c && (await d.push.device(c.device_id))
      if (!c || !device) throw new MfaError('not_found', 'no such push challenge')
      const [user, flow] = await Promise.all([d.repo.userById(c.user_id), c.flow_id ? d.repo.flow(c.flow_id) : undefined])
      ctx = flowCtx(ctx, flow)
      if (!verifyPushSignature(device.device_public_key, c.id, a.number, a.decision, a.signature)) {
        if (flow) verified(c, flow, user, 'signature_invalid', ctx)
        throw new MfaError('invalid_credentials', 'the signature does not verify with the key of the device this push was sent to')
      }
      const now = d.now()
      const verdict = decidePushResponse({ number: c.number, expiresAt: c.expires_at, respondedAt: c.responded_at, closedReason: c.closed_reason }, a, now)
      if (verdict === 'expired') {
        await expire(c, ctx)
        throw new MfaError('flow_expired', 'this push expired; ask for a new one on the sign-in page')
      }
      const closed = verdict !== 'replayed' && (await d.push.close(c.id, VERDICT_EVENT[verdict].reason, { at: now, decision: verdict === 'number_mismatch' ? null : verdict }))
      if (!closed) {
        if (flow) verified(c, flow, user, 'replayed', ctx)
        throw new MfaError('code_replayed', 'this push was already answered')
      }
      await d.push.touchDevice(device.id, now)
      if (flow) verified(c, flow, user, verdict, ctx)
      if (verdict === 'number_mismatch') throw new MfaError('invalid_code', 'the number does not match the one on the screen; ask for a new push there')
      if (verdict === 'fraud') {
        await delivery.lock(user!, 'fraud_reported', null, flow?.id ?? null, ctx)
        if (flow && (await d.repo.closeFlow(flow.id, 'locked'))) finish(flow, 'locked_out', 'locked_out', ctx, user)
        return { status: 'fraud_reported' }
      }
      // A denied sign-in is over: whoever holds the password must start again (and be counted again).
      if (verdict === 'denied' && flow && (await d.repo.closeFlow(flow.id, 'abandoned'))) finish(flow, 'failure', 'mfa_failed', ctx, user)
      return { status: verdict }
    },

    /** The sign-in page's question; on `approved` the flow is finished here, once, and the caller signs in. */
    async poll(flowId: string, ctx: RequestCtx): Promise<PollResult> {
      const flow = await openFlow(flowId, ctx)
      const c = await d.push.latest({ flowId })
      if (!c) throw new MfaError('bad_request', 'no push was sent for this sign-in: POST /api/v1/login/push first')
      ctx = flowCtx(ctx, flow)
      const rejected = c.decision === 'denied' ? 'user_denied' : c.decision === 'fraud' ? 'fraud_reported' : c.closed_reason === 'number_mismatch' ? 'number_mismatch' : undefined
      if (rejected) return { status: 'denied', reason: rejected }
      if (c.closed_reason === 'no_response') return { status: 'expired' }
      if (c.decision !== 'approved') {
        if (secondsLeft(c) > 0) return { status: 'pending', expiresInSeconds: secondsLeft(c) }
        await expire(c, ctx)
        return { status: 'expired' }
      }
      const user = await d.repo.userById(flow.user_id)
      const pre = decideAttempt({ state: flow.state, attempts: flow.attempts, issuedAt: flow.issued_at }, { ok: true }, d.now(), d.flowPolicy)
      if (pre.kind === 'expired' && (await d.repo.closeFlow(flowId, 'abandoned'))) finish(flow, 'abandoned', 'abandoned', ctx, user)
      if (pre.kind !== 'success' || !(await d.repo.closeFlow(flowId, 'completed'))) throw new MfaError('flow_expired', 'this sign-in is over; start again')
      finish(flow, 'success', 'mfa_satisfied', ctx, user)
      if (flow.intent === 'login') await d.trusted?.recordLogin(flow.user_id, flow.country ?? undefined, flow.device_id ?? undefined, flow.risk_level ?? undefined, ctx.client)
      return { status: 'approved', userId: flow.user_id }
    },

    /** Close pushes nobody answered within their TTL (`no_response`); returns how many. */
    async sweepExpired(): Promise<number> {
      let n = 0
      for (const c of await d.push.expiredOpen(d.now())) if (await expire(c)) n++
      return n
    },

    /** Withdraw a flow's unanswered push once the sign-in finished another way (a code typed instead). */
    async cancelForFlow(flowId: string): Promise<void> {
      const c = await d.push.latest({ flowId })
      if (c && c.closed_reason === null && c.responded_at === null) await d.push.close(c.id, 'cancelled', null)
    },

    hasActiveDevice: async (userId: string) => (await d.push.activeDevices(userId)).length > 0,
    /** Whether a login may start with push: an active device and no lock in force. */
    /** Why push is off for the user now, in words for the account pages; undefined when it is not. */
    async lockNotice(userId: string): Promise<string | undefined> {
      const l = await delivery.activeLock(userId)
      if (!l) return undefined
      if (l.reason === 'fraud_reported') return 'Push approval is locked: a sign-in request was reported as fraud, so someone else may know your password. Change your password to turn push back on, or ask an admin.'
      const minutes = Math.max(1, Math.ceil(((l.locked_until?.getTime() ?? 0) - d.now().getTime()) / 60_000))
      return `Push approval is paused for ${minutes} more minute${minutes === 1 ? '' : 's'}: several requests were denied or went unanswered. Use your other factors meanwhile.`
    },
    available: async (userId: string) => (await d.push.activeDevices(userId)).length > 0 && !(await delivery.activeLock(userId)),
    factors: async (userId: string) => (await d.push.devicesOf(userId)).map((x) => ({ id: x.id, type: 'push', name: x.name, hint: x.platform === 'ios' ? 'iPhone' : 'Android', status: x.status, created_at: x.created_at })),
  }
}
export type PushService = ReturnType<typeof createPushService>
