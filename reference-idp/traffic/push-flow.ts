import { isTransport } from './client'
import { caller, finish, refused, type FlowDeps } from './flow-common'
import type { AttemptPlan, ScenarioKind } from './plan'
import { PUSH_TTL_MS, type PendingBehaviour } from './push'
import type { Outcome } from './summary'
import type { SimUser } from './users'

/**
 * The push step of a push user, after the password: the IdP sent a push and shows a number.
 * The user's phone (push-phone.ts) finds the push and approves it with that number after the
 * think time, while the sign-in page polls until it is approved. A user who mistypes the number
 * asks for another push once; one who walks away never answers (the push expires, the sign-in
 * is abandoned). When the IdP sent no push (one already waiting, the hourly quota, push paused
 * or locked) or it never arrived, the user types the app's code instead (`totp`).
 */

/** How often the sign-in page asks whether the push was approved. */
export const PUSH_POLL_MS = 1_000
/** Slack past the push's TTL before a page still told "pending" gives up. */
const POLL_SLACK_MS = 15_000

export async function pushStep(
  d: FlowDeps,
  user: SimUser,
  plan: AttemptPlan,
  kind: ScenarioKind,
  flowId: string,
  body: Record<string, unknown>,
  loginAt: number,
  totp: () => Promise<Outcome>,
): Promise<Outcome> {
  const push = user.push!
  const phones = d.phones
  if (!phones) {
    d.stats.requests.unexpected++ // a push user without a simulator: setup should not have made one
    return 'error'
  }
  if (body.delivery !== 'sent' || typeof body.number !== 'number') {
    d.stats.push.totpInstead++
    return totp()
  }
  const expect = (since: number, number: number, behaviour: PendingBehaviour, wakeMs: number) => {
    push.pending = { since, until: since + PUSH_TTL_MS, number, behaviour, answerAt: d.now() + plan.thinkMs, answered: false }
    phones.wake(user, wakeMs)
  }
  if (kind === 'abandon') {
    // Walks away: the phone shows the push, nobody answers it, it expires.
    expect(loginAt, body.number, 'ignore', PUSH_TTL_MS / 3)
    d.stats.push.unanswered++
    return 'abandoned'
  }
  expect(loginAt, body.number, kind === 'totp_typo' ? 'mistype' : 'approve', PUSH_TTL_MS)
  let retyped = false
  try {
    for (let deadline = loginAt + PUSH_TTL_MS + POLL_SLACK_MS; d.now() < deadline; ) {
      await d.sleep(PUSH_POLL_MS)
      const r = await d.client.get(`/api/v1/login/push?flow_id=${encodeURIComponent(flowId)}`, caller(user))
      if (r.status !== 200 || isTransport(r)) return refused(d, user, r)
      const status = r.body.status
      if (status === 'pending') continue
      if (status === 'approved') {
        d.stats.push.approved++
        if (retyped) d.stats.push.typos++
        return finish(d, user, plan)
      }
      if (status === 'expired') {
        d.stats.push.totpInstead++ // the push never reached the phone
        return totp()
      }
      if (status === 'denied' && r.body.reason === 'number_mismatch' && !retyped) {
        // The page says the number was wrong: one more push, and this time the right number.
        retyped = true
        const at = d.now()
        const again = await d.client.post('/api/v1/login/push', { flow_id: flowId }, caller(user))
        if (again.status === 200 && !isTransport(again) && typeof again.body.number === 'number') {
          expect(at, again.body.number, 'approve', PUSH_TTL_MS)
          continue
        }
        if (again.status === 429 || again.status === 423) {
          d.stats.push.totpInstead++ // no second push now: the app's code instead
          return totp()
        }
        return refused(d, user, again)
      }
      d.stats.requests.unexpected++ // denied: the user's own phone refused the user's own push
      return 'failed'
    }
    d.stats.requests.unexpected++ // still pending long after the push's TTL
    return 'error'
  } finally {
    push.pending = null
  }
}
