import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { capture, client } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'
import { createLocalOutbox } from '../reference-idp/subprocessors/local'
import { totpAt } from './support/totp'
import { softAuthenticator } from '../reference-idp/traffic/soft-authenticator'

/** [event, outcome, reason] of one flow's events, in emission order. */
const ofFlow = (events: Record<string, string | number>[], flowId: string) => events.filter((e) => e['mfa.flow_id'] === flowId).map((e) => [e['event.name'], e['mfa.outcome'] ?? null, e['mfa.reason'] ?? null])

/**
 * The passkey JSON API and pages over HTTP, with a software authenticator. The IdP listens on
 * 127.0.0.1; as a passkey RP it is `localhost` on the same port (IP addresses cannot be RP IDs).
 */

let idp: RunningIdp
const box = createLocalOutbox()
let tel: ReturnType<typeof capture>
let origin: string

beforeAll(async () => {
  tel = capture()
  idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', progressiveDelayMs: 0, demoHeaders: 'on' }), { telemetry: tel.t, sender: box, log: () => {} })
  origin = idp.url.replace('127.0.0.1', 'localhost')
})
afterAll(async () => idp?.close())

describe('passkey API and pages', () => {
  it('register a passkey, then sign in with it alone; the session works', async () => {
    const auth = softAuthenticator()
    const api = client(idp.url, { 'x-demo-country': 'SE' })
    expect((await signUp(api, 'pk-api@example.test', 'correct horse battery', outboxCode(box))).status).toBe(201)
    const o = await api.post('/api/v1/webauthn/register/options')
    expect(o.body.options.rp).toEqual({ name: 'FactorWatch', id: 'localhost' })
    const reg = await api.post('/api/v1/webauthn/register/verify', { challenge_id: o.body.challenge_id, response: auth.create(o.body.options, { origin }), name: 'Test key' })
    expect([reg.status, reg.body.status, reg.body.passkey.name]).toEqual([201, 'active', 'Test key'])
    expect((await api.get('/api/v1/webauthn/credentials')).body.credentials).toMatchObject([{ id: reg.body.passkey.id, name: 'Test key' }])

    const fresh = client(idp.url, { 'x-demo-country': 'SE' })
    expect((await fresh.get('/api/v1/me')).status).toBe(401)
    const lo = await fresh.post('/api/v1/webauthn/login/options')
    expect(lo.body.options.allowCredentials).toEqual([])
    const done = await fresh.post('/api/v1/webauthn/login/verify', { challenge_id: lo.body.challenge_id, response: auth.get(lo.body.options, { origin }) })
    expect(done.body).toEqual({ status: 'authenticated', flow_id: lo.body.flow_id })
    expect(done.headers.getSetCookie().find((c) => c.startsWith('__Host-fw_session='))).toMatch(/^__Host-fw_session=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/)
    expect((await fresh.get('/api/v1/me')).status).toBe(200)
    expect(ofFlow(tel.events, lo.body.flow_id).map(([n]) => n)).toEqual(['mfa.challenge.issued', 'mfa.login.started', 'mfa.challenge.verified', 'mfa.login.completed'])
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.country': 'SE', 'mfa.client': 'api', 'mfa.reason': 'passwordless' })
    expect(JSON.stringify(tel.events)).not.toContain('pk-api@example.test')

    // With a passkey, the password step asks for it as the second factor, on the same flow.
    const second = client(idp.url)
    const pw = await second.post('/api/v1/login', { email: 'pk-api@example.test', password: 'correct horse battery' })
    expect([pw.body.next, pw.body.factors]).toEqual(['webauthn', ['webauthn']])
    const so = await second.post('/api/v1/webauthn/login/options', { flow_id: pw.body.flow_id })
    expect(so.body.options.allowCredentials).toMatchObject([{ id: reg.body.passkey.id }])
    const sv = await second.post('/api/v1/webauthn/login/verify', { challenge_id: so.body.challenge_id, response: auth.get(so.body.options, { origin }) })
    expect(sv.body).toEqual({ status: 'authenticated', flow_id: pw.body.flow_id })
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.flow_id': pw.body.flow_id, 'mfa.reason': 'mfa_satisfied', 'mfa.factor': 'webauthn' })

    // Rename and remove through the API; removing another time is a 404.
    expect((await api.post('/api/v1/webauthn/credentials/rename', { id: reg.body.passkey.id, name: 'Renamed' })).body).toEqual({ status: 'renamed' })
    // Removing a passkey is sensitive: the sign-up session is not fresh, the passkey sign-in's is.
    const stale = await api.post('/api/v1/webauthn/credentials/remove', { id: reg.body.passkey.id })
    expect([stale.status, stale.body.code]).toEqual([403, 'stepup_required'])
    // A passkey-only account steps up with its passkey.
    const up = await api.post('/api/v1/stepup')
    expect(up.body.next).toBe('webauthn')
    const uo = await api.post('/api/v1/webauthn/login/options', { flow_id: up.body.flow_id })
    expect((await api.post('/api/v1/webauthn/login/verify', { challenge_id: uo.body.challenge_id, response: auth.get(uo.body.options, { origin }) })).body.status).toBe('authenticated')
    expect(tel.named('mfa.stepup').filter((e) => e['mfa.flow_id'] === up.body.flow_id)).toMatchObject([{ 'mfa.reason': 'satisfied', 'mfa.factor': 'webauthn' }])
    expect(tel.named('mfa.login.completed').filter((e) => e['mfa.flow_id'] === up.body.flow_id)).toEqual([])
    // The only second factor cannot be removed; with a second passkey the first one can.
    const only = await second.post('/api/v1/webauthn/credentials/remove', { id: reg.body.passkey.id })
    expect([only.status, only.body.code]).toEqual([403, 'forbidden'])
    const spare = softAuthenticator()
    const o2 = await second.post('/api/v1/webauthn/register/options')
    expect((await second.post('/api/v1/webauthn/register/verify', { challenge_id: o2.body.challenge_id, response: spare.create(o2.body.options, { origin }), name: 'Spare key' })).status).toBe(201)
    expect((await second.post('/api/v1/webauthn/credentials/remove', { id: reg.body.passkey.id })).body).toEqual({ status: 'removed' })
    expect((await second.post('/api/v1/webauthn/credentials/remove', { id: reg.body.passkey.id })).status).toBe(404)
  })

  it('after too many wrong codes only the passkey is open: a password holder cannot lock its owner out', async () => {
    const auth = softAuthenticator()
    const email = 'pk-lock@example.test'
    const api = client(idp.url)
    await signUp(api, email, 'correct horse battery', outboxCode(box))
    const t = await api.post('/api/v1/enroll/totp')
    const secret = new URL(t.body.otpauth_uri).searchParams.get('secret')!
    expect((await api.post('/api/v1/enroll/totp/verify', { credential_id: t.body.credential_id, code: totpAt(secret, Date.now()) })).body.status).toBe('active')
    // Adding the passkey needs a fresh second factor: sign in with the app's next code.
    const fresh = client(idp.url)
    const f = (await fresh.post('/api/v1/login', { email, password: 'correct horse battery' })).body.flow_id
    expect((await fresh.post('/api/v1/login/totp', { flow_id: f, code: totpAt(secret, Date.now() + 30_000) })).body.status).toBe('authenticated')
    const o = await fresh.post('/api/v1/webauthn/register/options')
    expect((await fresh.post('/api/v1/webauthn/register/verify', { challenge_id: o.body.challenge_id, response: auth.create(o.body.options, { origin }), name: 'Laptop' })).status).toBe(201)

    // Someone with the password guesses codes until the account's codes lock.
    const attacker = client(idp.url)
    const flow = (await attacker.post('/api/v1/login', { email, password: 'correct horse battery' })).body.flow_id
    const wrong = totpAt(secret, Date.now()) === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) await attacker.post('/api/v1/login/totp', { flow_id: flow, code: wrong })
    expect(tel.named('mfa.lockout').at(-1)).toMatchObject({ 'mfa.flow_id': flow, 'mfa.reason': 'too_many_failures' })

    // The owner signs in: the password step offers the passkey alone, and codes stay refused on that flow.
    const owner = client(idp.url)
    const pw = await owner.post('/api/v1/login', { email, password: 'correct horse battery' })
    expect([pw.status, pw.body.next, pw.body.factors, pw.body.locked]).toEqual([200, 'webauthn', ['webauthn'], true])
    const code = await owner.post('/api/v1/login/totp', { flow_id: pw.body.flow_id, code: totpAt(secret, Date.now() + 60_000) })
    expect([code.status, code.body.code]).toEqual([423, 'locked_out'])
    const lo = await owner.post('/api/v1/webauthn/login/options', { flow_id: pw.body.flow_id })
    const done = await owner.post('/api/v1/webauthn/login/verify', { challenge_id: lo.body.challenge_id, response: auth.get(lo.body.options, { origin }) })
    expect(done.body).toEqual({ status: 'authenticated', flow_id: pw.body.flow_id })
    // And passwordless sign-in works throughout the lock.
    const pl = await client(idp.url).post('/api/v1/webauthn/login/options')
    expect((await client(idp.url).post('/api/v1/webauthn/login/verify', { challenge_id: pl.body.challenge_id, response: auth.get(pl.body.options, { origin }) })).body.status).toBe('authenticated')
    // Step-up during the lock: the guessing came from a device never signed in with, so it locked
    // unknown devices only; the owner's own signed-in device keeps its app codes (passkey first).
    expect((await owner.post('/api/v1/stepup')).body).toMatchObject({ next: 'webauthn', factors: ['webauthn', 'totp'] })
  })

  it('bad input gets a 400 naming the field; no session gets a 401; the challenge is single-use', async () => {
    const anon = client(idp.url)
    expect((await anon.post('/api/v1/webauthn/register/options')).body.code).toBe('unauthenticated')
    expect((await anon.get('/api/v1/webauthn/credentials')).status).toBe(401)
    const cases: [unknown, RegExp][] = [
      [{ challenge_id: 'nope', response: {} }, /^challenge_id: /],
      [{ challenge_id: '00000000-0000-4000-8000-000000000000', response: { id: 'a+b', rawId: 'a', type: 'public-key', response: {} } }, /^response\.id: expected a base64url string/],
      [{ challenge_id: '00000000-0000-4000-8000-000000000000', response: { id: 'ab', rawId: 'ab', type: 'password', response: {} } }, /^response\.type: /],
    ]
    for (const [body, message] of cases) {
      const r = await anon.post('/api/v1/webauthn/login/verify', body)
      expect([r.status, r.body.code]).toEqual([400, 'bad_request'])
      expect(r.body.message).toMatch(message)
    }
    expect((await anon.post('/api/v1/webauthn/login/options', { flow_id: '00000000-0000-4000-8000-000000000000' })).body.code).toBe('flow_not_found')

    const auth = softAuthenticator()
    const api = client(idp.url)
    await signUp(api, 'pk-replay@example.test', 'correct horse battery', outboxCode(box))
    const o = await api.post('/api/v1/webauthn/register/options')
    await api.post('/api/v1/webauthn/register/verify', { challenge_id: o.body.challenge_id, response: auth.create(o.body.options, { origin }) })
    const lo = await anon.post('/api/v1/webauthn/login/options')
    const assertion = auth.get(lo.body.options, { origin })
    expect((await anon.post('/api/v1/webauthn/login/verify', { challenge_id: lo.body.challenge_id, response: assertion })).status).toBe(200)
    const replay = await client(idp.url).post('/api/v1/webauthn/login/verify', { challenge_id: lo.body.challenge_id, response: assertion })
    expect([replay.status, replay.body.code, replay.body.reason]).toEqual([401, 'code_replayed', 'code_replayed'])
  })

  it('pages load their scripts as same-origin files under the CSP', async () => {
    const login = await fetch(`${idp.url}/login/passkey`)
    const html = await login.text()
    expect(login.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(html).toContain('<script src="/assets/simplewebauthn-browser.js" defer></script>')
    expect(html).toContain('<button type="button" id="passkey-login"')
    expect(html).not.toMatch(/<script>/)
    for (const [path, marker] of [['/assets/simplewebauthn-browser.js', 'SimpleWebAuthnBrowser'], ['/assets/passkeys.js', '/api/v1/webauthn/login/verify']]) {
      const res = await fetch(`${idp.url}${path}`)
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8'])
      expect(await res.text()).toContain(marker)
    }
    expect((await fetch(`${idp.url}/passkeys`, { redirect: 'manual' })).headers.get('location')).toBe('/login')
    expect(await (await fetch(`${idp.url}/login/passkey?flow_id="><script>`)).text()).not.toContain('data-flow-id')
  })
})
