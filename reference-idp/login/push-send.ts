import { randomUUID } from 'node:crypto'
import { ATTR, type Intent } from '../../contract'
import { MfaError } from '../errors'
import { decidePushSend, newMatchNumber, type PushPolicy } from '../factors/push'
import type { PushDeviceRow, PushRepo } from '../store/push-repo'
import type { UserRow } from '../store/repo'
import type { PushSender } from '../subprocessors/push-types'
import type { SendResult } from '../subprocessors/types'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

export interface PushSendDeps extends EventDeps {
  push: PushRepo
  sender: PushSender
  policy: PushPolicy
  now: () => Date
}

const HOUR = 3600_000

/** One push challenge out to a device: locks, limits, the challenge row, the vendor call and its events. */
export function createPushDelivery(d: PushSendDeps) {
  const { base, emit, providerRequest } = eventHelpers(d)

  const providerEvent = (r: SendResult, ctx: RequestCtx, user: UserRow, flowId: string | null) => providerRequest(r, 'push', ctx, user, flowId, 'push')

  /** Lock push for the user; `mfa.lockout` once per lock, not once per refused push. */
  async function lock(user: UserRow, reason: 'fraud_reported' | 'push_bombing', until: Date | null, flowId: string | null, ctx: RequestCtx) {
    if (!(await d.push.setLock(user.id, reason, d.now(), until))) return
    d.metrics.lockouts.inc({ reason })
    emit('mfa.lockout', { ...base(ctx, user), [ATTR.flowId]: flowId ?? undefined, [ATTR.factor]: 'push', [ATTR.channel]: 'push', [ATTR.reason]: reason }, ctx)
  }

  /**
   * The vendor says the app is gone from the phone: stop pushing to it (it would fail every
   * time and hide a working factor behind it) and tell the user to add the phone again.
   */
  async function unregistered(user: UserRow, device: PushDeviceRow, ctx: RequestCtx): Promise<never> {
    if (await d.push.markUnregistered(device.id)) {
      d.metrics.enrollments.inc({ factor: 'push', reason: 'removed' })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: 'push', [ATTR.channel]: 'push', [ATTR.reason]: 'removed', [ATTR.intent]: 'enrollment' }, ctx)
    }
    throw new MfaError('provider_unavailable', 'your phone no longer receives pushes (the app was removed or reinstalled): add it again, and use another factor now', { provider_reason: 'unregistered', then_factors: [] })
  }

  /** The user's push lock in force now, if any. */
  async function activeLock(userId: string) {
    const l = await d.push.lock(userId)
    return l && (l.locked_until === null || l.locked_until.getTime() > d.now().getTime()) ? l : undefined
  }

  /** Refuse while push is locked for the user (fraud report: until an admin unlocks; bombing: for a while). */
  async function assertUnlocked(userId: string): Promise<void> {
    const l = await activeLock(userId)
    const now = d.now().getTime()
    if (!l) return
    const retry = l.locked_until && Math.ceil((l.locked_until.getTime() - now) / 1000)
    const why = l.reason === 'fraud_reported' ? 'a push was reported as fraud: push sign-in is locked for this account until an admin unlocks it' : `too many pushes were denied or went unanswered: push sign-in is paused for ${Math.ceil((retry ?? 0) / 60)} minutes`
    throw new MfaError('locked_out', `${why}; use another factor`, { reason: l.reason, ...(retry ? { retry_after_seconds: retry } : {}) }, retry ?? undefined)
  }

  /**
   * Send one challenge. The push carries the challenge id only; the number is returned to be
   * shown on the screen the user signs in (or enrolls) on. A failed send leaves no challenge.
   */
  async function deliver(user: UserRow, device: PushDeviceRow, flowId: string | null, ctx: RequestCtx, intent: Intent) {
    await assertUnlocked(user.id)
    const now = d.now()
    const allowed = decidePushSend(await d.push.history(user.id, new Date(now.getTime() - Math.max(HOUR, d.policy.bombingWindowMs))), now, d.policy)
    if (!allowed.ok) {
      if (allowed.reason === 'push_bombing') {
        await lock(user, 'push_bombing', new Date(now.getTime() + allowed.retryAfterSeconds * 1000), flowId, ctx)
        await assertUnlocked(user.id)
      }
      const why = allowed.reason === 'outstanding' ? 'a push is already waiting for an answer' : 'too many pushes in the last hour'
      throw new MfaError('rate_limited', `${why}; try again in ${allowed.retryAfterSeconds} s or use another factor`, { reason: allowed.reason, retry_after_seconds: allowed.retryAfterSeconds }, allowed.retryAfterSeconds)
    }
    const id = randomUUID()
    const number = newMatchNumber()
    const expiresAt = new Date(now.getTime() + d.policy.ttlMs)
    await d.push.insertChallenge({ id, flowId, userId: user.id, deviceId: device.id, number, sentAt: now, expiresAt })
    const r = await d.sender.send({
      platform: device.platform,
      token: d.keys.box.open(device.token_enc, device.id).toString('utf8'),
      title: intent === 'enrollment' ? 'Confirm this device' : 'Sign-in request',
      body: intent === 'enrollment' ? 'Enter the number shown on the screen to finish adding this device.' : 'Is this you signing in? Enter the number shown on the sign-in screen. Not you? Report it.',
      data: { challenge_id: id, kind: intent === 'enrollment' ? 'enrollment' : 'login' },
      idempotencyKey: id,
      region: d.region,
      ttlSeconds: Math.ceil(d.policy.ttlMs / 1000),
    })
    for (const attempt of r.attempts ?? [r]) providerEvent(attempt, ctx, user, flowId)
    for (const f of r.fallbacks ?? []) {
      d.metrics.fallbacks.inc({ channel: 'push', reason: f.reason })
      if (flowId) emit('mfa.fallback', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.channel]: 'push', [ATTR.factor]: 'push', [ATTR.fallbackFrom]: f.from, [ATTR.fallbackTo]: f.to, [ATTR.reason]: f.reason, [ATTR.intent]: intent }, ctx)
    }
    if (!r.ok) {
      await d.push.deleteChallenge(id)
      if (r.tokenGone) await unregistered(user, device, ctx)
      const instead = r.thenFactors?.length ? `; use ${r.thenFactors.join(' or ')} instead` : '; try again or use another factor'
      throw new MfaError('provider_unavailable', `the push could not be sent${instead}`, { provider_reason: r.reason, then_factors: r.thenFactors ?? [] })
    }
    await d.push.recordProvider(id, r.provider, r.providerMessageId)
    return { challengeId: id, number, expiresAt }
  }

  return { deliver, lock, assertUnlocked, activeLock }
}
export type PushDelivery = ReturnType<typeof createPushDelivery>
