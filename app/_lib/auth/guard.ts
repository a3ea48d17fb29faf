import { can, weakestRoleFor, type Permission } from '../../../contract/access'
import type { CollectorDeps } from '../collector-client'
import { authConfig, consoleEnv, type AuthConfig } from '../env'
import { collectorHeaders, LOCAL_ACTOR, newRequestId, sourceIpOf, type Actor } from './actor'
import { sendAudit } from './audit'
import { cookieName, freshEnough, openSession, readCookie, SESSION_COOKIE, type Session } from './session'

/**
 * The check every route handler under app/api/ makes before it acts: a session (or local mode),
 * the permission its action needs (403 naming the role that has it), a recent second factor for
 * dangerous actions (401 reauth_required), and the same origin for writes. On success it hands
 * back the actor and the collector dependencies that forward who acts (ACTOR_HEADERS).
 */
export interface Need {
  permission: Permission
  /** Stable verb for the audit log: `silence.create`, `gameday.start`, `security.export`. */
  action: string
  /** Silence create/expire, game day start/abort, runbook actions, exports. */
  dangerous?: boolean
  target?: string
}

export type Authorized = { ok: true; actor: Actor; session: Session | null; deps: CollectorDeps }
export type Refused = { ok: false; response: Response }

export interface GuardDeps {
  config?: AuthConfig
  collectorUrl?: string
  nowS?: number
  audit?: typeof sendAudit
}

const json = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
  Response.json({ error: { code, message, ...extra } }, { status, headers: { 'cache-control': 'no-store' } })

const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())

/** A top-level navigation (a download link) is sent through sign-in; fetches get JSON. */
const isNavigation = (req: Request) => req.headers.get('sec-fetch-mode') === 'navigate' || (!isWrite(req.method) && (req.headers.get('accept') ?? '').includes('text/html'))

function pathOf(req: Request): string {
  const u = new URL(req.url)
  return `${u.pathname}${u.search}`
}

/** Writes must come from a page of this console (CSRF): Origin equal to its public or own origin. */
export function sameOrigin(req: Request, config: AuthConfig): boolean {
  const origin = req.headers.get('origin')
  if (!origin) return false
  const allowed = new Set([new URL(req.url).origin])
  if (config.mode === 'oidc') allowed.add(new URL(config.publicUrl).origin)
  if (allowed.has(origin)) return true
  // The page's own host as the browser addressed it (localhost vs 127.0.0.1), on the console's scheme.
  const host = req.headers.get('host')
  try {
    const o = new URL(origin)
    return host !== null && o.host === host && o.protocol === new URL(req.url).protocol
  } catch {
    return false
  }
}

export async function authorize(req: Request, need: Need, deps: GuardDeps = {}): Promise<Authorized | Refused> {
  let config: AuthConfig
  let collectorUrl: string
  try {
    config = deps.config ?? authConfig()
    collectorUrl = deps.collectorUrl ?? consoleEnv().COLLECTOR_QUERY_URL
  } catch (err) {
    return { ok: false, response: json(500, 'auth_misconfigured', (err as Error).message) }
  }
  const nowS = deps.nowS ?? Math.floor(Date.now() / 1000)
  const audit = deps.audit ?? sendAudit
  const requestId = newRequestId()
  const sourceIp = sourceIpOf(req.headers)
  const route = `${req.method.toUpperCase()} ${new URL(req.url).pathname}`.slice(0, 200)

  if (isWrite(req.method) && !sameOrigin(req, config)) {
    return { ok: false, response: json(403, 'cross_origin', 'this console only accepts changes sent from its own pages (Origin header missing or from another site)') }
  }

  let session: Session | null = null
  let actor: Actor
  if (config.mode === 'local') {
    actor = { user: LOCAL_ACTOR, role: 'admin', sourceIp, requestId }
  } else {
    session = await openSession(readCookie(req.headers.get('cookie'), cookieName(SESSION_COOKIE, config.secure)), config.sessionSecret, nowS)
    if (!session) return { ok: false, response: json(401, 'unauthenticated', 'sign in to the console first (your session is missing or has expired)', { login: `/auth/login?return_to=${encodeURIComponent(pathOf(req))}` }) }
    actor = { user: session.user, role: session.role, sourceIp, requestId }
  }

  if (!can(actor.role, need.permission)) {
    const role = weakestRoleFor(need.permission)
    const message = `${need.action} needs the ${role} role or stronger (permission ${need.permission}); you are signed in as ${actor.role}. Ask your FactorWatch administrators for the ${role} role.`
    void audit(actor, { action: need.action, target: need.target ?? '', route, result: 'denied', status: 403, detail: `needs ${need.permission}` }, { baseUrl: collectorUrl, token: config.collectorToken })
    return { ok: false, response: json(403, 'forbidden', message, { required_role: role, permission: need.permission }) }
  }

  if (need.dangerous && session && config.mode === 'oidc' && !freshEnough(session, nowS, config.reauthMaxAgeS)) {
    const returnTo = isNavigation(req) ? pathOf(req) : new URL(req.headers.get('referer') ?? '/', 'http://x').pathname
    const login = `/auth/login?reauth=1&return_to=${encodeURIComponent(returnTo)}`
    if (isNavigation(req)) return { ok: false, response: new Response(null, { status: 303, headers: { location: login, 'cache-control': 'no-store' } }) }
    return { ok: false, response: json(401, 'reauth_required', `${need.action} needs a second factor from the last ${Math.round(config.reauthMaxAgeS / 60)} min: sign in again to confirm it is you`, { login }) }
  }

  return { ok: true, actor, session, deps: { baseUrl: collectorUrl, headers: collectorHeaders(actor, config.collectorToken) } }
}
