import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { type KoaContextWithOIDC } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACR_MFA } from '../contract/access'
import { userHash } from '../app/_lib/auth/oidc'
import { openSession } from '../app/_lib/auth/session'

/**
 * The console's sign-in against a real OpenID Connect provider (oidc-provider, in-test on
 * 127.0.0.1): /auth/login → the provider's authorization endpoint → an interaction that signs in
 * the account the test chose (with its amr/acr) → /auth/callback. Checks state/nonce/PKCE
 * wiring end to end, the session the console sets, and the refusals.
 */
const CONSOLE = 'http://console.test'
const SECRET = 'oidc-test-session-secret-0123456789abcdef!!'
const CLIENT_SECRET = 'console-client-secret-0123456789'

interface TestAccount { amr: string[]; acr?: string; roles?: string[]; name?: string }
const ACCOUNTS: Record<string, TestAccount> = {
  'ada-otp': { amr: ['pwd', 'otp'], acr: ACR_MFA, roles: ['security'], name: 'Ada' },
  'bob-password-only': { amr: ['pwd'], roles: ['admin'] },
  'cy-no-role': { amr: ['pwd', 'hwk'], acr: 'phrh' },
}
let nextAccount = 'ada-otp'

let server: Server
let issuer: string

type H = (req: Request) => Promise<Response> | Response
let login: { GET: H }
let callback: { GET: H }
let logout: { POST: H }

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'k1' }
  server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'factorwatch-console', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_post', redirect_uris: [`${CONSOLE}/auth/callback`], post_logout_redirect_uris: [`${CONSOLE}/auth/signed-out`], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    pkce: { required: () => true },
    // amr, acr and auth_time ride with scope openid: oidc-provider puts a claim in the ID token only when a scope (or the claims parameter) asks for it.
    claims: { acr: null, amr: null, auth_time: null, openid: ['sub', 'name', 'factorwatch_roles', 'acr', 'amr', 'auth_time'] },
    conformIdTokenClaims: false,
    acrValues: [ACR_MFA, 'phr', 'phrh'],
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const a = ACCOUNTS[sub]
      return a ? { accountId: sub, claims: () => ({ sub, ...(a.name ? { name: a.name } : {}), ...(a.roles ? { factorwatch_roles: a.roles } : {}) }) } : undefined
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grant = new ctx.oidc.provider.Grant({ accountId: ctx.oidc.session!.accountId!, clientId: ctx.oidc.client!.clientId })
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '))
      if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims])
      await grant.save()
      return grant
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, i: { uid: string }) => `/interaction/${i.uid}` },
  })
  const handle = provider.callback()
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      // The test's "sign-in page": the chosen account signs in at once, with its factors.
      const a = ACCOUNTS[nextAccount]
      void provider.interactionFinished(req, res, { login: { accountId: nextAccount, amr: a.amr, ...(a.acr ? { acr: a.acr } : {}), ts: Math.floor(Date.now() / 1000) } }, { mergeWithLastSubmission: false }).catch((err: unknown) => {
        res.statusCode = 500
        res.end(String(err))
      })
      return
    }
    void handle(req, res)
  })
  Object.assign(process.env, {
    FACTORWATCH_AUTH: 'oidc',
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    CONSOLE_PUBLIC_URL: CONSOLE,
    FACTORWATCH_SESSION_SECRET: SECRET,
    // Nothing listens here: audit records fail, and failing to audit must not fail a sign-in.
    COLLECTOR_QUERY_URL: 'http://127.0.0.1:9',
  })
  login = (await import('../app/auth/login/route')) as never
  callback = (await import('../app/auth/callback/route')) as never
  logout = (await import('../app/auth/logout/route')) as never
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
})

/** Cookie jar for the provider's own cookies (name=value only). */
function jar() {
  const cookies = new Map<string, string>()
  return {
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const eq = pair.indexOf('=')
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  }
}

const setCookies = (res: Response) => Object.fromEntries(res.headers.getSetCookie().map((c) => [c.split('=')[0], c]))
const cookieValue = (setCookie: string) => setCookie.split(';')[0].slice(setCookie.indexOf('=') + 1)

/** Browser-like: the console's /auth/login, the provider until it redirects back, then /auth/callback. */
async function signIn(account: string, loginQuery = 'return_to=/security%3Frange%3D24h', tamper?: (callbackUrl: URL) => void) {
  nextAccount = account
  const start = await login.GET(new Request(`${CONSOLE}/auth/login?${loginQuery}`))
  expect(start.status).toBe(303)
  const flow = setCookies(start).factorwatch_oidc
  expect(flow).toMatch(/HttpOnly; SameSite=Lax/)
  const authUrl = new URL(start.headers.get('location')!)
  const provider = jar()
  let url = authUrl.href
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: provider.header() } })
    provider.take(res)
    const next = res.headers.get('location')
    expect(next, `provider answered ${res.status} at ${url}: ${await res.clone().text()}`).toBeTruthy()
    url = new URL(next!, url).href
    if (url.startsWith(`${CONSOLE}/auth/callback`)) break
  }
  const back = new URL(url)
  tamper?.(back)
  const done = await callback.GET(new Request(back, { headers: { cookie: `factorwatch_oidc=${cookieValue(flow)}` } }))
  return { authUrl, done }
}

describe('sign-in through a real OpenID Connect provider', () => {
  it('asks for the code with PKCE (S256), state and nonce, and signs a user with a second factor and a role in', async () => {
    const { authUrl, done } = await signIn('ada-otp')
    expect(authUrl.origin).toBe(issuer)
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256')
    for (const p of ['code_challenge', 'state', 'nonce']) expect(authUrl.searchParams.get(p)?.length).toBeGreaterThan(20)
    expect(authUrl.searchParams.get('redirect_uri')).toBe(`${CONSOLE}/auth/callback`)
    expect(authUrl.searchParams.get('prompt')).toBeNull()

    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/security?range=24h')
    const set = setCookies(done)
    expect(set.factorwatch_session).toMatch(/HttpOnly; SameSite=Lax/)
    expect(set.factorwatch_oidc).toMatch(/Max-Age=0/) // the flow is used up
    const session = await openSession(cookieValue(set.factorwatch_session), SECRET, Math.floor(Date.now() / 1000))
    expect(session).toMatchObject({ role: 'security', name: 'Ada', amr: ['pwd', 'otp'], acr: ACR_MFA })
    expect(session!.user).toMatch(/^[0-9a-f]{32}$/)
    // The HMAC of issuer and subject, never the subject ('ada' is not enough to test: a hex hash holds it by chance once in ~140 runs).
    expect(session!.user).toBe(await userHash(SECRET, issuer, 'ada-otp'))
    expect(Math.abs(session!.authTime - Date.now() / 1000)).toBeLessThan(60)
  })

  it('refuses a password-only sign-in and one without a FactorWatch role: no session, a page saying why', async () => {
    for (const [account, reason] of [['bob-password-only', 'no_second_factor'], ['cy-no-role', 'no_role']]) {
      const { done } = await signIn(account)
      expect(done.status).toBe(303)
      expect(done.headers.get('location')).toBe(`/auth/refused?reason=${reason}`)
      expect(setCookies(done).factorwatch_session).toBeUndefined()
    }
  })

  it('refuses a callback whose state was changed (and the code of another flow)', async () => {
    const { done } = await signIn('ada-otp', 'return_to=/', (u) => u.searchParams.set('state', 'forged-state-value-123456789'))
    expect(done.status).toBe(400)
    expect(await done.text()).toMatch(/Sign-in did not complete/)
    expect(setCookies(done).factorwatch_session).toBeUndefined()
  })

  it('reauth=1 asks the provider to authenticate again (prompt=login, max_age=0); unsafe return_to becomes /', async () => {
    const { authUrl, done } = await signIn('ada-otp', 'reauth=1&return_to=//evil.example/x')
    expect(authUrl.searchParams.get('prompt')).toBe('login')
    expect(authUrl.searchParams.get('max_age')).toBe('0')
    expect(done.headers.get('location')).toBe('/')
  })

  it('a sign-in started on another host name of the console moves to CONSOLE_PUBLIC_URL first (its cookies must come back)', async () => {
    const res = await login.GET(new Request('http://127.0.0.1:3000/auth/login?return_to=/slos', { headers: { host: '127.0.0.1:3000' } }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${CONSOLE}/auth/login?return_to=/slos`)
    expect(res.headers.getSetCookie()).toEqual([])
  })

  it('signs out: clears the session and goes to the end_session endpoint with id_token_hint and post_logout_redirect_uri', async () => {
    const { done } = await signIn('ada-otp')
    const set = setCookies(done)
    const cookie = `factorwatch_session=${cookieValue(set.factorwatch_session)}; factorwatch_logout=${cookieValue(set.factorwatch_logout)}`
    const refused = await logout.POST(new Request(`${CONSOLE}/auth/logout`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } }))
    expect(refused.status).toBe(403)
    const out = await logout.POST(new Request(`${CONSOLE}/auth/logout`, { method: 'POST', headers: { cookie, origin: CONSOLE } }))
    expect(out.status).toBe(303)
    const to = new URL(out.headers.get('location')!)
    expect(to.origin).toBe(issuer)
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${CONSOLE}/auth/signed-out`)
    expect(to.searchParams.get('id_token_hint')?.split('.')).toHaveLength(3)
    const cleared = setCookies(out)
    expect(cleared.factorwatch_session).toMatch(/Max-Age=0/)
    expect(cleared.factorwatch_logout).toMatch(/Max-Age=0/)
    // The provider accepts the hint and the redirect URI: its logout confirmation, not an error page.
    const confirm = await fetch(to, { redirect: 'manual' })
    expect(confirm.status).toBe(200)
    expect(await confirm.text()).toContain(`${issuer}/session/end/confirm`)
  })
})
