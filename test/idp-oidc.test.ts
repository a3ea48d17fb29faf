import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as oidc from 'openid-client'
import { decodeProtectedHeader } from 'jose'
import { ACR_MFA, DEFAULT_ROLES_CLAIM, showsSecondFactor } from '../contract/access'
import { newSigningKey } from '../reference-idp/oidc/settings'
import { testStores } from '../reference-idp/store/test-stores'
import { browser, REDIRECT, SIGNED_OUT, signInWithTotp, startOidcIdp, type RunningOidcIdp } from './support/oidc-rp'

/**
 * The reference IdP as an OpenID Connect provider, driven by openid-client as the relying party
 * (the console's registration: confidential client factorwatch-console, PKCE) and by fetch with a
 * cookie jar as the browser, through the IdP's own sign-in pages (password, then TOTP from otplib).
 */
const KEY = newSigningKey('key-1')

describe.each(testStores(afterAll))('the IdP as an OpenID Connect provider on %s', (_store, open) => {
  let t: RunningOidcIdp
  let skip = false
  beforeAll(async () => {
    const started = await startOidcIdp(open, { oidcSigningKeys: JSON.stringify({ keys: [KEY] }) })
    if (!started) return void (skip = true)
    t = started
  })
  afterAll(async () => t?.idp.close())

  it('publishes discovery: issuer under /oidc, code flow with S256 only, JWKS, end_session', async ({ skip: s }) => {
    if (skip) return s()
    const m = t.rp.serverMetadata()
    expect(m.issuer).toBe(`${t.idp.url}/oidc`)
    expect(m.response_types_supported).toEqual(['code'])
    expect(m.code_challenge_methods_supported).toEqual(['S256'])
    expect(m.end_session_endpoint).toBe(`${t.idp.url}/oidc/session/end`)
    expect(m.claims_supported).toEqual(expect.arrayContaining([DEFAULT_ROLES_CLAIM, 'amr', 'acr', 'auth_time']))
    expect(m.acr_values_supported).toEqual(expect.arrayContaining([ACR_MFA, 'phr', 'phrh']))
    const jwks = await (await fetch(m.jwks_uri!)).json() as { keys: { kid: string; d?: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toEqual(['key-1'])
    expect(jwks.keys.some((k) => k.d !== undefined)).toBe(false)
  })

  it('signs in with password + TOTP through the IdP pages: ID token with amr pwd+otp, acr MFA, auth_time and roles; a second sign-in finishes at once', async ({ skip: s }) => {
    if (skip) return s()
    const b = browser(t.idp.url)
    const a = await t.authorization()
    const start = await b.follow(a.url)
    expect(start.seen).toContain('/login')
    expect(start.left).toBeUndefined()
    const operator = await t.account(['operator'])
    const done = await signInWithTotp(b, operator.email, operator.secret)
    expect(done.left?.href.startsWith(REDIRECT)).toBe(true)
    const claims = (await t.tokens(done.left!, a)).claims()!
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa'])
    expect(claims.acr).toBe(ACR_MFA)
    expect(claims[DEFAULT_ROLES_CLAIM]).toEqual(['operator'])
    expect(claims.email).toBe(operator.email)
    expect(Math.abs(Number(claims.auth_time) - Date.now() / 1000)).toBeLessThan(10)
    expect(showsSecondFactor(claims as { amr?: unknown; acr?: unknown })).toBe(true)
    // The browser's IdP session is fresh: the next authorization goes straight back to the client.
    const again = await t.authorization()
    const quick = await b.follow(again.url)
    expect(quick.seen).not.toContain('/login')
    const t2 = await t.tokens(quick.left!, again)
    expect(t2.claims()!.sub).toBe(claims.sub)
    expect(t2.claims()!.amr).toEqual(['pwd', 'otp', 'mfa'])
    expect(t2.claims()!.auth_time).toBe(claims.auth_time)
    expect(decodeProtectedHeader(t2.id_token!).kid).toBe('key-1')
  })

  it('prompt=login (with max_age=0) and a max_age the session is older than force a new sign-in', async ({ skip: s }) => {
    if (skip) return s()
    const b = browser(t.idp.url)
    const first = await t.authorization()
    await b.follow(first.url)
    const viewer = await t.account(['viewer'])
    const signed = await signInWithTotp(b, viewer.email, viewer.secret)
    expect((await t.tokens(signed.left!, first)).claims()![DEFAULT_ROLES_CLAIM]).toEqual(['viewer'])
    // What the console asks before a dangerous action: prompt=login with max_age=0.
    const forced = await t.authorization({ prompt: 'login', max_age: '0' })
    const r = await b.follow(forced.url)
    expect(r.seen).toContain('/login')
    expect(r.left).toBeUndefined()
    // Another account signs in this time: the token names it (a forced sign-in may switch users).
    const sre = await t.account(['sre', 'security'])
    const done = await signInWithTotp(b, sre.email, sre.secret)
    const claims = (await t.tokens(done.left!, forced)).claims()!
    expect(claims.amr).toContain('otp')
    expect(claims[DEFAULT_ROLES_CLAIM]).toEqual(['sre', 'security'])
    // max_age: a session older than max_age is sent to sign in again (auth_time has whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const old = await t.authorization({ max_age: '1' })
    const again = await b.follow(old.url)
    expect(again.seen).toContain('/login')
    expect(again.left).toBeUndefined()
  })

  it('refuses an authorization without PKCE, from an unknown client, and to a redirect_uri not registered', async ({ skip: s }) => {
    if (skip) return s()
    const b = browser(t.idp.url)
    const noPkce = new URL(`${t.idp.url}/oidc/auth`)
    noPkce.search = new URLSearchParams({ client_id: 'factorwatch-console', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'x' }).toString()
    const r1 = await b.follow(noPkce.href)
    expect(r1.left?.searchParams.get('error')).toBe('invalid_request')
    expect(r1.left?.searchParams.get('error_description')).toMatch(/PKCE/)
    expect(r1.left?.searchParams.get('code')).toBeNull()
    // The public client too (no secret): PKCE is required of every client.
    const pub = new URL(noPkce)
    pub.searchParams.set('client_id', 'public-cli')
    pub.searchParams.set('redirect_uri', 'http://127.0.0.1:3998/cb')
    expect((await b.follow(pub.href)).left?.searchParams.get('error')).toBe('invalid_request')
    const a = await t.authorization()
    const unknown = new URL(a.url)
    unknown.searchParams.set('client_id', 'nobody')
    const r2 = await b.follow(unknown.href)
    expect(r2.status).toBe(400)
    expect(r2.left).toBeUndefined()
    expect(r2.text).toContain('invalid_client')
    const wrong = new URL(a.url)
    wrong.searchParams.set('redirect_uri', 'http://127.0.0.1:3999/evil')
    const r3 = await b.follow(wrong.href)
    expect(r3.status).toBe(400)
    expect(r3.left).toBeUndefined()
    expect(r3.text).toContain('redirect_uri')
  })

  it('RP-initiated logout ends the provider and IdP sessions and returns to the post-logout URL', async ({ skip: s }) => {
    if (skip) return s()
    const b = browser(t.idp.url)
    const a = await t.authorization()
    await b.follow(a.url)
    const user = await t.account(['viewer'])
    const done = await signInWithTotp(b, user.email, user.secret)
    const tokens = await t.tokens(done.left!, a)
    const end = oidc.buildEndSessionUrl(t.rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT, state: 'bye' })
    const page = await b.follow(end.href)
    expect(page.status).toBe(200)
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1]
    const action = /<form[^>]+action="([^"]+)"/.exec(page.text)?.[1]
    expect(xsrf && action).toBeTruthy()
    const out = await b.follow(action!, { form: { xsrf: xsrf!, logout: 'yes' } })
    expect(out.left?.href).toBe(`${SIGNED_OUT}?state=bye`)
    // Both sessions are over: the next authorization asks for the password again.
    const after = await t.authorization()
    expect((await b.follow(after.url)).seen).toContain('/login')
  })
})
