import { authConfig } from '../../_lib/env'
import { beginSignIn, providerConfiguration } from '../../_lib/auth/oidc'
import { safeReturnTo } from '../../_lib/auth/return-to'
import { cookieName, FLOW_COOKIE, FLOW_MAX_AGE_S, setCookieHeader } from '../../_lib/auth/session'
import { authProblem } from '../../_lib/auth/responses'

export const dynamic = 'force-dynamic'

/**
 * GET /auth/login?return_to=/path[&reauth=1]: off to the identity provider (authorization code
 * + PKCE, state, nonce); `reauth=1` makes it authenticate again (prompt=login, max_age=0) before a
 * dangerous action. Only paths on this console are returned to.
 */
export async function GET(req: Request): Promise<Response> {
  const params = new URL(req.url).searchParams
  const returnTo = safeReturnTo(params.get('return_to'))
  let cfg
  try {
    cfg = authConfig()
  } catch (err) {
    return authProblem(500, 'The console cannot sign you in', (err as Error).message)
  }
  if (cfg.mode === 'local') return new Response(null, { status: 303, headers: { location: returnTo, 'cache-control': 'no-store' } })
  // The flow cookie must be set on the host the provider sends the user back to (localhost and
  // 127.0.0.1 keep separate cookies): start again on CONSOLE_PUBLIC_URL's host first.
  const here = req.headers.get('host') ?? new URL(req.url).host
  const canonical = new URL(cfg.publicUrl)
  if (here !== canonical.host) {
    const again = new URL('/auth/login', canonical)
    again.search = new URL(req.url).search
    return new Response(null, { status: 303, headers: { location: again.href, 'cache-control': 'no-store' } })
  }
  try {
    const conf = await providerConfiguration(cfg)
    const { url, flow } = await beginSignIn(cfg, conf, { returnTo, reauth: params.get('reauth') === '1' }, Math.floor(Date.now() / 1000))
    return new Response(null, {
      status: 303,
      headers: { location: url.href, 'cache-control': 'no-store', 'set-cookie': setCookieHeader(cookieName(FLOW_COOKIE, cfg.secure), flow, cfg.secure, FLOW_MAX_AGE_S) },
    })
  } catch (err) {
    console.error(`sign-in: the identity provider at ${cfg.issuer} could not be used: ${(err as Error).message}`)
    return authProblem(502, 'The identity provider is not answering', `The console could not read the sign-in settings of ${cfg.issuer} (${(err as Error).message}). Try again in a moment; if it persists, tell your FactorWatch administrators.`)
  }
}
