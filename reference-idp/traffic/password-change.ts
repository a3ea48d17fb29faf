import { randomBytes } from 'node:crypto'
import { isTransport, type Caller, type IdpClient } from './client'
import type { PushStats, RequestStats } from './summary'
import type { SimUser } from './users'

/**
 * After the phone reported a push as fraud, somebody else has the password: at its next
 * sign-in (the session is fresh then) the user changes it. The IdP revokes every session,
 * signs this one in again and lifts the push lock the report set; the attacker's copy of the
 * password stops working. An IdP without the endpoint keeps push locked (the user signs in
 * with the app's code from then on).
 */
export async function changePasswordAfterFraud(d: { client: Pick<IdpClient, 'post'>; stats: { push: PushStats; requests: RequestStats } }, user: SimUser, who: Caller): Promise<void> {
  const push = user.push
  if (!push?.fraudReported) return
  const next = randomBytes(15).toString('base64url') // 20 characters
  const r = await d.client.post('/api/v1/account/password', { current_password: user.password, new_password: next }, who)
  if (isTransport(r) || r.status >= 500 || r.status === 429 || r.code === 'stepup_required') return // try again at the next sign-in
  push.fraudReported = false
  if (r.status === 200) {
    user.leaked ??= user.password
    user.password = next
    d.stats.push.passwordChanged++
  } else if (r.status !== 404) d.stats.requests.unexpected++
}
