import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { cookie, esc, parseCookies, redirect, sendHtml } from '../http/io'
import type { Exchange, Route } from '../http/types'
import { SESSION_COOKIE } from '../login/sessions'
import { page } from '../pages/layout'
import { authnClaims, decideInteraction } from './authn'
import type { OidcStore } from './store'

/**
 * The provider's interactions on the IdP's own pages. GET /interaction/{uid} finishes the
 * interaction with the browser's IdP session when it is good enough (decideInteraction), or sends
 * the browser through the IdP's sign-in (/login: password, then whatever second factor the user
 * has) with a short-lived cookie naming the interaction; the IdP's home page (where every sign-in
 * ends) then continues back here.
 */
export const RETURN_COOKIE = 'fw_oidc_return'
const RETURN_SECONDS = 600
const UID = /^[A-Za-z0-9_-]{1,64}$/

export interface OidcInteractions {
  provider(): Provider | undefined
  store: OidcStore
  now(): Date
  secure(): boolean
}

/** `uid.ms` of the return cookie, or undefined. */
export function parseReturn(value: string | undefined): { uid: string; at: Date } | undefined {
  const m = /^([A-Za-z0-9_-]{1,64})\.(\d{1,15})$/.exec(value ?? '')
  return m ? { uid: m[1], at: new Date(Number(m[2])) } : undefined
}

/**
 * Before the router: a browser coming home after signing in for an interaction goes back to it.
 * A page that refreshes (not a redirect): the sign-in was a form post, and a redirect chain from a
 * form post to the client's origin would be refused by the page's CSP form-action in Chromium.
 */
export function resumeAfterSignIn(req: IncomingMessage, res: ServerResponse, secure: boolean): boolean {
  if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') return false
  const cookies = parseCookies(req.headers.cookie, secure)
  const back = parseReturn(cookies[RETURN_COOKIE])
  if (!back || !cookies[SESSION_COOKIE]) return false
  const to = `/interaction/${back.uid}`
  sendHtml(res, 200, page('Signed in', `<meta http-equiv="refresh" content="0;url=${esc(to)}"><p>You are signed in. <a href="${esc(to)}">Continue to the application</a></p>`))
  return true
}

export function interactionRoutes(o: OidcInteractions): Route[] {
  return [{
    method: 'GET', path: '/interaction/{uid}', kind: 'page',
    async handler(x: Exchange) {
      const provider = o.provider()
      const uid = x.url.pathname.split('/')[2] ?? ''
      if (!provider || !UID.test(uid)) return sendHtml(x.res, 404, page('Page not found', '<p><a href="/">Home</a></p>'))
      const clear = cookie(RETURN_COOKIE, '', { maxAgeSeconds: 0, secure: o.secure() })
      let details
      try {
        details = await provider.interactionDetails(x.req, x.res)
      } catch {
        return sendHtml(x.res, 400, page('This sign-in is over', '<p>It expired or was finished in another tab. Go back to the application and sign in again.</p>'), { 'set-cookie': clear })
      }
      if (details.uid !== uid) return sendHtml(x.res, 400, page('This sign-in is over', '<p>Go back to the application and sign in again.</p>'), { 'set-cookie': clear })
      const s = await x.session()
      const token = x.sessionToken()
      const signIn = s && token ? await o.store.signIn(token, s.userId) : undefined
      const back = parseReturn(parseCookies(x.req.headers.cookie, o.secure())[RETURN_COOKIE])
      const maxAge = details.params.max_age === undefined ? undefined : Number(details.params.max_age)
      const decision = decideInteraction({
        prompt: details.prompt, maxAge: Number.isFinite(maxAge) ? maxAge : undefined,
        session: s && signIn ? { userId: s.userId, authAt: signIn.authAt } : undefined,
        sentToSignInAt: back?.uid === uid ? back.at : undefined, now: o.now(),
      })
      if (decision.kind === 'sign_in') {
        // A new sign-in since "now" is what prompt=login and max_age ask for.
        const sent = back?.uid === uid && decision.reason === 'no_session' ? back.at : o.now()
        return redirect(x.res, '/login', { 'set-cookie': cookie(RETURN_COOKIE, `${uid}.${sent.getTime()}`, { maxAgeSeconds: RETURN_SECONDS, secure: o.secure() }) })
      }
      const { amr, acr } = authnClaims(signIn!.facts)
      const to = await provider.interactionResult(x.req, x.res, {
        login: { accountId: s!.userId, amr, ...(acr ? { acr } : {}), ts: Math.floor(signIn!.authAt.getTime() / 1000), remember: true },
      }, { mergeWithLastSubmission: false })
      redirect(x.res, to, { 'set-cookie': clear })
    },
  }]
}
