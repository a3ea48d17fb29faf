import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import * as oidc from 'openid-client'
import type { IdpConfig } from '../../reference-idp/config'
import type { RunningIdp } from '../../reference-idp/server'
import type { Db } from '../../reference-idp/store/db'
import { serviceAssertion, startTestIdp } from './idp-client'
import { totpAt } from './totp'

/**
 * The reference IdP as an OpenID Connect provider in tests: the console's client registration
 * (factorwatch-console, a secret, <console>/auth/callback and /auth/signed-out), a browser made of
 * fetch and a path-aware cookie jar, and the sign-in through the IdP's own pages.
 */
export const CONSOLE = 'http://127.0.0.1:3999'
export const REDIRECT = `${CONSOLE}/auth/callback`
export const SIGNED_OUT = `${CONSOLE}/auth/signed-out`
export const CONSOLE_SECRET = randomBytes(32).toString('base64url')
export const OIDC_CLIENTS = JSON.stringify([
  { client_id: 'factorwatch-console', client_secret: CONSOLE_SECRET, redirect_uris: [REDIRECT], post_logout_redirect_uris: [SIGNED_OUT] },
  { client_id: 'public-cli', redirect_uris: ['http://127.0.0.1:3998/cb'] },
])
export const PASSWORD = 'correct horse battery staple'

/** A browser: a cookie jar, manual redirects within the IdP, the answer that leaves for the client. */
export function browser(base: string) {
  // Cookies by name and path, sent where their path is a prefix of the request's, as a browser does.
  const jar = new Map<string, { name: string; value: string; path: string }>()
  const cookiesFor = (path: string) => [...jar.values()].filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/').map((c) => `${c.name}=${c.value}`).join('; ')
  const go = async (url: string, init: { method?: string; form?: Record<string, string>; json?: unknown } = {}) => {
    const target = new URL(url, base)
    const cookie = cookiesFor(target.pathname)
    const res = await fetch(target, {
      method: init.method ?? (init.form || init.json !== undefined ? 'POST' : 'GET'), redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.form ? new URLSearchParams(init.form).toString() : init.json !== undefined ? JSON.stringify(init.json) : undefined,
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';').map((x) => x.trim())
      const i = pair.indexOf('=')
      const name = pair.slice(0, i)
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/'
      const gone = /max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c)
      if (gone) jar.delete(`${name} ${path}`)
      else jar.set(`${name} ${path}`, { name, value: pair.slice(i + 1), path })
    }
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text(), url: target.href }
  }
  /** Follow redirects and refresh pages until a page needs input or the answer leaves the IdP; the pages seen on the way. */
  const follow = async (url: string, init: { form?: Record<string, string> } = {}) => {
    const seen: string[] = []
    let r = await go(url, init)
    for (let i = 0; i < 20; i++) {
      seen.push(new URL(r.url).pathname)
      const refresh = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(r.text)?.[1]
      // A page whose script submits its form at once (the provider's form_post pages).
      const autoPost = r.text.includes('document.forms[0].submit()') ? /<form method="post" action="([^"]+)"/.exec(r.text)?.[1] : undefined
      const next = r.location ?? refresh ?? autoPost
      if (!next) break
      const to = new URL(next.replace(/&amp;/g, '&'), r.url)
      if (to.origin !== new URL(base).origin) return { ...r, left: to, seen }
      r = autoPost ? await go(to.href, { form: Object.fromEntries([...r.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]])) }) : await go(to.href)
    }
    return { ...r, left: undefined, seen }
  }
  /** A JSON call of the IdP API with this browser's cookies; the parsed answer. */
  const api = async (path: string, body: unknown = {}) => {
    const r = await go(path, { json: body })
    return { status: r.status, body: JSON.parse(r.text || '{}') as Record<string, unknown> }
  }
  return { go, follow, api, jar }
}

/** Sign in on the IdP's pages: the password form, then the TOTP form. Returns where the browser leaves for. */
export async function signInWithTotp(b: ReturnType<typeof browser>, email: string, secret: string) {
  const afterPassword = await b.follow('/login', { form: { email, password: PASSWORD } })
  const flowId = /name="flow_id" value="([^"]+)"/.exec(afterPassword.text)?.[1]
  expect(afterPassword.text, 'the TOTP form follows the password').toContain('action="/login/totp"')
  return b.follow('/login/totp', { form: { flow_id: flowId!, code: totpAt(secret, Date.now()) } })
}

/**
 * A test IdP with the provider on (the IdP's own clock is the real one: the provider has no
 * injectable clock). A TOTP step is single-use per authenticator, so each sign-in uses an account
 * of its own (`account`).
 */
export async function startOidcIdp(open: () => Promise<Db | null>, config: Partial<IdpConfig>) {
  const t = await startTestIdp(open, () => new Date(), { oidcClients: OIDC_CLIENTS, ...config })
  if (!t) return null
  const state = { idp: t.idp, rp: await discover(t.idp.url) }
  let n = 0
  return Object.assign(state, {
    /** A new account with these roles, a password and an authenticator app, provisioned as a service does. */
    async account(roles: string[], prefix = 'oidc') {
      const email = `${prefix}-${++n}-${randomBytes(3).toString('hex')}@example.test`
      const res = await fetch(`${state.idp.url}/api/v1/admin/provision`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceAssertion()}` },
        body: JSON.stringify({ email, password: PASSWORD, roles }),
      })
      const body = await res.json() as { status: string; totp_secret: string }
      expect(res.status, JSON.stringify(body)).toBe(200)
      expect(body.status).toBe('created')
      return { email, secret: body.totp_secret }
    },
    /** An authorization request as the console makes it (PKCE S256, state); its URL and what the callback needs. */
    async authorization(extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier()
      const st = oidc.randomState()
      const url = oidc.buildAuthorizationUrl(state.rp, { redirect_uri: REDIRECT, scope: 'openid profile email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: st, ...extra })
      return { url: url.href, verifier, state: st }
    },
    tokens: (left: URL, a: { verifier: string; state: string }) => oidc.authorizationCodeGrant(state.rp, left, { pkceCodeVerifier: a.verifier, expectedState: a.state }),
  })
}

/** The console's client configuration against the IdP at `url` (plain http: tests only). */
export const discover = (url: string) => oidc.discovery(new URL(`${url}/oidc`), 'factorwatch-console', CONSOLE_SECRET, undefined, { execute: [oidc.allowInsecureRequests] })

export type RunningOidcIdp = NonNullable<Awaited<ReturnType<typeof startOidcIdp>>>
export type { RunningIdp }
