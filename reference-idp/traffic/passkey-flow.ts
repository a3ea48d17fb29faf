import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { CookieJar, isTransport, type ApiResult, type Caller, type IdpApi } from './client'
import { caller, finish, refused, type FlowDeps } from './flow-common'
import { originOf, PASSKEY_THINK_SHARE, serverUrl } from './passkey'
import type { AttemptPlan, ScenarioKind } from './plan'
import { call, SetupError, what, type SetupDeps } from './setup-common'
import { softAuthenticator } from './soft-authenticator'
import type { Outcome } from './summary'
import type { PasskeyUser, SimUser } from './users'

/**
 * Passkey users: a software platform authenticator registered at setup, then logins with it
 * alone (passwordless) or after the password, through the IdP's WebAuthn JSON API.
 */

/**
 * The origin the users' browsers sign for: from the public URL in the IdP's /openapi.json (it
 * may sit behind a proxy), else from --target. A SetupError when neither can be an RP.
 */
export async function passkeyOrigin(client: IdpApi): Promise<string> {
  const r = await client.get('/openapi.json', { jar: new CookieJar(), country: 'US', client: 'web' })
  const url = r.status === 200 && !isTransport(r) ? (serverUrl(r.body) ?? client.base) : client.base
  try {
    return originOf(url)
  } catch (err) {
    throw new SetupError(`passkeys cannot be used at ${url}: ${(err as Error).message}`)
  }
}

/** Register a passkey for the signed-up user (its only factor: no step-up needed). */
export async function enrollPasskey(d: SetupDeps, who: Caller, origin: string): Promise<PasskeyUser> {
  const o = await call(d, '/api/v1/webauthn/register/options', {}, who)
  if (o.status !== 200 || isTransport(o) || typeof o.body.challenge_id !== 'string' || !o.body.options) throw new SetupError(`passkey registration options failed: ${what(o)}`)
  const auth = softAuthenticator()
  const response = auth.create(o.body.options as PublicKeyCredentialCreationOptionsJSON, { origin })
  const v = await call(d, '/api/v1/webauthn/register/verify', { challenge_id: o.body.challenge_id, response, name: 'Traffic passkey' }, who)
  if (v.status !== 201) throw new SetupError(`passkey registration failed: ${what(v)}`)
  return { auth, origin }
}

/** The authenticator's answer to `options`, or null when it holds no matching credential. */
function assertion(user: SimUser, options: unknown) {
  try {
    return user.passkey!.auth.get(options as PublicKeyCredentialRequestOptionsJSON, { origin: user.passkey!.origin })
  } catch {
    return null
  }
}

const authenticated = (r: ApiResult) => r.status === 200 && !isTransport(r) && r.body.status === 'authenticated'

/** Options, the OS prompt (think time), the assertion; `flowId` for the second factor of a password flow. */
async function ceremony(d: FlowDeps, user: SimUser, plan: AttemptPlan, kind: ScenarioKind, flowId?: string): Promise<Outcome | 'done'> {
  const o = await d.client.post('/api/v1/webauthn/login/options', flowId ? { flow_id: flowId } : {}, caller(user))
  if (o.status !== 200 || isTransport(o) || typeof o.body.challenge_id !== 'string') return refused(d, user, o)
  if (kind === 'abandon') return 'abandoned' // the user dismisses the OS prompt
  await d.sleep(Math.round(plan.thinkMs * PASSKEY_THINK_SHARE))
  const response = assertion(user, o.body.options)
  if (!response) {
    d.stats.requests.unexpected++ // the IdP asked for a credential this user never registered
    return 'error'
  }
  const v = await d.client.post('/api/v1/webauthn/login/verify', { challenge_id: o.body.challenge_id, response }, caller(user))
  return authenticated(v) ? 'done' : refused(d, user, v)
}

/** A login with the passkey alone: the credential names the user. */
export async function passwordlessLogin(d: FlowDeps, user: SimUser, plan: AttemptPlan, kind: ScenarioKind): Promise<Outcome> {
  const r = await ceremony(d, user, plan, kind)
  if (r !== 'done') return r
  d.stats.passkey.passwordless++
  return finish(d, user, plan)
}

/** The passkey as the second factor, after the password opened `flowId`. */
export async function passkeyStep(d: FlowDeps, user: SimUser, plan: AttemptPlan, kind: ScenarioKind, flowId: string): Promise<Outcome> {
  const r = await ceremony(d, user, plan, kind, flowId)
  if (r !== 'done') return r
  d.stats.passkey.afterPassword++
  return finish(d, user, plan)
}
