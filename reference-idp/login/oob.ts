import { randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import { addressHint, decideOobCheck, decideSend, newOobCode, type OobCheck, type OobPolicy } from '../factors/oob'
import type { OobFactorRow, OobRepo } from '../store/oob-repo'
import type { Repo, UserRow } from '../store/repo'
import type { OobChannel, SendResult, Subprocessor } from '../subprocessors/types'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

export interface OobDeps extends EventDeps {
  repo: Repo
  oob: OobRepo
  sender: Subprocessor
  policy: OobPolicy
  now: () => Date
}

const HOUR = 3600_000
const text = (channel: OobChannel, code: string) =>
  channel === 'voice' ? `Your FactorWatch code is ${code.split('').join(' ')}. Again: ${code.split('').join(' ')}.` : `${code} is your FactorWatch code. It expires in 5 minutes. Never share it.`

/**
 * Why an e-mail code is no second factor (NIST SP 800-63B 5.1.3.1: e-mail is not an out-of-band
 * authenticator; it proves who reads a mailbox, which is often guarded by the same password).
 * E-mail stays the account's contact address: notices and sign-up codes go there.
 */
export const EMAIL_NOT_A_FACTOR = 'e-mail codes are not accepted as a second factor (NIST SP 800-63B 5.1.3.1: e-mail is not an out-of-band authenticator); use a passkey, an authenticator app, push approval, or a phone number (sms or voice)'
/** Channels whose codes count as a second factor: a phone, not a mailbox. */
export const isAuthenticatorChannel = (channel: OobChannel): boolean => channel !== 'email'
const refuseEmail = (channel: OobChannel) => {
  if (!isAuthenticatorChannel(channel)) throw new MfaError('bad_request', EMAIL_NOT_A_FACTOR, { field: 'channel' })
}

/** SMS and voice one-time codes: enrollment of a phone number, sending, checking. E-mail factors enrolled earlier are listed but never used. */
export function createOobService(d: OobDeps) {
  const { base, emit, providerRequest } = eventHelpers(d)
  const addressMac = (address: string) => d.keys.mac('oob-address', address)
  const codeMac = (codeId: string, code: string) => d.keys.mac(`oob-code:${codeId}`, code)

  const providerEvent = (r: SendResult, channel: OobChannel, ctx: RequestCtx, user: UserRow, flowId: string | null) => providerRequest(r, channel, ctx, user, flowId)

  /** Quotas, then the code row, then the vendor call; a failed send leaves no code behind. */
  async function send(user: UserRow, factor: OobFactorRow, flowId: string | null, ctx: RequestCtx): Promise<void> {
    const now = d.now()
    const h = await d.oob.history(user.id, factor.address_mac, new Date(now.getTime() - HOUR))
    const allowed = decideSend({ lastSentAt: h.lastSentAt, sentByUserLastHour: h.byUser, sentToAddressLastHour: h.toAddress }, now, d.policy)
    if (!allowed.ok) {
      const why = allowed.reason === 'cooldown' ? `wait ${allowed.retryAfterSeconds} s before asking for another code` : 'too many codes sent in the last hour; use another factor or try later'
      throw new MfaError('rate_limited', why, { reason: allowed.reason, retry_after_seconds: allowed.retryAfterSeconds }, allowed.retryAfterSeconds)
    }
    const id = randomUUID()
    const code = newOobCode()
    await d.oob.insertCode({ id, userId: user.id, factorId: factor.id, flowId, addressMac: factor.address_mac, codeMac: codeMac(id, code), sentAt: now, expiresAt: new Date(now.getTime() + d.policy.codeTtlMs) })
    const to = d.keys.box.open(factor.address_enc, factor.id).toString('utf8')
    const r = await d.telemetry.step(ctx.span, 'provider.send', { 'mfa.channel': factor.channel }, () => d.sender.send({ channel: factor.channel, to, text: text(factor.channel, code), idempotencyKey: id, region: d.region }))
    // An enrollment send has no login flow; its code id stands in, so its events still group.
    const eventFlow = flowId ?? id
    for (const attempt of r.attempts ?? [r]) providerEvent(attempt, factor.channel, ctx, user, eventFlow)
    for (const f of r.fallbacks ?? []) {
      d.metrics.fallbacks.inc({ channel: factor.channel, reason: f.reason })
      emit('mfa.fallback', { ...base(ctx, user), [ATTR.flowId]: eventFlow, [ATTR.channel]: factor.channel, [ATTR.factor]: factor.channel, [ATTR.fallbackFrom]: f.from, [ATTR.fallbackTo]: f.to, [ATTR.reason]: f.reason, [ATTR.intent]: flowId ? 'login' : 'enrollment' }, ctx)
    }
    if (!r.ok) {
      await d.oob.deleteCode(id)
      const instead = r.thenFactors?.length ? `; use ${r.thenFactors.join(' or ')} instead` : '; try again or use another factor'
      throw new MfaError('provider_unavailable', `the ${factor.channel === 'email' ? 'e-mail' : factor.channel.toUpperCase()} could not be sent${instead}`, { provider_reason: r.reason, then_factors: r.thenFactors ?? [] })
    }
    await d.oob.recordProvider(id, r.provider, r.providerMessageId)
  }

  async function check(where: { flowId: string } | { factorId: string }, code: string): Promise<OobCheck & { factorId?: string }> {
    const row = await d.oob.latestCode(where)
    if (!row) return { ok: false, reason: 'invalid_code' }
    const matches = /^\d{6}$/.test(code) && codeMac(row.id, code) === row.code_mac
    const decision = decideOobCheck({ expiresAt: row.expires_at, attempts: row.attempts, usedAt: row.used_at }, matches, d.now(), d.policy)
    if (!decision.ok) {
      if (decision.reason === 'invalid_code') await d.oob.countAttempt(row.id)
      return decision
    }
    return (await d.oob.useCode(row.id, d.now())) ? { ok: true, factorId: row.factor_id } : { ok: false, reason: 'code_replayed' }
  }

  return {
    /** Add a phone number or e-mail address (pending) and send it a code. */
    async enroll(userId: string, channel: OobChannel, address: string, ctx: RequestCtx) {
      refuseEmail(channel)
      const user = await d.repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      const id = randomUUID()
      const factor = { id, userId, channel, addressEnc: d.keys.box.seal(Buffer.from(address, 'utf8'), id), addressMac: addressMac(address), hint: addressHint(channel, address), name: channel === 'email' ? 'E-mail' : channel === 'sms' ? 'Text message' : 'Phone call' }
      await d.oob.insertFactor(factor)
      d.metrics.enrollments.inc({ factor: channel, reason: 'enrolled' })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: channel, [ATTR.channel]: channel, [ATTR.reason]: 'enrolled', [ATTR.intent]: 'enrollment' }, ctx)
      await send(user, (await d.oob.factor(id, userId))!, null, ctx)
      return { factorId: id, hint: factor.hint }
    },

    async activate(userId: string, factorId: string, code: string, ctx: RequestCtx): Promise<void> {
      const [user, factor] = await Promise.all([d.repo.userById(userId), d.oob.factor(factorId, userId)])
      if (!user || !factor) throw new MfaError('not_found', 'no such phone number or e-mail address on this account')
      if (factor.status === 'active') throw new MfaError('already_active', 'this factor is already active')
      refuseEmail(factor.channel)
      const r = await check({ factorId }, code)
      const reason = r.ok ? 'activated' : 'verification_failed'
      if (r.ok) await d.oob.activate(factorId)
      d.metrics.enrollments.inc({ factor: factor.channel, reason })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: factor.channel, [ATTR.channel]: factor.channel, [ATTR.reason]: reason, [ATTR.intent]: 'enrollment' }, ctx)
      if (r.ok) await d.notices?.send(user, 'factor_added', ctx, { factor: factor.channel })
      if (!r.ok) throw new MfaError(r.reason === 'code_expired' ? 'flow_expired' : 'invalid_code', r.reason === 'code_expired' ? 'the code expired; ask for a new one' : 'the code is wrong')
    },

    /** Send a login code for an open flow over the user's factor of that channel. */
    async sendLoginCode(flowId: string, user: UserRow, channel: OobChannel, reason: 'login_required' | 'resend' | 'fallback', ctx: RequestCtx) {
      refuseEmail(channel)
      const factor = (await d.oob.factorsOf(user.id, 'active')).find((f) => f.channel === channel)
      if (!factor) throw new MfaError('bad_request', `no active ${channel} factor on this account`)
      await send(user, factor, flowId, ctx)
      emit('mfa.challenge.issued', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: channel, [ATTR.channel]: channel, [ATTR.reason]: reason, [ATTR.intent]: 'login' }, ctx)
      return { hint: factor.hint }
    },

    checkLoginCode: (flowId: string, code: string) => check({ flowId }, code),
    /** Channels a sign-in or step-up may use: active phone factors (never e-mail). */
    activeChannels: async (userId: string): Promise<OobChannel[]> => [...new Set((await d.oob.factorsOf(userId, 'active')).map((f) => f.channel).filter(isAuthenticatorChannel))],
    factors: async (userId: string) => (await d.oob.factorsOf(userId)).map((f) => ({ id: f.id, type: f.channel, name: f.name, hint: f.hint, status: f.status, created_at: f.created_at })),
  }
}
export type OobService = ReturnType<typeof createOobService>
