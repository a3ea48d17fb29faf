import { z } from 'zod'
import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { esc, redirect, sendHtml, sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route } from './http/types'
import type { Sessions } from './login/sessions'
import { page } from './pages/layout'

/** A session's public id (never its secret), as GET /api/v1/sessions lists it. */
export const RevokeSessionInput = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/, 'expected a session id from GET /api/v1/sessions') })

export interface SessionRouteDeps {
  sessions: Pick<Sessions, 'list' | 'revokeById' | 'revokeOthers'>
  /** The user when the session passed a second factor recently (API: throws stepup_required). */
  requireFresh(x: Exchange, action: string): Promise<string>
  /** The same for pages: undefined when it has answered with the sign-in or step-up page. */
  freshPage(x: Exchange, action: string): Promise<string | undefined>
}

type Listed = Awaited<ReturnType<Sessions['list']>>[number]
const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'unknown')
const CLIENT: Record<string, string> = { web: 'web browser', ios: 'iOS app', android: 'Android app', api: 'API client' }

const item = (s: Listed) => `<li><strong>${esc(s.device)}</strong> <span class="note">(${esc(CLIENT[s.client ?? ''] ?? 'unknown client')}${s.country ? `, ${esc(s.country)}` : ''}; signed in ${esc(when(s.created_at))}, last used ${esc(when(s.last_used_at))})</span>
${s.current ? '<span class="note"> this browser</span>' : `<form method="post" action="/sessions/revoke"><input type="hidden" name="id" value="${esc(s.id)}"><button type="submit" class="danger" aria-label="Sign out ${esc(s.device)} signed in ${esc(when(s.created_at))}">Sign out</button></form>`}</li>`

const listPage = (list: Listed[], notice?: string) => page('Where you are signed in', `${notice ? `<p role="status">${esc(notice)}</p>` : ''}
<p>Sessions of your account that are still open. If you do not recognise one, sign it out and change your password.</p>
<ul class="factors">${list.map(item).join('')}</ul>
${list.length > 1 ? '<form method="post" action="/sessions/revoke-others"><button type="submit" class="danger">Sign out everywhere else</button></form>' : ''}
<p><a href="/">Back</a></p>`)

/** A user's own sessions over JSON and as a page: each route's facts. */
export const SESSION_ROUTES = routeTable({
  getSessions: {
    method: 'GET', path: '/api/v1/sessions', kind: 'api',
    docs: { summary: 'Your open sessions: public id, created_at, last_used_at, client, country, device (browser and system), current; never a secret or an address', ok: [200, '`{sessions: [{id, created_at, last_used_at, client, country, device, current}]}`'], errors: ['unauthenticated'], session: true },
  },
  sessionsRevoke: {
    method: 'POST', path: '/api/v1/sessions/revoke', kind: 'api', body: RevokeSessionInput,
    docs: { summary: 'Sign out one of your other sessions by its id (fresh second factor needed)', ok: [200, '`{status: "revoked"}`'], errors: ['unauthenticated', 'stepup_required', 'bad_request', 'not_found'], session: true },
  },
  sessionsRevokeOthers: {
    method: 'POST', path: '/api/v1/sessions/revoke-others', kind: 'api',
    docs: { summary: 'Sign out everywhere else: every session of your account but this one (fresh second factor needed)', ok: [200, '`{status: "revoked", revoked}`'], errors: ['unauthenticated', 'stepup_required'], session: true },
  },
  getSessionsPage: { method: 'GET', path: '/sessions', kind: 'page' },
  sessionsRevokePage: { method: 'POST', path: '/sessions/revoke', kind: 'page' },
  sessionsRevokeOthersPage: { method: 'POST', path: '/sessions/revoke-others', kind: 'page' },
})

/**
 * A user's own sessions (ASVS 3.3.4): list them (no secret, hash or raw address), end one, or
 * sign out everywhere else; ending any needs a fresh second factor, so a stolen session cookie
 * alone cannot shut its owner out. JSON under /api/v1/sessions, a page at /sessions.
 */
export function sessionRoutes(d: SessionRouteDeps): Route[] {
  const signedIn = async (x: Exchange) => {
    const userId = await x.userId()
    if (!userId) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
    return userId
  }
  const revokeOne = async (x: Exchange, userId: string) => {
    const { id } = parseInput(RevokeSessionInput, await x.body())
    if (!(await d.sessions.revokeById(userId, id, x.sessionToken()))) throw new MfaError('not_found', 'no other open session of your account has this id (to end this one, sign out)')
  }
  return [
    route(SESSION_ROUTES.getSessions, async (x) => sendJson(x.res, 200, { sessions: await d.sessions.list(await signedIn(x), x.sessionToken()) })),
    route(SESSION_ROUTES.sessionsRevoke, async (x) => {
      await revokeOne(x, await d.requireFresh(x, 'signing out another session'))
      sendJson(x.res, 200, { status: 'revoked' })
    }),
    route(SESSION_ROUTES.sessionsRevokeOthers, async (x) => {
      const userId = await d.requireFresh(x, 'signing out everywhere else')
      sendJson(x.res, 200, { status: 'revoked', revoked: await d.sessions.revokeOthers(userId, x.sessionToken()) })
    }),
    route(SESSION_ROUTES.getSessionsPage, async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken())))
    }),
    route(SESSION_ROUTES.sessionsRevokePage, async (x) => {
      const userId = await d.freshPage(x, 'Signing out another session')
      if (!userId) return
      try {
        await revokeOne(x, userId)
      } catch (e) {
        if (!(e instanceof MfaError) || e.status >= 500) throw e
        return sendHtml(x.res, e.status, listPage(await d.sessions.list(userId, x.sessionToken()), e.message))
      }
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken()), 'That session is signed out.'))
    }),
    route(SESSION_ROUTES.sessionsRevokeOthersPage, async (x) => {
      const userId = await d.freshPage(x, 'Signing out everywhere else')
      if (!userId) return
      const n = await d.sessions.revokeOthers(userId, x.sessionToken())
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken()), `Signed out ${n} other session${n === 1 ? '' : 's'}.`))
    }),
  ]
}
