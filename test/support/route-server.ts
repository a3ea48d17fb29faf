import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MfaError } from '../../reference-idp/errors'
import { cookie, parseBody, parseCookies, readRaw, sendError } from '../../reference-idp/http/io'
import type { Exchange, Route } from '../../reference-idp/http/types'
import { SESSION_COOKIE, type Sessions } from '../../reference-idp/login/sessions'
import { DEVICE_COOKIE } from '../../reference-idp/login/trusted'

/**
 * Serve a set of IdP routes over real HTTP with the server's Exchange semantics that route
 * modules rely on (device cookie, sessions, `{code, message}` errors), for testing a route
 * module before it is wired into startIdp. No telemetry spans, metrics, overload guard or pages.
 */
export async function serveRoutes(routes: Route[], sessions: Sessions): Promise<{ url: string; close(): Promise<void> }> {
  const byKey = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]))
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://idp.local')
    const route = byKey.get(`${req.method} ${url.pathname}`)
    if (!route) return sendError(res, new MfaError('not_found', `no such endpoint ${url.pathname}`))
    const cookies = parseCookies(req.headers.cookie)
    let deviceId = cookies[DEVICE_COOKIE]
    if (!deviceId) {
      deviceId = randomUUID()
      res.setHeader('set-cookie', cookie(DEVICE_COOKIE, deviceId, { secure: false }))
    }
    let raw: Promise<string> | undefined
    const x: Exchange = {
      req, res, url,
      ctx: { client: 'api', deviceId },
      raw: () => (raw ??= readRaw(req)),
      body: () => x.raw().then((text) => parseBody(req, text)),
      session: () => sessions.session(cookies[SESSION_COOKIE]),
      userId: async () => (await x.session())?.userId,
      sessionToken: () => cookies[SESSION_COOKIE],
      async signIn(userId, mfa = false) {
        await sessions.revoke(cookies[SESSION_COOKIE])
        return cookie(SESSION_COOKIE, await sessions.create(userId, mfa), { secure: false })
      },
      async signOut() {
        await sessions.revoke(cookies[SESSION_COOKIE])
        return cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: false })
      },
    }
    route.handler(x).catch((e: unknown) => {
      const err = e instanceof MfaError ? e : new MfaError('internal_error', `internal error: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) sendError(res, err)
      else res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
