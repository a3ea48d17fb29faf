import { flowOf, surprise, type AttackDeps } from './attack-common'
import { ATTACK_GAP_MS } from './attack-plan'
import { isTransport, type ApiResult, type Caller } from './client'
import { PUSH_TTL_MS } from './push'
import { stolenPassword, type SimUser } from './users'

/**
 * Push bombing: an attacker holding a push user's password (a stuffing hit) signs in again and
 * again, each time sending the victim's phone a push, hoping one gets approved by reflex. With
 * number matching it cannot be (the number is on the attacker's screen, not the victim's), and
 * the victim denies each unexpected push, sometimes reporting fraud. The IdP answers by
 * pausing push after a few denied or ignored pushes (or locking it on a fraud report): the
 * attacker is then offered the app's code, which it does not have, and gives up.
 */

/** Push sign-ins one bomber tries at most. */
export const BOMB_PUSHES = 6
/** How often the attacker's sign-in page asks whether its push was approved. */
export const BOMB_POLL_MS = 1_000

type Verdict = 'approved' | 'denied' | 'fraud' | 'unanswered' | 'error'

/** Poll the attacker's flow until its push is answered or over. */
async function answerOf(d: AttackDeps, who: Caller, flowId: string): Promise<Verdict> {
  for (const end = d.now() + PUSH_TTL_MS + 15_000; d.now() < end; ) {
    await d.sleep(BOMB_POLL_MS)
    const p = await d.client.get(`/api/v1/login/push?flow_id=${encodeURIComponent(flowId)}`, who)
    if (p.status !== 200 || isTransport(p)) {
      surprise(d, p)
      return 'error'
    }
    const status = p.body.status
    if (status === 'pending') continue
    if (status === 'approved') return 'approved'
    if (status === 'expired') return 'unanswered'
    if (status === 'denied') return p.body.reason === 'fraud_reported' ? 'fraud' : 'denied'
    surprise(d, p)
    return 'error'
  }
  return 'unanswered'
}

/** One push sign-in of the bomber from its password step's answer; false: the attacker stops. */
async function bombOnce(d: AttackDeps, victim: SimUser, who: Caller, r: ApiResult): Promise<boolean> {
  const a = d.stats.attacks
  const stop = (counter: 'bombLimited' | 'bombLocked') => {
    a[counter]++
    return false
  }
  if (r.status === 429 || r.status === 503) return stop('bombLimited')
  if (r.status === 423) return stop('bombLocked') // the account's second factor is locked
  if (r.status === 401) return false // the victim changed its password (after reporting a push as fraud)
  const flowId = flowOf(r)
  if (!flowId || isTransport(r)) {
    surprise(d, r)
    return false
  }
  // Push locked (fraud report) or paused (bombing): the IdP asks for the app's code instead.
  if (r.body.next !== 'push') return stop('bombLocked')
  if (r.body.delivery !== 'sent') {
    // Not sent: the bomber asks for it on the flow and learns why (one waiting, the quota, a pause).
    const s = await d.client.post('/api/v1/login/push', { flow_id: flowId }, who)
    if (s.status === 423) return stop('bombLocked')
    if (s.status === 429 || s.status === 503) return stop('bombLimited')
    if (s.status !== 200) {
      surprise(d, s)
      return false
    }
  }
  a.bombPushes++
  d.wake?.(victim)
  const v = await answerOf(d, who, flowId)
  if (v === 'error') return false
  if (v === 'approved') a.bombApproved++
  else if (v === 'denied') a.bombDenied++
  else if (v === 'fraud') a.bombFraud++
  else a.bombUnanswered++
  return v !== 'approved' // an approved push is a session: the attack succeeded
}

/** Bomb `victim` with push sign-ins, starting from the stuffing hit's answer `first`. */
export async function pushBombing(d: AttackDeps, victim: SimUser, who: Caller, first: ApiResult): Promise<void> {
  d.stats.attacks.pushBombing++
  let r = first
  for (let i = 0; i < BOMB_PUSHES; i++) {
    if (i > 0) {
      await d.sleep(ATTACK_GAP_MS)
      r = await d.client.post('/api/v1/login', { email: victim.email, password: stolenPassword(victim) }, who)
    }
    if (!(await bombOnce(d, victim, who, r))) return
  }
}
