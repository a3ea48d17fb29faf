import { NextResponse, type NextRequest } from 'next/server'
import { can, weakestRoleFor } from './contract/access'
import { pagePermission } from './app/_lib/auth/pages'
import { cookieName, openSession, SESSION_COOKIE } from './app/_lib/auth/session'
import { authConfig } from './app/_lib/env'

/**
 * Every console request passes here first: without a valid session a page is sent to sign in
 * (`/auth/login?return_to=…`) and an API call gets 401 JSON; a page the role may not see renders
 * the refusal page. Route handlers check their own permission again (app/_lib/auth/guard.ts):
 * this is the outer wall, not the only one. Local mode (loopback only) lets everything through.
 */
export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
}

const noStore = { 'cache-control': 'no-store' }

export async function middleware(req: NextRequest): Promise<NextResponse> {
  const path = req.nextUrl.pathname
  const api = path === '/api' || path.startsWith('/api/')
  // Sign-in, callback, sign-out and the refusal pages are reachable without a session.
  if (path === '/auth' || path.startsWith('/auth/')) return NextResponse.next()
  let cfg
  try {
    cfg = authConfig()
  } catch (err) {
    const message = `the console's sign-in settings are wrong: ${(err as Error).message}`
    return api ? NextResponse.json({ error: { code: 'auth_misconfigured', message } }, { status: 500, headers: noStore }) : new NextResponse(message, { status: 500, headers: { ...noStore, 'content-type': 'text/plain; charset=utf-8' } })
  }
  if (cfg.mode === 'local') return NextResponse.next()
  const session = await openSession(req.cookies.get(cookieName(SESSION_COOKIE, cfg.secure))?.value, cfg.sessionSecret, Math.floor(Date.now() / 1000))
  if (!session) {
    const returnTo = `${path}${req.nextUrl.search}`
    if (api) return NextResponse.json({ error: { code: 'unauthenticated', message: 'sign in to the console first (your session is missing or has expired)', login: '/auth/login' } }, { status: 401, headers: noStore })
    // Served by the sign-in route in place (its answer is the redirect to the provider): a Location
    // set here goes through NextURL, which refuses a relative one (500 Invalid URL under next start)
    // and rewrites an absolute 127.0.0.1 one to localhost (another origin for cookies).
    const login = new URL('/auth/login', req.url)
    login.searchParams.set('return_to', returnTo)
    return NextResponse.rewrite(login, { headers: noStore })
  }
  if (!api) {
    const need = pagePermission(path)
    if (!can(session.role, need)) {
      const to = new URL('/auth/forbidden', req.url)
      to.searchParams.set('need', weakestRoleFor(need))
      to.searchParams.set('page', path.slice(0, 200))
      return NextResponse.rewrite(to, { status: 403, headers: noStore })
    }
  }
  return NextResponse.next()
}
