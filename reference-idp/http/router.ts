import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SpanKind } from '@opentelemetry/api'
import { MfaError } from '../errors'
import type { RequestCtx } from '../login/events'
import { SESSION_COOKIE, type Sessions } from '../login/sessions'
import { DEVICE_COOKIE, TRUSTED_COOKIE } from '../login/trusted'
import { page } from '../pages/layout'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import { requestIp, requestOrigin } from './context'
import { cookie, parseBody, parseCookies, readRaw, sendError, sendHtml, sendJson } from './io'
import { assertUnique } from './route-table'
import type { Exchange, Route, RouteSpec } from './types'

export interface RouterOptions {
  routes: readonly Route[]
  /** Checks before a handler (http/guards.ts): same origin, rate bucket. */
  guards: { check(req: IncomingMessage, route: RouteSpec, ip: string | undefined): void }
  sessions: Pick<Sessions, 'session' | 'create' | 'revoke'>
  /** A revoked session was presented again (F7): told as telemetry by the composition root. */
  revokedReuse(userId: string, ctx?: RequestCtx): void
  /** Whether cookies are Secure (known once the public URL is). */
  secure(): boolean
  /** Trust the demo's country and client headers (IDP_DEMO_HEADERS=on). */
  demoHeaders: boolean
  sessionTtlSeconds: number
  telemetry: Telemetry
  metrics: IdpMetrics
  log(line: string): void
  /** GET /openapi.json. */
  openApi(): Record<string, unknown>
  /** GET /healthz. */
  health(): Record<string, unknown>
}

const statusClass = (s: number) => `${Math.floor(s / 100)}xx`

/**
 * Routing: a request to its route (404 or 405 otherwise), inside a server span with its
 * metrics; the Exchange its handler sees (cookies, device id, session, body read once); an
 * error as `{code, message}` on JSON routes and as a page on the others.
 */
export function createRouter(o: RouterOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  assertUnique(o.routes)
  const byKey = new Map(o.routes.map((r) => [`${r.method} ${r.path}`, r]))
  const paths = new Set(o.routes.map((r) => r.path))
  // Paths with {name} segments, tried when no exact path matches.
  const templates = o.routes.filter((r) => r.path.includes('{')).map((r) => ({ r, re: new RegExp(`^${r.path.replace(/\{[^}/]+\}/g, '[^/]+')}$`) }))
  const lookup = (method: string | undefined, path: string) => byKey.get(`${method} ${path}`) ?? templates.find((t) => t.r.method === method && t.re.test(path))?.r
  const known = (path: string) => paths.has(path) || templates.some((t) => t.re.test(path))
  const { metrics, telemetry, sessions } = o

  return async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://idp.local')
    const route = lookup(req.method, url.pathname)
    if (url.pathname === '/openapi.json' && req.method === 'GET') return sendJson(res, 200, o.openApi())
    if (url.pathname === '/healthz') return sendJson(res, 200, o.health())
    if (url.pathname === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType })
      return void res.end(await metrics.registry.metrics())
    }
    if (!route) {
      const err = known(url.pathname) ? new MfaError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`) : new MfaError('not_found', `no such endpoint ${url.pathname.slice(0, 100)}`)
      return url.pathname.startsWith('/api/') ? sendError(res, err) : sendHtml(res, err.status, page(err.status === 404 ? 'Page not found' : 'Not allowed', '<p><a href="/">Home</a></p>'))
    }
    const label = { method: route.method, route: route.path }
    const end = metrics.httpDuration.startTimer({ route: route.path })
    await telemetry.span(`${route.method} ${route.path}`, { 'http.request.method': route.method, 'http.route': route.path }, async (span) => {
      const secure = o.secure()
      const cookies = parseCookies(req.headers.cookie, secure)
      let raw: Promise<string> | undefined
      let body: Promise<Record<string, unknown>> | undefined
      let session: ReturnType<Exchange['session']> | undefined
      const clear = cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure })
      // A stable, non-secret id per browser: the "new device" risk signal.
      let deviceId = cookies[DEVICE_COOKIE]
      if (!deviceId || !/^[0-9a-f-]{36}$/.test(deviceId)) {
        deviceId = randomUUID()
        res.setHeader('set-cookie', cookie(DEVICE_COOKIE, deviceId, { maxAgeSeconds: 400 * 86_400, secure }))
      }
      const x: Exchange = {
        req, res, url,
        ctx: {
          span, ...requestOrigin(req, o.demoHeaders, route.kind === 'api' ? 'api' : 'web'),
          ip: requestIp(req, o.demoHeaders), deviceId, trustedToken: cookies[TRUSTED_COOKIE],
        },
        raw: () => (raw ??= readRaw(req)),
        body: () => (body ??= x.raw().then((text) => parseBody(req, text))),
        session: () => (session ??= sessions.session(cookies[SESSION_COOKIE], (userId) => o.revokedReuse(userId, x.ctx))),
        userId: async () => (await x.session())?.userId,
        sessionToken: () => cookies[SESSION_COOKIE],
        async signIn(userId, mfa = false) {
          await sessions.revoke(cookies[SESSION_COOKIE])
          return cookie(SESSION_COOKIE, await sessions.create(userId, mfa, { client: x.ctx.client, country: x.ctx.country, userAgent: req.headers['user-agent'] }), { maxAgeSeconds: o.sessionTtlSeconds, secure })
        },
        async signOut() {
          await sessions.revoke(cookies[SESSION_COOKIE])
          return clear
        },
      }
      try {
        o.guards.check(req, route, x.ctx.ip)
        await route.handler(x)
      } catch (e) {
        const err = e instanceof MfaError ? e : new MfaError('internal_error', 'internal error; the request changed nothing it could not undo')
        if (!(e instanceof MfaError)) o.log(`error on ${route.method} ${route.path}: ${e instanceof Error ? e.message : String(e)}`)
        if (res.headersSent) return void res.end()
        if (route.kind === 'api') sendError(res, err)
        else sendHtml(res, err.status, page('Something went wrong', '<p><a href="/">Start again</a></p>', err.message), err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : {})
      } finally {
        metrics.httpRequests.inc({ ...label, status_class: statusClass(res.statusCode) })
        end()
      }
    }, SpanKind.SERVER, { headers: req.headers, status: () => res.statusCode })
  }
}
