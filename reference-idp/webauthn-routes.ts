import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
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

/** The passkey JSON API: each route's facts (path, body schema, docs, rate bucket). */
export const WEBAUTHN_ROUTES = routeTable({
  webauthnRegisterOptions: {
    method: 'POST', path: '/api/v1/webauthn/register/options', kind: 'api',
    docs: { summary: 'Passkey registration options', ok: [200, '`{challenge_id, options}`'], errors: ['stepup_required', 'unauthenticated'], session: true },
  },
  webauthnRegisterVerify: {
    method: 'POST', path: '/api/v1/webauthn/register/verify', kind: 'api', body: RegisterVerifyInput,
    docs: { summary: 'Verify a passkey registration', ok: [201, '`{status: "active", passkey}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'flow_expired'], session: true },
  },
  webauthnLoginOptions: {
    method: 'POST', path: '/api/v1/webauthn/login/options', kind: 'api', body: LoginOptionsInput, rate: 'password',
    docs: { summary: 'Passkey sign-in options: for a login flow (second factor) or passwordless', ok: [200, '`{challenge_id, flow_id, options}`'], errors: ['bad_request', 'flow_not_found', 'flow_expired', 'locked_out'] },
  },
  webauthnLoginVerify: {
    method: 'POST', path: '/api/v1/webauthn/login/verify', kind: 'api', body: LoginVerifyInput, rate: 'code',
    docs: { summary: 'Verify a passkey assertion', ok: [200, 'Authenticated; session cookie set'], errors: ['bad_request', 'invalid_credentials', 'flow_expired', 'locked_out'] },
  },
  getWebauthnCredentials: {
    method: 'GET', path: '/api/v1/webauthn/credentials', kind: 'api',
    docs: { summary: 'Your passkeys', ok: [200, '`{credentials: [...]}`'], errors: ['unauthenticated'], session: true },
  },
  webauthnCredentialsRename: {
    method: 'POST', path: '/api/v1/webauthn/credentials/rename', kind: 'api', body: RenameInput,
    docs: { summary: 'Rename a passkey', ok: [200, '`{status: "renamed"}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  },
  webauthnCredentialsRemove: {
    method: 'POST', path: '/api/v1/webauthn/credentials/remove', kind: 'api', body: RemoveInput,
    docs: { summary: 'Remove a passkey', ok: [200, '`{status: "removed"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'not_found'], session: true },
  },
})

/** The passkey JSON API and its pages (`/passkeys`, `/login/passkey`) with their scripts. */
export function webauthnRoutes(webauthn: WebauthnService, requireFresh: (x: Exchange, action: string) => Promise<string>, activeFactors: (userId: string) => Promise<number>): Route[] {
  return [
    route(WEBAUTHN_ROUTES.webauthnRegisterOptions, async (x) => {
      const r = await webauthn.registrationOptions(await requireFresh(x, 'adding a passkey'), ctxOf(x))
      sendJson(x.res, 200, { challenge_id: r.challengeId, options: r.options })
    }),
    route(WEBAUTHN_ROUTES.webauthnRegisterVerify, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(WEBAUTHN_ROUTES.webauthnRegisterVerify.body, await x.body())
      const passkey = await webauthn.verifyRegistration(userId, input.challenge_id, input.response as RegistrationResponseJSON, input.name, ctxOf(x))
      sendJson(x.res, 201, { status: 'active', passkey })
    }),
    route(WEBAUTHN_ROUTES.webauthnLoginOptions, async (x) => {
      const input = parseInput(WEBAUTHN_ROUTES.webauthnLoginOptions.body, await x.body())
      const r = await webauthn.loginOptions(input.flow_id, ctxOf(x))
      sendJson(x.res, 200, { challenge_id: r.challengeId, flow_id: r.flowId, options: r.options })
    }),
    route(WEBAUTHN_ROUTES.webauthnLoginVerify, async (x) => {
      const input = parseInput(WEBAUTHN_ROUTES.webauthnLoginVerify.body, await x.body())
      const r = await webauthn.verifyLogin(input.challenge_id, input.response as AuthenticationResponseJSON, ctxOf(x))
      sendJson(x.res, 200, { status: 'authenticated', flow_id: r.flowId }, { 'set-cookie': await x.signIn(r.userId, 'webauthn') })
    }),
    route(WEBAUTHN_ROUTES.getWebauthnCredentials, async (x) => {
      sendJson(x.res, 200, { credentials: await webauthn.list(await requireUser(x)) })
    }),
    route(WEBAUTHN_ROUTES.webauthnCredentialsRename, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(WEBAUTHN_ROUTES.webauthnCredentialsRename.body, await x.body())
      await webauthn.rename(userId, input.id, input.name, ctxOf(x))
      sendJson(x.res, 200, { status: 'renamed' })
    }),
    route(WEBAUTHN_ROUTES.webauthnCredentialsRemove, async (x) => {
      const userId = await requireFresh(x, 'removing a passkey')
      const input = parseInput(WEBAUTHN_ROUTES.webauthnCredentialsRemove.body, await x.body())
      const mine = (await webauthn.list(userId)).some((k) => k.id === input.id)
      if (mine && (await activeFactors(userId)) <= 1) throw new MfaError('forbidden', 'this is your only second factor: add another one first (turning MFA off needs an admin exemption)')
      await webauthn.remove(userId, input.id, ctxOf(x))
      sendJson(x.res, 200, { status: 'removed' })
    }),
    ...passkeyPageRoutes(webauthn),
  ]
}
