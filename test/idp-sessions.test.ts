import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { client, startTestIdp, totpAccount } from './support/idp-client'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }

/**
 * ASVS 3.3.4: a user sees their open sessions and ends one or all others. NIST SP 800-63B
 * 6.1.2.3: an account recovered by an admin keeps no session, push phone or remembered device
 * from before.
 */
describe.each(testStores(afterAll))('sessions of an account on %s', (store, open) => {
  let idp: RunningIdp
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp } = t)
  })
  afterAll(async () => idp?.close())
  const email = (name: string) => `${name}-${store}@example.test`.toLowerCase()
  /** Sign in again with password + a new TOTP code, from a client with its own headers. */
  const signIn = async (a: { email: string; secret: string }, headers: Record<string, string> = {}) => {
    clk.advance(30_000)
    const c = client(idp.url, headers)
    const flow = (await c.post('/api/v1/login', { email: a.email, password: PASSWORD })).body.flow_id
    expect((await c.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(a.secret, clock) })).body.status).toBe('authenticated')
    return c
  }
  const sessionCookie = (c: ReturnType<typeof client>) => [...c.jar].find(([k]) => k.endsWith('fw_session'))![1]

  it('lists open sessions by public id with client, country and device, never a secret, hash or address', async ({ skip: s }) => {
    if (skip) return s()
    const a = await totpAccount(idp.url, email('lister'), 'workforce', clk, PASSWORD)
    const firefox = await signIn(a, { 'user-agent': FIREFOX })
    const r = await a.api.get('/api/v1/sessions')
    expect(r.status).toBe(200)
    const list = r.body.sessions as { id: string; current: boolean; device: string; client: string; created_at: string; last_used_at: string }[]
    expect(list).toHaveLength(3) // sign-up, the API client, Firefox
    expect(list.filter((x) => x.current)).toHaveLength(1)
    for (const x of list) expect(x).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), client: 'api', created_at: expect.any(String), last_used_at: expect.any(String) })
    expect(list.map((x) => x.device)).toContain('Firefox on Linux')
    const text = r.text
    for (const c of [a.api, a.setup, firefox]) {
      expect(text).not.toContain(sessionCookie(c))
      expect(text).not.toContain(createHash('sha256').update(sessionCookie(c)).digest('hex'))
    }
    expect(text).not.toMatch(/127\.0\.0\.1|::1/)
    expect((await client(idp.url).get('/api/v1/sessions')).status).toBe(401)
  })

  it('ends one other session (fresh second factor needed), never the current one or someone else\'s', async ({ skip: s }) => {
    if (skip) return s()
    const a = await totpAccount(idp.url, email('revoker'), 'workforce', clk, PASSWORD)
    const b = await totpAccount(idp.url, email('bystander'), 'workforce', clk, PASSWORD)
    const list = (await a.api.get('/api/v1/sessions')).body.sessions as { id: string; current: boolean }[]
    const mine = list.find((x) => x.current)!.id
    const setupId = list.find((x) => !x.current)!.id
    // The sign-up session passed no second factor: it cannot end the signed-in one.
    const stale = await a.setup.post('/api/v1/sessions/revoke', { id: mine })
    expect([stale.status, stale.body.code]).toEqual([403, 'stepup_required'])
    expect((await a.api.get('/api/v1/me')).status).toBe(200)
    // Someone else's session id and the current one are not found; a malformed id is a 400.
    const other = (await b.api.get('/api/v1/sessions')).body.sessions[0].id
    expect((await a.api.post('/api/v1/sessions/revoke', { id: other })).status).toBe(404)
    expect((await b.api.get('/api/v1/me')).status).toBe(200)
    expect((await a.api.post('/api/v1/sessions/revoke', { id: mine })).status).toBe(404)
    expect((await a.api.post('/api/v1/sessions/revoke', { id: 'x' })).status).toBe(400)
    const done = await a.api.post('/api/v1/sessions/revoke', { id: setupId })
    expect([done.status, done.body.status]).toEqual([200, 'revoked'])
    expect((await a.setup.get('/api/v1/me')).status).toBe(401)
    expect((await a.api.get('/api/v1/me')).status).toBe(200)
    expect((await a.api.get('/api/v1/sessions')).body.sessions.map((x: { id: string }) => x.id)).toEqual([mine])
  })

  it('signs out everywhere else, over JSON and from the page, keeping the current session', async ({ skip: s }) => {
    if (skip) return s()
    const a = await totpAccount(idp.url, email('everywhere'), 'workforce', clk, PASSWORD)
    const [p1, p2] = [await signIn(a), await signIn(a, { 'user-agent': FIREFOX })]
    const r = await a.api.post('/api/v1/sessions/revoke-others')
    expect([r.status, r.body.revoked]).toEqual([200, 3])
    for (const c of [a.setup, p1, p2]) expect((await c.get('/api/v1/me')).status).toBe(401)
    expect((await a.api.get('/api/v1/me')).status).toBe(200)

    const p3 = await signIn(a, { 'user-agent': FIREFOX })
    const html = (await a.api.get('/sessions')).text
    expect(html).toContain('Firefox on Linux')
    expect(html).toContain('action="/sessions/revoke-others"')
    expect(html).toContain('action="/sessions/revoke"')
    const page = await a.api.form('/sessions/revoke-others', {})
    expect([page.status, page.text]).toEqual([200, expect.stringContaining('Signed out 1 other session.')])
    expect((await p3.get('/api/v1/me')).status).toBe(401)
    expect((await a.api.get('/api/v1/me')).status).toBe(200)
  })

  it('after an admin recovery completes, old sessions, remembered devices and push phones are gone', async ({ skip: s }) => {
    if (skip) return s()
    const victim = await totpAccount(idp.url, email('victim'), 'workforce', clk, PASSWORD)
    const admin = await totpAccount(idp.url, email('helper'), 'admin', clk, PASSWORD)
    // A remembered device (e.g. the attacker's) skips the second factor before the recovery...
    clk.advance(30_000)
    const remembered = client(idp.url)
    const flow = (await remembered.post('/api/v1/login', { email: victim.email, password: PASSWORD })).body.flow_id
    await remembered.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(victim.secret, clock), remember_device: true })
    expect((await remembered.post('/api/v1/login', { email: victim.email, password: PASSWORD })).body.status).toBe('authenticated')
    const [{ id: userId }] = await idp.db.query<{ id: string }>('SELECT user_id AS id FROM totp_credentials WHERE id = $1', [victim.totpId])
    await idp.db.query("INSERT INTO push_devices (id, user_id, platform, token_enc, device_public_key, name, status) VALUES ($1, $2, 'ios', 'x', 'k', 'old phone', 'active')", [`push-${store}`, userId])

    expect((await client(idp.url).post('/api/v1/recovery/requests', { email: victim.email, password: PASSWORD })).status).toBe(202)
    const req = ((await admin.api.get('/api/v1/admin/recovery/requests')).body.requests as { id: string; email: string }[]).find((r) => r.email === victim.email)!
    const ok = await admin.api.post('/api/v1/admin/recovery/decide', { id: req.id, decision: 'approve', reason: 'identity confirmed by call-back' })
    const device = client(idp.url)
    expect((await device.post('/api/v1/recovery/complete', { token: ok.body.token })).body.status).toBe('recovered')

    // ...after it, every old session is refused, the new one works,
    for (const c of [victim.api, victim.setup, remembered]) expect((await c.get('/api/v1/me')).status).toBe(401)
    expect((await device.get('/api/v1/me')).status).toBe(200)
    expect(await idp.db.query('SELECT id FROM push_devices WHERE user_id = $1', [userId])).toEqual([])
    // ...and once a new factor is set up, the remembered device no longer skips it.
    const e = await device.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    clk.advance(30_000)
    expect((await device.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock) })).body.status).toBe('active')
    const again = await remembered.post('/api/v1/login', { email: victim.email, password: PASSWORD })
    expect(again.body).toMatchObject({ flow_id: expect.any(String), next: 'totp' })
    expect(again.body.status).toBeUndefined()
  })
})
