import { z } from 'zod'
import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { esc, redirect, sendHtml, sendJson } from './http/io'
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
    { method: 'GET', path: '/api/v1/sessions', kind: 'api', handler: async (x) => sendJson(x.res, 200, { sessions: await d.sessions.list(await signedIn(x), x.sessionToken()) }) },
    { method: 'POST', path: '/api/v1/sessions/revoke', kind: 'api', handler: async (x) => {
      await revokeOne(x, await d.requireFresh(x, 'signing out another session'))
      sendJson(x.res, 200, { status: 'revoked' })
    } },
    { method: 'POST', path: '/api/v1/sessions/revoke-others', kind: 'api', handler: async (x) => {
      const userId = await d.requireFresh(x, 'signing out everywhere else')
      sendJson(x.res, 200, { status: 'revoked', revoked: await d.sessions.revokeOthers(userId, x.sessionToken()) })
    } },
    { method: 'GET', path: '/sessions', kind: 'page', handler: async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken())))
    } },
    { method: 'POST', path: '/sessions/revoke', kind: 'page', handler: async (x) => {
      const userId = await d.freshPage(x, 'Signing out another session')
      if (!userId) return
      try {
        await revokeOne(x, userId)
      } catch (e) {
        if (!(e instanceof MfaError) || e.status >= 500) throw e
        return sendHtml(x.res, e.status, listPage(await d.sessions.list(userId, x.sessionToken()), e.message))
      }
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken()), 'That session is signed out.'))
    } },
    { method: 'POST', path: '/sessions/revoke-others', kind: 'page', handler: async (x) => {
      const userId = await d.freshPage(x, 'Signing out everywhere else')
      if (!userId) return
      const n = await d.sessions.revokeOthers(userId, x.sessionToken())
      sendHtml(x.res, 200, listPage(await d.sessions.list(userId, x.sessionToken()), `Signed out ${n} other session${n === 1 ? '' : 's'}.`))
    } },
  ]
}
