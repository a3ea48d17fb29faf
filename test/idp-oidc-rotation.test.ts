import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { randomBytes } from 'node:crypto'
import { DEFAULT_ROLES_CLAIM } from '../contract/access'
import { loadIdpConfig } from '../reference-idp/config'
import { newSigningKey } from '../reference-idp/oidc/settings'
import { startIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, serviceAssertion, TEST_SERVICE_KEYS } from './support/idp-client'
import { browser, discover, OIDC_CLIENTS, PASSWORD, signInWithTotp, startOidcIdp, type RunningOidcIdp } from './support/oidc-rp'

/**
 * Signing key rotation (a JWKS whose first key signs, the others still verify) across a restart on
 * the same store, and the provider's persistent state there; roles and provisioning over the API.
 */
const KEY1 = newSigningKey('key-1')
const KEY2 = newSigningKey('key-2')
const IDP_KEYS = { secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }

describe.each(testStores(afterAll))('provider keys, state and roles on %s', (_store, open) => {
  let t: RunningOidcIdp
  let skip = false
  beforeAll(async () => {
    const started = await startOidcIdp(open, { oidcSigningKeys: JSON.stringify({ keys: [KEY1] }), ...IDP_KEYS })
    if (!started) return void (skip = true)
    t = started
  })
  afterAll(async () => t?.idp.close())

  it('after key rotation, a token signed by the old key still verifies through JWKS, new tokens use the new key, and the provider state stays in the store', async ({ skip: s }) => {
    if (skip) return s()
    const b = browser(t.idp.url)
    const a = await t.authorization()
    await b.follow(a.url)
    const first = await t.account(['operator'])
    const oldTokens = await t.tokens((await signInWithTotp(b, first.email, first.secret)).left!, a)
    const oldToken = oldTokens.id_token!
    expect(decodeProtectedHeader(oldToken).kid).toBe('key-1')
    // The same store, restarted with a new first key; the old one stays to verify.
    const db = t.idp.db
    await t.idp.close()
    t.idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', telemetry: 'off', serviceKeys: TEST_SERVICE_KEYS, passwordCost: 14, oidcClients: OIDC_CLIENTS, ...IDP_KEYS, oidcSigningKeys: JSON.stringify({ keys: [KEY2, KEY1] }) }), { db, telemetry: capture().t, log: () => {} })
    const jwks = createRemoteJWKSet(new URL(`${t.idp.url}/oidc/jwks`))
    // The old token names the old port as issuer; its signature is what rotation must keep valid.
    expect((await jwtVerify(oldToken, jwks, { audience: 'factorwatch-console' })).protectedHeader.kid).toBe('key-1')
    t.rp = await discover(t.idp.url)
    const b2 = browser(t.idp.url)
    const a2 = await t.authorization()
    await b2.follow(a2.url)
    const second = await t.account(['operator', 'admin'])
    const fresh = (await t.tokens((await signInWithTotp(b2, second.email, second.secret)).left!, a2)).id_token!
    expect(decodeProtectedHeader(fresh).kid).toBe('key-2')
    const verified = await jwtVerify(fresh, jwks, { issuer: `${t.idp.url}/oidc`, audience: 'factorwatch-console' })
    expect(verified.payload[DEFAULT_ROLES_CLAIM]).toEqual(['operator', 'admin'])
    // The provider's grants of both sign-ins are in the store, the first one from before the restart.
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM oidc_payloads WHERE model = 'Grant'")
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(2)
  })

  it('roles: a service assertion or an admin with a fresh second factor sets them (never their own), nothing without one, bad input refused; the claim follows; provisioning is idempotent', async ({ skip: s }) => {
    if (skip) return s()
    const target = await t.account(['viewer'])
    const call = (body: unknown, headers: Record<string, string> = {}) => fetch(`${t.idp.url}/api/v1/admin/roles`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const bearer = () => ({ authorization: `Bearer ${serviceAssertion()}` })
    const set = await call({ email: target.email, roles: ['security'], reason: 'moved to the security team' }, bearer())
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({ roles: ['security'], before: ['viewer'] })
    // Refused: no credentials, an unknown role, an unknown account; nothing changed.
    expect((await call({ email: target.email, roles: ['admin'], reason: 'no one asked' })).status).toBe(401)
    const bad = await call({ email: target.email, roles: ['root'], reason: 'typo' }, bearer())
    expect(bad.status).toBe(400)
    expect((await bad.json()).message).toMatch(/roles/)
    expect((await call({ email: 'nobody@example.test', roles: ['viewer'], reason: 'missing' }, bearer())).status).toBe(404)
    // The ID token carries the new roles.
    const b = browser(t.idp.url)
    const a = await t.authorization()
    await b.follow(a.url)
    const claims = (await t.tokens((await signInWithTotp(b, target.email, target.secret)).left!, a)).claims()!
    expect(claims[DEFAULT_ROLES_CLAIM]).toEqual(['security'])
    // Provisioning is idempotent: the same password and secret again change nothing but say "updated".
    const again = await fetch(`${t.idp.url}/api/v1/admin/provision`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ email: target.email, password: PASSWORD, roles: ['security'], totp_secret: target.secret }) })
    expect(await again.json()).toEqual({ status: 'updated', totp_secret: target.secret })
    // An admin with a fresh second factor (signed in with password + TOTP just now) sets roles, never their own.
    const admin = await t.account([])
    const made = await fetch(`${t.idp.url}/api/v1/admin/account-type`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ email: admin.email, user_group: 'admin', reason: 'test admin' }) })
    expect(made.status).toBe(200)
    const ab = browser(t.idp.url)
    await signInWithTotp(ab, admin.email, admin.secret)
    const byAdmin = await ab.api('/api/v1/admin/roles', { email: target.email, roles: ['operator'], reason: 'on call rota' })
    expect(byAdmin).toEqual({ status: 200, body: { roles: ['operator'], before: ['security'] } })
    expect((await ab.api('/api/v1/admin/roles', { email: admin.email, roles: ['admin'], reason: 'myself' })).status).toBe(403)
    // A signed-in account that is not an IdP admin is refused.
    const plain = browser(t.idp.url)
    const other = await t.account(['viewer'])
    await signInWithTotp(plain, other.email, other.secret)
    expect((await plain.api('/api/v1/admin/roles', { email: admin.email, roles: ['admin'], reason: 'grab' })).status).toBe(403)
    const noBearer = await fetch(`${t.idp.url}/api/v1/admin/provision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x@example.test', password: PASSWORD, roles: [] }) })
    expect(noBearer.status).toBe(401)
  })
})
