import { authConfig } from '../../_lib/env'
import { newRequestId, sourceIpOf } from '../../_lib/auth/actor'
import { sendAudit } from '../../_lib/auth/audit'
import { completeSignIn, loadRoleMap, providerConfiguration, redirectUri } from '../../_lib/auth/oidc'
import { authProblem } from '../../_lib/auth/responses'
import { clearCookieHeader, cookieName, FLOW_COOKIE, LOGOUT_COOKIE, readCookie, seal, sealSession, SESSION_COOKIE, setCookieHeader } from '../../_lib/auth/session'

export const dynamic = 'force-dynamic'

/**
 * GET /auth/callback?code&state: the provider sends the user back here. openid-client checks
 * state, nonce and PKCE and the ID token; then the token must show a second factor and map to a
 * FactorWatch role, or the user sees why not (and gets no session).
 */
export async function GET(req: Request): Promise<Response> {
  let cfg
  try {
    cfg = authConfig()
  } catch (err) {
    return authProblem(500, 'The console cannot sign you in', (err as Error).message)
  }
  if (cfg.mode === 'local') return new Response(null, { status: 303, headers: { location: '/' } })
  const nowS = Math.floor(Date.now() / 1000)
  const flowName = cookieName(FLOW_COOKIE, cfg.secure)
  const headers = new Headers({ 'cache-control': 'no-store' })
  headers.append('set-cookie', clearCookieHeader(flowName, cfg.secure))
  const who = { sourceIp: sourceIpOf(req.headers), requestId: newRequestId() }
  const auditDeps = { token: cfg.collectorToken }
  // openid-client reads the parameters from the URL; its origin and path are the registered redirect URI.
  const current = new URL(redirectUri(cfg))
  current.search = new URL(req.url).search
  let result
  try {
    const conf = await providerConfiguration(cfg)
    result = await completeSignIn(cfg, conf, current, readCookie(req.headers.get('cookie'), flowName), loadRoleMap(cfg.roleMapFile), nowS)
  } catch (err) {
    const e = err as { error?: string; error_description?: string; code?: string; message?: string }
    // An error the provider sent back (the user cancelled, access denied) or a token that failed a check.
    const detail = e.error ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}` : `${e.code ?? 'error'}: ${e.message ?? String(err)}`
    console.warn(`sign-in failed at the callback: ${detail.slice(0, 300)}`)
    void sendAudit({ user: 'anonymous', role: 'none', ...who }, { action: 'auth.refused', target: '', route: 'GET /auth/callback', result: 'error', status: 400, detail: detail.slice(0, 300) }, auditDeps)
    const res = authProblem(400, 'Sign-in did not complete', `The identity provider's answer could not be accepted (${detail.slice(0, 200)}). Start again from the console.`)
    res.headers.append('set-cookie', clearCookieHeader(flowName, cfg.secure))
    return res
  }
  if (result.kind === 'bad_flow') {
    const res = authProblem(400, 'Sign-in did not complete', result.message)
    res.headers.append('set-cookie', clearCookieHeader(flowName, cfg.secure))
    return res
  }
  const { decision } = result
  if (!decision.ok) {
    void sendAudit({ user: result.user, role: 'none', ...who }, { action: 'auth.refused', target: decision.reason, route: 'GET /auth/callback', result: 'denied', status: 403, detail: decision.detail }, auditDeps)
    headers.set('location', `/auth/refused?reason=${decision.reason}`)
    return new Response(null, { status: 303, headers })
  }
  const s = decision.session
  headers.append('set-cookie', setCookieHeader(cookieName(SESSION_COOKIE, cfg.secure), await sealSession(s, cfg.sessionSecret, nowS), cfg.secure, s.exp - nowS))
  const hint = await seal({ t: result.idToken }, cfg.sessionSecret, 'logout', nowS, s.exp - nowS)
  // Browsers drop a cookie over 4 KB: then sign-out goes without id_token_hint (client_id instead).
  if (hint.length < 3900) headers.append('set-cookie', setCookieHeader(cookieName(LOGOUT_COOKIE, cfg.secure), hint, cfg.secure, s.exp - nowS))
  void sendAudit({ user: s.user, role: s.role, ...who }, { action: 'auth.sign_in', target: '', route: 'GET /auth/callback', result: 'ok', status: 303, detail: `amr ${s.amr.join(' ') || 'none'}; acr ${s.acr ?? 'none'}` }, auditDeps)
  headers.set('location', result.returnTo)
  return new Response(null, { status: 303, headers })
}
