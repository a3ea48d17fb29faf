import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, startTestIdp, testKeys, totpAccount } from './support/idp-client'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const keys = testKeys()

describe.each(testStores(afterAll))('admin-assisted recovery on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), keys.config)
    if (!t) return void (skip = true)
    ;({ idp, tel } = t)
  })
  afterAll(async () => idp?.close())

  const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
  /** An account with TOTP and a client signed in with password + TOTP (a fresh second factor). */
  const account = (name: string, group: 'admin' | 'workforce' = 'workforce') => totpAccount(idp.url, `${name}-${store}@example.test`.toLowerCase(), group, clk, PASSWORD)
  /** The user hash the IdP gives the account with this address. */
  const hashOf = async (email: string) => keys.userHash((await idp.account(email))!.id)
  const requestRows = async () => idp.db.query<{ id: string; status: string }>('SELECT id, status FROM recovery_requests ORDER BY created_at')

  it('request → another admin approves → one-time link resets the lost factor; the requester cannot approve their own', async ({ skip: s }) => {
    if (skip) return s()
    const lost = await account('lost', 'workforce')
    const alice = await account('alice', 'admin')
    const mallory = await account('mallory', 'admin')
    const before = (await requestRows()).length

    // A wrong password gets the same answer and files nothing.
    const wrong = await client(idp.url).post('/api/v1/recovery/requests', { email: lost.email, password: 'not it at all' })
    expect([wrong.status, wrong.body.status]).toEqual([202, 'received'])
    expect((await requestRows()).length).toBe(before)
    expect((await client(idp.url).post('/api/v1/recovery/requests', { email: lost.email, password: PASSWORD })).status).toBe(202)
    expect((await client(idp.url).post('/api/v1/recovery/requests', { email: mallory.email, password: PASSWORD })).status).toBe(202)

    // Non-admins cannot review; admins see who asked (to call them back), telemetry never does.
    expect((await lost.api.get('/api/v1/admin/recovery/requests')).body.code).toBe('forbidden')
    const list = (await alice.api.get('/api/v1/admin/recovery/requests')).body.requests
    expect(list.length).toBeGreaterThanOrEqual(2)
    expect(list.map((r: { email: string }) => r.email)).toContain(lost.email)
    expect(JSON.stringify(tel.named('mfa.recovery'))).not.toContain('@example.test')
    const rows = await idp.db.query<{ id: string; user_id: string }>("SELECT r.id, r.user_id FROM recovery_requests r WHERE r.status = 'requested' AND r.user_id = $1", [(await idp.account(mallory.email))!.id])
    const mine = rows[0].id

    const self = await mallory.api.post('/api/v1/admin/recovery/decide', { id: mine, decision: 'approve', reason: 'it is me, honest' })
    expect([self.status, self.body.code]).toEqual([403, 'forbidden'])
    expect(self.body.message).toMatch(/cannot decide their own/)
    expect((await alice.api.post('/api/v1/admin/recovery/decide', { id: mine, decision: 'deny', reason: 'no call-back confirmation' })).body.status).toBe('denied')

    const lostId = (await idp.db.query<{ id: string }>("SELECT r.id FROM recovery_requests r WHERE r.status = 'requested' AND r.user_id = $1", [(await idp.account(lost.email))!.id]))[0].id
    const bad = await alice.api.post('/api/v1/admin/recovery/decide', { id: lostId, decision: 'approve', reason: '' })
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/^reason: /)])
    const ok = await alice.api.post('/api/v1/admin/recovery/decide', { id: lostId, decision: 'approve', reason: 'identity confirmed by call-back' })
    expect(ok.body).toMatchObject({ status: 'approved', link: expect.stringContaining('/recover#') })

    const device = client(idp.url)
    const done = await device.post('/api/v1/recovery/complete', { token: ok.body.token })
    expect(done.body.status).toBe('recovered')
    expect((await device.get('/api/v1/me')).body.factors).toEqual([])
    // Fresh session: a new factor can be enrolled at once.
    expect((await device.post('/api/v1/enroll/totp')).status).toBe(200)
    const again = await client(idp.url).post('/api/v1/recovery/complete', { token: ok.body.token })
    expect(again.status).toBeGreaterThanOrEqual(400)

    const reasons = tel.named('mfa.recovery').filter((e) => e['mfa.factor'] === 'admin_recovery').map((e) => e['mfa.reason'])
    expect(reasons).toEqual(expect.arrayContaining(['requested', 'denied', 'approved', 'completed']))
    // Each request's steps pair by its id; a decision names the deciding admin (alice), by hash.
    const steps = (id: string) => tel.named('mfa.recovery').filter((e) => e['mfa.request_id'] === id).map((e) => [e['mfa.reason'], e['mfa.user_hash'], e['mfa.approver_hash']])
    const [lostHash, malloryHash, aliceHash] = [await hashOf(lost.email), await hashOf(mallory.email), await hashOf(alice.email)]
    expect(steps(lostId)).toEqual([['requested', lostHash, undefined], ['approved', lostHash, aliceHash], ['completed', lostHash, aliceHash]])
    expect(steps(mine)).toEqual([['requested', malloryHash, undefined], ['denied', malloryHash, aliceHash]])
    expect(tel.named('mfa.enrollment.changed').filter((e) => e['mfa.reason'] === 'reset').length).toBeGreaterThanOrEqual(1)
    const audit = (await alice.api.get('/api/v1/admin/audit')).body.entries.map((e: { action: string }) => e.action)
    expect(audit).toEqual(expect.arrayContaining(['requested', 'refused_approve', 'denied', 'approved', 'completed']))
  })

  it('an approved link expires after 30 minutes', async ({ skip: s }) => {
    if (skip) return s()
    const late = await account('late', 'workforce')
    const bob = await account('bob', 'admin')
    await client(idp.url).post('/api/v1/recovery/requests', { email: late.email, password: PASSWORD })
    const id = (await idp.db.query<{ id: string }>("SELECT r.id FROM recovery_requests r WHERE r.status = 'requested' AND r.user_id = $1", [(await idp.account(late.email))!.id]))[0].id
    const ok = await bob.api.post('/api/v1/admin/recovery/decide', { id, decision: 'approve', reason: 'confirmed in person' })
    clock += 31 * 60_000
    const r = await client(idp.url).post('/api/v1/recovery/complete', { token: ok.body.token })
    expect([r.status, r.body.code]).toEqual([410, 'flow_expired'])
    expect((await idp.db.query<{ status: string }>('SELECT status FROM recovery_requests WHERE id = $1', [id]))[0].status).toBe('expired')
    expect(tel.named('mfa.recovery').at(-1)).toMatchObject({ 'mfa.reason': 'expired', 'mfa.request_id': id, 'mfa.user_hash': await hashOf(late.email), 'mfa.approver_hash': await hashOf(bob.email) })
  })

  it('turning MFA off needs a second admin; the skip is an mfa.bypass; an override works once', async ({ skip: s }) => {
    if (skip) return s()
    const user = await account('exempt', 'workforce')
    const carol = await account('carol', 'admin')
    const dave = await account('dave', 'admin')
    const asked = await carol.api.post('/api/v1/admin/exemptions', { email: user.email, kind: 'policy_exempt', reason: 'hardware token on order', minutes: 60 })
    expect(asked.status).toBe(202)
    const [userHash, carolHash, daveHash] = [await hashOf(user.email), await hashOf(carol.email), await hashOf(dave.email)]
    const pairing = { 'mfa.request_id': asked.body.id, 'mfa.bypass_kind': 'policy_exempt', 'mfa.user_hash': userHash, 'mfa.user_group': 'workforce', 'mfa.requester_hash': carolHash }
    const steps = () => tel.named('mfa.exemption').filter((e) => e['mfa.request_id'] === asked.body.id)
    expect(steps()).toMatchObject([{ ...pairing, 'mfa.reason': 'requested', 'mfa.duration_s': 3600 }])
    expect(steps()[0]).not.toHaveProperty('mfa.approver_hash')
    const tooLong = await carol.api.post('/api/v1/admin/exemptions', { email: user.email, kind: 'break_glass', reason: 'outage', minutes: 120 })
    expect([tooLong.status, tooLong.body.message]).toEqual([400, expect.stringMatching(/^minutes: break_glass lasts at most 60/)])
    expect((await carol.api.post('/api/v1/admin/exemptions/approve', { id: asked.body.id })).body.message).toMatch(/cannot approve/)
    expect((await user.api.post('/api/v1/admin/exemptions/approve', { id: asked.body.id })).status).toBe(403)
    // Not active yet: the user still needs a second factor.
    expect((await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })).body.next).toBe('totp')
    expect((await dave.api.post('/api/v1/admin/exemptions/approve', { id: asked.body.id })).body.status).toBe('active')
    expect((await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    expect(steps().at(-1)).toMatchObject({ ...pairing, 'mfa.reason': 'approved', 'mfa.approver_hash': daveHash, 'mfa.duration_s': 3600 })
    const bypass = tel.named('mfa.bypass').at(-1)!
    expect(bypass).toMatchObject({ ...pairing, 'mfa.reason': 'policy_exempt', 'mfa.approver_hash': daveHash, 'mfa.duration_s': 3600 })
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.flow_id': bypass['mfa.flow_id'], 'mfa.reason': 'mfa_bypassed' })
    clock += 61 * 60_000 // expired
    expect((await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })).body.next).toBe('totp')
    // The sweeper marks it expired and says so once, however often it runs.
    await idp.sweep()
    await idp.sweep()
    expect(steps().filter((e) => e['mfa.reason'] === 'expired')).toMatchObject([{ ...pairing, 'mfa.approver_hash': daveHash }])
    expect((await idp.db.query<{ status: string }>('SELECT status FROM mfa_exemptions WHERE id = $1', [asked.body.id]))[0].status).toBe('expired')
    expect(steps().map((e) => e['mfa.reason'])).toEqual(['requested', 'approved', 'expired'])

    const carol2 = await account('carol2', 'admin') // fresh sessions after the clock moved
    const dave2 = await account('dave2', 'admin')
    const o = await carol2.api.post('/api/v1/admin/exemptions', { email: user.email, kind: 'admin_override', reason: 'helpdesk ticket 4711', minutes: 30 })
    await dave2.api.post('/api/v1/admin/exemptions/approve', { id: o.body.id })
    expect((await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })).body.status).toBe('authenticated')
    expect((await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })).body.next).toBe('totp')
    expect(tel.named('mfa.bypass').at(-1)).toMatchObject({ 'mfa.reason': 'admin_override', 'mfa.request_id': o.body.id, 'mfa.bypass_kind': 'admin_override', 'mfa.requester_hash': await hashOf(carol2.email), 'mfa.approver_hash': await hashOf(dave2.email), 'mfa.duration_s': 1800 })
    // Used up, not expired: the sweeper says nothing of it.
    clock += 31 * 60_000
    await idp.sweep()
    expect(tel.named('mfa.exemption').filter((e) => e['mfa.request_id'] === o.body.id).map((e) => e['mfa.reason'])).toEqual(['requested', 'approved'])
  })

  it('the same recovery by pages: request form, admin page, one-time link page', async ({ skip: s }) => {
    if (skip) return s()
    const lost = await account('pages-lost', 'workforce')
    const admin = await account('pages-admin', 'admin')
    const form = await client(idp.url).get('/recovery/request')
    expect(form.text).toContain('<label for="password">')
    expect((await client(idp.url).form('/recovery/request', { email: lost.email, password: PASSWORD })).status).toBe(202)
    const adminPage = await admin.api.get('/admin')
    expect(adminPage.text).toContain('Recovery requests')
    const id = /name="id" value="([^"]+)"/.exec(adminPage.text)![1]
    const approved = await admin.api.form('/admin/recovery/decide', { id, reason: 'called back on the HR number', decision: 'approve' })
    const token = /\/recover#([A-Za-z0-9_-]{43})/.exec(approved.text)![1]
    const recoverPage = await client(idp.url).get('/recover')
    expect(recoverPage.text).toContain('<script src="/assets/recover.js"></script>')
    expect((await client(idp.url).get('/assets/recover.js')).text).toContain('location.hash')
    const device = client(idp.url)
    const done = await device.form('/recover', { token })
    expect([done.status, done.headers.get('location')]).toEqual([303, '/'])
    expect((await client(idp.url).form('/recover', { token })).status).toBeGreaterThanOrEqual(400)
    // The sessions from before the recovery are over (test/idp-sessions.test.ts); a non-admin gets no admin page.
    expect((await lost.api.get('/admin')).status).toBe(303)
    expect((await device.get('/admin')).status).toBe(403)
  })
})
