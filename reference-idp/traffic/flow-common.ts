import { isTransport, userIp, type ApiResult, type Caller, type IdpApi } from './client'
import type { DeviceReader } from './device'
import { changePasswordAfterFraud } from './password-change'
import type { Phones } from './push-phone'
import { BRUTE_FORCE_CODES, BRUTE_FORCE_GAP_MS, type AttemptPlan } from './plan'
import type { Outcome, RunStats } from './summary'
import type { SimUser } from './users'

/** What every login flow (TOTP, SMS / voice, push, passkey, password-only) shares. */

export interface FlowDeps {
  /** The IdP's API (an IdpClient; tests script its answers). */
  client: IdpApi
  stats: RunStats
  /** Seeded source for wrong codes and wrong passwords. */
  rand: () => number
  sleep: (ms: number) => Promise<void>
  now: () => number
  /** The simulator's phones and mailboxes; null without --simulator (no SMS / voice users then). */
  devices?: DeviceReader | null
  /** The push users' phones; null without --simulator (no push users then). */
  phones?: Pick<Phones, 'wake'> | null
}

const LOCK_FALLBACK_MS = 60_000
const RATE_LIMIT_FALLBACK_MS = 5_000

/** Back the user off until `ms` from now (never shortening an earlier back-off). */
export function backOff(d: FlowDeps, user: SimUser, ms: number): void {
  user.notBefore = Math.max(user.notBefore, d.now() + ms)
}

/** Outcome of a response the scenario did not plan for, with the user backed off as asked. */
export function refused(d: FlowDeps, user: SimUser, r: ApiResult): Outcome {
  if (isTransport(r) || (r.status >= 500 && r.status !== 503)) return 'error'
  if (r.status === 429 || r.status === 503) {
    backOff(d, user, r.retryAfterMs ?? RATE_LIMIT_FALLBACK_MS)
    return 'rate_limited'
  }
  if (r.status === 423) {
    backOff(d, user, r.retryAfterMs ?? LOCK_FALLBACK_MS)
    return 'locked'
  }
  if (r.status === 410 || r.status === 404) return 'expired'
  d.stats.requests.unexpected++
  return r.status === 401 ? 'failed' : 'error'
}

/** A plausible typo: the right password with its last character changed. */
export function mistype(password: string, rand: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const last = password.at(-1)
  let c = alphabet[Math.floor(rand() * alphabet.length)]
  if (c === last) c = c === 'a' ? 'b' : 'a'
  return password.slice(0, -1) + c
}

export const caller = (u: SimUser): Caller => ({ jar: u.jar, country: u.profile.country, client: u.profile.client, ip: userIp(u.index) })

export async function finish(d: FlowDeps, user: SimUser, plan: AttemptPlan): Promise<Outcome> {
  await changePasswordAfterFraud(d, user, caller(user))
  if (plan.logout) await d.client.post('/api/v1/logout', {}, caller(user))
  return 'authenticated'
}

/** Wrong codes in a row, bot-fast, until the flow locks (the bot has no access to the factor). */
export async function bruteForceFlow(d: FlowDeps, user: SimUser, wrong: () => Promise<ApiResult>): Promise<Outcome> {
  let locked = false
  for (let i = 0; i < BRUTE_FORCE_CODES; i++) {
    if (i > 0) await d.sleep(BRUTE_FORCE_GAP_MS)
    const w = await wrong()
    if (w.status === 401) continue
    if (w.status !== 423) return refused(d, user, w)
    locked = true
    refused(d, user, w) // back the user off for the lockout
  }
  if (!locked) d.stats.requests.unexpected++
  return locked ? 'locked' : 'failed'
}
