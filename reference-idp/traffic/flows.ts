import { isTransport } from './client'
import { bruteForceFlow, caller, finish, mistype, refused, type FlowDeps } from './flow-common'
import { oobCodeStep } from './oob-flow'
import { passkeyRoute } from './passkey'
import { passkeyStep, passwordlessLogin } from './passkey-flow'
import type { AttemptPlan, ScenarioKind } from './plan'
import { pushStep } from './push-flow'
import { codesOf, hasCode, needsCodes, regenerate, takeCode } from './recovery'
import { chooseStep, markStep, msUntilUsable } from './steps'
import type { Outcome } from './summary'
import { codeForStep, wrongCode } from './totp'
import { effectiveKind, type SimUser } from './users'

/** One login attempt of one simulated user, following its plan. */

export type { FlowDeps }

const login = (d: FlowDeps, user: SimUser, password: string) => d.client.post('/api/v1/login', { email: user.email, password }, caller(user))
const submit = (d: FlowDeps, user: SimUser, flowId: string, code: string) => d.client.post('/api/v1/login/totp', { flow_id: flowId, code }, caller(user))

/**
 * Create or replace the user's recovery codes with the session a second factor just made fresh;
 * true when the IdP gave a new set (kept). Any refusal counts as unexpected.
 */
async function newCodes(d: FlowDeps, user: SimUser): Promise<boolean> {
  const r = await regenerate(d.client, user.recovery!, caller(user))
  if (codesOf(r)) return true
  if (!isTransport(r) && r.status < 500) d.stats.requests.unexpected++
  return false
}

/** A TOTP login finished: a user who wants recovery codes and has none creates them now. */
async function authenticated(d: FlowDeps, user: SimUser, plan: AttemptPlan): Promise<Outcome> {
  if (needsCodes(user.recovery) && (await newCodes(d, user))) d.stats.recovery.created++
  return finish(d, user, plan)
}

/**
 * The phone is lost: the user types a recovery code instead of the app's (no TOTP step is
 * spent), then replaces the codes while the session is fresh and keeps the new set.
 */
async function lostDevice(d: FlowDeps, user: SimUser, plan: AttemptPlan, flowId: string): Promise<Outcome> {
  await d.sleep(plan.thinkMs)
  const code = takeCode(user.recovery!)!
  const r = await d.client.post('/api/v1/login/recovery-code', { flow_id: flowId, code }, caller(user))
  if (r.status !== 200 || isTransport(r) || r.body.status !== 'authenticated') return refused(d, user, r)
  d.stats.recovery.recovered++
  if (await newCodes(d, user)) d.stats.recovery.regenerated++
  return finish(d, user, plan)
}

export async function runAttempt(d: FlowDeps, user: SimUser, plan: AttemptPlan): Promise<Outcome> {
  const kind = effectiveKind(plan.kind, user)
  if (user.passkey && passkeyRoute(kind, d.rand()) === 'passwordless') return passwordlessLogin(d, user, plan, kind)

  if (kind === 'password_typo') {
    const r = await login(d, user, mistype(user.password, d.rand))
    if (r.status !== 401) return refused(d, user, r)
    if (!plan.retryPassword) return 'failed'
    await d.sleep(plan.retypeMs)
  }

  const loginAt = d.now()
  const r = await login(d, user, user.password)
  if (r.status !== 200 || isTransport(r)) return refused(d, user, r)
  if (r.body.status === 'authenticated') return finish(d, user, plan) // password-only user
  const flowId = r.body.flow_id
  const next = r.body.next
  if (typeof flowId === 'string' && user.oob && next === user.oob.channel) return oobCodeStep(d, user, plan, kind, flowId, r.body, loginAt)
  if (typeof flowId === 'string' && user.passkey && next === 'webauthn') return passkeyStep(d, user, plan, kind, flowId)
  if (typeof flowId === 'string' && user.push && next === 'push') return pushStep(d, user, plan, kind, flowId, r.body, loginAt, () => totpStep(d, user, plan, kind, flowId))
  if (typeof flowId !== 'string' || next !== 'totp' || !user.key) {
    d.stats.requests.unexpected++
    return 'error'
  }
  // A push user asked for the app's code: push is locked (a fraud report) or paused (bombing).
  if (user.push) d.stats.push.totpInstead++
  return totpStep(d, user, plan, kind, flowId)
}

/** The app-code step on an open flow (TOTP users; push users when push is not available). */
async function totpStep(d: FlowDeps, user: SimUser, plan: AttemptPlan, kind: ScenarioKind, flowId: string): Promise<Outcome> {
  const key = user.key!

  if (kind === 'abandon') return 'abandoned'

  if (kind === 'lost_device' && hasCode(user.recovery)) return lostDevice(d, user, plan, flowId)

  if (kind === 'brute_force') return bruteForceFlow(d, user, () => submit(d, user, flowId, wrongCode(key, d.now(), d.rand)))

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
  if (ok.status === 200 && ok.body.status === 'authenticated') return authenticated(d, user, plan)
  return refused(d, user, ok)
}
