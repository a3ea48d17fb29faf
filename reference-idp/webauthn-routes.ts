import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { sendJson } from './http/io'
import type { Exchange, Route } from './http/types'
import { LoginOptionsInput, LoginVerifyInput, RegisterVerifyInput, RemoveInput, RenameInput } from './http/webauthn-inputs'
import type { WebauthnService } from './factors/webauthn'
import type { RequestCtx } from './login/events'
import { passkeyPageRoutes } from './pages/passkeys'

async function requireUser(x: Exchange): Promise<string> {
  const id = await x.userId()
  if (!id) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
  return id
}

/**
 * Our own pages call this API with fetch(), and a browser marks such requests
 * `Sec-Fetch-Site: same-origin` (a header page scripts cannot set): count them as the web
 * client, not as an API client. (Belongs in requestOrigin for every API route.)
 */
function ctxOf(x: Exchange): RequestCtx {
  return x.ctx.client === 'api' && x.req.headers['sec-fetch-site'] === 'same-origin' ? { ...x.ctx, client: 'web' } : x.ctx
}

/** The passkey JSON API and its pages (`/passkeys`, `/login/passkey`) with their scripts. */
export function webauthnRoutes(webauthn: WebauthnService, requireFresh: (x: Exchange, action: string) => Promise<string>, activeFactors: (userId: string) => Promise<number>): Route[] {
  const api = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'api', handler })
  return [
    api('POST', '/api/v1/webauthn/register/options', async (x) => {
      const r = await webauthn.registrationOptions(await requireFresh(x, 'adding a passkey'), ctxOf(x))
      sendJson(x.res, 200, { challenge_id: r.challengeId, options: r.options })
    }),
    api('POST', '/api/v1/webauthn/register/verify', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(RegisterVerifyInput, await x.body())
      const passkey = await webauthn.verifyRegistration(userId, input.challenge_id, input.response as RegistrationResponseJSON, input.name, ctxOf(x))
      sendJson(x.res, 201, { status: 'active', passkey })
    }),
    api('POST', '/api/v1/webauthn/login/options', async (x) => {
      const input = parseInput(LoginOptionsInput, await x.body())
      const r = await webauthn.loginOptions(input.flow_id, ctxOf(x))
      sendJson(x.res, 200, { challenge_id: r.challengeId, flow_id: r.flowId, options: r.options })
    }),
    api('POST', '/api/v1/webauthn/login/verify', async (x) => {
      const input = parseInput(LoginVerifyInput, await x.body())
      const r = await webauthn.verifyLogin(input.challenge_id, input.response as AuthenticationResponseJSON, ctxOf(x))
      sendJson(x.res, 200, { status: 'authenticated', flow_id: r.flowId }, { 'set-cookie': await x.signIn(r.userId, 'webauthn') })
    }),
    api('GET', '/api/v1/webauthn/credentials', async (x) => {
      sendJson(x.res, 200, { credentials: await webauthn.list(await requireUser(x)) })
    }),
    api('POST', '/api/v1/webauthn/credentials/rename', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(RenameInput, await x.body())
      await webauthn.rename(userId, input.id, input.name, ctxOf(x))
      sendJson(x.res, 200, { status: 'renamed' })
    }),
    api('POST', '/api/v1/webauthn/credentials/remove', async (x) => {
      const userId = await requireFresh(x, 'removing a passkey')
      const input = parseInput(RemoveInput, await x.body())
      const mine = (await webauthn.list(userId)).some((k) => k.id === input.id)
      if (mine && (await activeFactors(userId)) <= 1) throw new MfaError('forbidden', 'this is your only second factor: add another one first (turning MFA off needs an admin exemption)')
      await webauthn.remove(userId, input.id, ctxOf(x))
      sendJson(x.res, 200, { status: 'removed' })
    }),
    ...passkeyPageRoutes(webauthn),
  ]
}
