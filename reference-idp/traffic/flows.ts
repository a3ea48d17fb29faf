import { isTransport, type ApiResult, type Caller, type IdpClient } from './client'
import { BRUTE_FORCE_CODES, BRUTE_FORCE_GAP_MS, type AttemptPlan } from './plan'
import { chooseStep, markStep, msUntilUsable } from './steps'
import type { Outcome, RunStats } from './summary'
import { codeForStep, wrongCode } from './totp'
import { effectiveKind, type SimUser } from './users'

/** One login attempt of one simulated user, following its plan. */

export interface FlowDeps {
  client: IdpClient
  stats: RunStats
  /** Seeded source for wrong codes and wrong passwords. */
  rand: () => number
  sleep: (ms: number) => Promise<void>
  now: () => number
}

const LOCK_FALLBACK_MS = 60_000
const RATE_LIMIT_FALLBACK_MS = 5_000

/** Outcome of a response the scenario did not plan for, with the user backed off as asked. */
function refused(d: FlowDeps, user: SimUser, r: ApiResult): Outcome {
  if (isTransport(r) || (r.status >= 500 && r.status !== 503)) return 'error'
  if (r.status === 429 || r.status === 503) {
    user.notBefore = Math.max(user.notBefore, d.now() + (r.retryAfterMs ?? RATE_LIMIT_FALLBACK_MS))
    return 'rate_limited'
  }
  if (r.status === 423) {
    user.notBefore = Math.max(user.notBefore, d.now() + (r.retryAfterMs ?? LOCK_FALLBACK_MS))
    return 'locked'
  }
  if (r.status === 410 || r.status === 404) return 'expired'
  d.stats.requests.unexpected++
  return r.status === 401 ? 'failed' : 'error'
}

/** A plausible typo: the right password with its last character changed. */
function mistype(password: string, rand: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const last = password.at(-1)
  let c = alphabet[Math.floor(rand() * alphabet.length)]
  if (c === last) c = c === 'a' ? 'b' : 'a'
  return password.slice(0, -1) + c
}

const caller = (u: SimUser): Caller => ({ jar: u.jar, country: u.profile.country, client: u.profile.client })

async function finish(d: FlowDeps, user: SimUser, plan: AttemptPlan): Promise<Outcome> {
  if (plan.logout) await d.client.post('/api/v1/logout', {}, caller(user))
  return 'authenticated'
}

const login = (d: FlowDeps, user: SimUser, password: string) => d.client.post('/api/v1/login', { email: user.email, password }, caller(user))
const submit = (d: FlowDeps, user: SimUser, flowId: string, code: string) => d.client.post('/api/v1/login/totp', { flow_id: flowId, code }, caller(user))

export async function runAttempt(d: FlowDeps, user: SimUser, plan: AttemptPlan): Promise<Outcome> {
  const kind = effectiveKind(plan.kind, user)

  if (kind === 'password_typo') {
    const r = await login(d, user, mistype(user.password, d.rand))
    if (r.status !== 401) return refused(d, user, r)
    if (!plan.retryPassword) return 'failed'
    await d.sleep(plan.retypeMs)
  }

  const r = await login(d, user, user.password)
  if (r.status !== 200 || isTransport(r)) return refused(d, user, r)
  if (r.body.status === 'authenticated') return finish(d, user, plan) // password-only user
  const flowId = r.body.flow_id
  if (typeof flowId !== 'string' || r.body.next !== 'totp' || !user.key) {
    d.stats.requests.unexpected++
    return 'error'
  }
  const key = user.key

  if (kind === 'abandon') return 'abandoned'

  if (kind === 'brute_force') {
    let locked = false
    for (let i = 0; i < BRUTE_FORCE_CODES; i++) {
      if (i > 0) await d.sleep(BRUTE_FORCE_GAP_MS)
      const w = await submit(d, user, flowId, wrongCode(key, d.now(), d.rand))
      if (w.status === 401) continue
      if (w.status !== 423) return refused(d, user, w)
      locked = true
      refused(d, user, w) // back the user off for the lockout
    }
    if (!locked) d.stats.requests.unexpected++
    return locked ? 'locked' : 'failed'
  }

  await d.sleep(plan.thinkMs)

  if (kind === 'totp_typo') {
    const w = await submit(d, user, flowId, wrongCode(key, d.now(), d.rand))
    if (w.status !== 401) return refused(d, user, w)
    await d.sleep(plan.retypeMs)
  }

  // Like a person waiting for the next code when the app shows one already used.
  const wait = msUntilUsable(user.lastStep, d.now(), key.periodSeconds)
  if (wait > 0) await d.sleep(wait + 50)
  const choice = chooseStep(user.lastStep, d.now(), key.periodSeconds)
  if (!choice) return 'failed'
  user.lastStep = markStep(user.lastStep, choice.step) // submitted = used, whatever the answer
  const ok = await submit(d, user, flowId, codeForStep(key, choice.step))
  if (ok.status === 200 && ok.body.status === 'authenticated') return finish(d, user, plan)
  return refused(d, user, ok)
}
