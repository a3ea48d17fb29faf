import * as client from 'openid-client'
import { authConfig } from '../../_lib/env'
import { newRequestId, sourceIpOf } from '../../_lib/auth/actor'
import { sendAudit } from '../../_lib/auth/audit'
import { providerConfiguration, signedOutUri } from '../../_lib/auth/oidc'
import { sameOrigin } from '../../_lib/auth/guard'
import { authProblem } from '../../_lib/auth/responses'
import { clearCookieHeader, cookieName, LOGOUT_COOKIE, openSession, readCookie, SESSION_COOKIE, unseal } from '../../_lib/auth/session'

export const dynamic = 'force-dynamic'

/**
 * POST /auth/logout (the header's Sign out button, same origin only): clears the console's
 * session and sends the user to the provider's end_session endpoint (id_token_hint,
 * post_logout_redirect_uri <console>/auth/signed-out) so the provider's session ends too.
 */
export async function POST(req: Request): Promise<Response> {
  let cfg
  try {
    cfg = authConfig()
  } catch (err) {
    return authProblem(500, 'The console cannot sign you out', (err as Error).message)
  }
  if (cfg.mode === 'local') return new Response(null, { status: 303, headers: { location: '/' } })
  if (!sameOrigin(req, cfg)) {
    return authProblem(403, 'Sign-out refused', 'Sign out from the console’s own Sign out button.')
  }
  const nowS = Math.floor(Date.now() / 1000)
  const cookie = req.headers.get('cookie')
  const session = await openSession(readCookie(cookie, cookieName(SESSION_COOKIE, cfg.secure)), cfg.sessionSecret, nowS)
  const hint = await unseal(readCookie(cookie, cookieName(LOGOUT_COOKIE, cfg.secure)), cfg.sessionSecret, 'logout', nowS)
  const headers = new Headers({ 'cache-control': 'no-store' })
  headers.append('set-cookie', clearCookieHeader(cookieName(SESSION_COOKIE, cfg.secure), cfg.secure))
  headers.append('set-cookie', clearCookieHeader(cookieName(LOGOUT_COOKIE, cfg.secure), cfg.secure))
  if (session) {
    void sendAudit({ user: session.user, role: session.role, sourceIp: sourceIpOf(req.headers), requestId: newRequestId() }, { action: 'auth.sign_out', target: '', route: 'POST /auth/logout', result: 'ok', status: 303, detail: '' }, { token: cfg.collectorToken })
  }
  let location = '/auth/signed-out'
  try {
    const conf = await providerConfiguration(cfg)
    if (conf.serverMetadata().end_session_endpoint) {
      const params: Record<string, string> = { post_logout_redirect_uri: signedOutUri(cfg) }
      if (hint && typeof hint.t === 'string') params.id_token_hint = hint.t
      else params.client_id = cfg.clientId
      location = client.buildEndSessionUrl(conf, params).href
    }
  } catch (err) {
    console.warn(`sign-out: the provider's end_session endpoint is unknown (${(err as Error).message}); the console session is cleared`)
  }
  headers.set('location', location)
  return new Response(null, { status: 303, headers })
}

/** GET /auth/logout: a page with the Sign out button (a link alone must not sign anyone out). */
export function GET(): Response {
  return new Response(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out · FactorWatch</title></head><body><main><h1>Sign out of FactorWatch</h1><form method="post" action="/auth/logout"><button type="submit">Sign out</button></form></main></body></html>',
    { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  )
}
