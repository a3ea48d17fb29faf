import { normal } from '../simulator/random'
import { isTransport, userIp, type IdpClient } from './client'
import type { DeviceReader } from './device'
import { phoneCaller } from './enroll-push'
import { remember } from './oob'
import { judgePush, mistypeNumber, NOTICE, pushAnswer, type PhonePush } from './push'
import type { PushStats, RequestStats } from './summary'
import type { PushUser, SimUser } from './users'

/**
 * The push users' phones. A phone looks at its notifications on the simulator's device API
 * while a push may be on its way: when its user signs in (its own push), and when the OS wakes
 * the app for a push it did not ask for (`wake`: an attacker's sign-in sent one). It judges each
 * new push (push.ts `judgePush`) and answers the IdP, signed with the phone's key.
 */

export interface PhoneDeps {
  devices: Pick<DeviceReader, 'readPush'>
  client: Pick<IdpClient, 'post'>
  stats: { push: PushStats; requests: RequestStats }
  /** Seeded source of notice times, fraud reports and typos. */
  rand: () => number
  sleep: (ms: number) => Promise<void>
  now: () => number
  /** Multiplier on the time a user takes to notice a push (--think-scale). */
  thinkScale: number
}

/** How often a watching phone reads its notifications. */
export const PHONE_POLL_MS = 500
/** How long a woken phone watches for a push that should be on its way. */
export const WAKE_MS = 20_000
/** Once a push is answered, the phone stops watching this soon after (unless woken again). */
const AFTER_ANSWER_MS = 1_000
/** Notification ids a phone remembers as read (the simulator keeps 50 per device). */
const SEEN_MAX = 100

/** Whether the user still waits for the push of a sign-in it started. */
const waitingOwn = (push: PushUser, now: number) => push.pending !== null && !push.pending.answered && push.pending.behaviour !== 'ignore' && now <= push.pending.until

export class Phones {
  private readonly loops = new Set<Promise<void>>()
  private readonly watching = new Set<PushUser>()
  private stopped = false

  constructor(private readonly d: PhoneDeps) {}

  /** A push may be on its way to `user`'s phone: watch for `forMs` (or until it is answered). */
  wake(user: SimUser, forMs = WAKE_MS): void {
    const push = user.push
    if (!push || this.stopped) return
    push.watchUntil = Math.max(push.watchUntil, this.d.now() + forMs)
    if (this.watching.has(push)) return
    this.watching.add(push)
    const loop: Promise<void> = this.watch(user)
      .catch(() => void this.d.stats.requests.unexpected++)
      .finally(() => {
        this.watching.delete(push)
        this.loops.delete(loop)
      })
    this.loops.add(loop)
  }

  /** Stop watching; resolves once every phone has finished its current read. */
  async stop(): Promise<void> {
    this.stopped = true
    await Promise.allSettled([...this.loops])
  }

  private async watch(user: SimUser): Promise<void> {
    const push = user.push!
    for (;;) {
      const later = await this.check(user)
      if (this.stopped) return
      // Decided and unmarked in one turn, so a wake() after this starts a new watch.
      if (later === 0 && !waitingOwn(push, this.d.now()) && this.d.now() >= push.watchUntil) return void this.watching.delete(push)
      await this.d.sleep(PHONE_POLL_MS)
    }
  }

  /** Read the notifications once and act on each new one; returns how many wait for the user to look. */
  async check(user: SimUser): Promise<number> {
    const push = user.push!
    const list = await this.d.devices.readPush(push.device.token)
    let later = 0
    for (const n of list ?? []) {
      if (push.seen.has(n.id)) continue
      const now = this.d.now()
      let reactAt = push.noticed.get(n.id)
      if (reactAt === undefined) push.noticed.set(n.id, (reactAt = now + this.noticeMs()))
      const pending = push.pending
      const v = judgePush(n, pending, now, { reactAt, fraudRoll: this.d.rand(), typo: pending ? mistypeNumber(pending.number, this.d.rand) : undefined })
      if (v.act === 'later') {
        later++
        continue
      }
      remember(push.seen, n.id, SEEN_MAX)
      push.noticed.delete(n.id)
      if (v.act === 'ignore') continue
      if (v.act === 'approve') pending!.answered = true
      await this.answer(user, n, v.act === 'approve' ? v.number : null, v.act === 'approve' ? 'approved' : v.act === 'fraud' ? 'fraud' : 'denied')
      push.watchUntil = Math.min(push.watchUntil, this.d.now() + AFTER_ANSWER_MS)
    }
    return later
  }

  private async answer(user: SimUser, n: PhonePush, number: number | null, decision: 'approved' | 'denied' | 'fraud'): Promise<void> {
    const device = user.push!.device
    const r = await this.d.client.post('/api/v1/push/respond', pushAnswer(device, n.challengeId, decision, number ?? 0), phoneCaller(user, userIp(user.index), device.platform))
    const s = this.d.stats.push
    if (r.status === 200) {
      if (decision === 'denied') s.denied++
      if (decision === 'fraud') {
        s.fraud++
        user.push!.fraudReported = true // somebody has the password: the user changes it at its next sign-in
      }
      return
    }
    if (isTransport(r) || r.status >= 500) return // counted by the client
    // Read after it was over (a late delivery), or answered already: nothing left to do.
    if (r.status === 410 || (r.status === 401 && r.code === 'code_replayed')) return void s.stale++
    // A mistyped number (or the user's number typed into somebody else's push): the sign-in page shows it.
    if (r.status === 401 && r.code === 'invalid_code' && decision === 'approved') return
    this.d.stats.requests.unexpected++
  }

  /** Time until the user looks at an unexpected push: log-normal, times --think-scale. */
  private noticeMs(): number {
    return Math.round(NOTICE.medianMs * Math.exp(NOTICE.sigma * normal(this.d.rand)) * this.d.thinkScale)
  }
}
