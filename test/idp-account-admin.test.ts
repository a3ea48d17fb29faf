import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, startTestIdp, testKeys, totpAccount } from './support/idp-client'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const keys = testKeys()

/**
 * Account settings (e-mail, password) behind step-up, factor rename/remove by form, and the
 * admin side: ending MFA exemptions, unlocking accounts, the audit log; JSON and pages.
 */
describe.each(testStores(afterAll))('account settings and admin actions on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let box: LocalOutbox
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { stepUpMaxAgeSeconds: 600, ...keys.config })
    if (!t) return void (skip = true)
    ;({ idp, tel, box } = t)
  })
  afterAll(async () => idp?.close())

  const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
  /** An account with TOTP and a client signed in with password + TOTP (a fresh second factor). */
  const account = (name: string, group: 'admin' | 'workforce' = 'workforce') => totpAccount(idp.url, `${name}-${store}@example.test`.toLowerCase(), group, clk, PASSWORD)
  const hashOf = async (email: string) => keys.userHash((await idp.account(email))!.id)
  const signIn = async (email: string, password = PASSWORD) => (await client(idp.url).post('/api/v1/login', { email, password })).body

  it('an exemption can be denied while asked and revoked while active, by another admin, with a reason', async ({ skip: s }) => {
    if (skip) return s()
    const user = await account('exempt-end')
    const carol = await account('carol-end', 'admin')
    const dave = await account('dave-end', 'admin')
    const ask = async () => (await carol.api.post('/api/v1/admin/exemptions', { email: user.email, kind: 'policy_exempt', reason: 'token on order', minutes: 120 })).body.id as string
    const first = await ask()
    const listed = (await dave.api.get('/api/v1/admin/exemptions')).body.exemptions.find((e: { id: string }) => e.id === first)
    expect(listed).toMatchObject({ email: user.email, kind: 'policy_exempt', reason: 'token on order', status: 'requested', requested_by_you: false })
    expect((await dave.api.post('/api/v1/admin/exemptions/end', { id: first, reason: '' })).status).toBe(400)
    expect((await dave.api.post('/api/v1/admin/exemptions/end', { id: first, reason: 'no ticket for this' })).body).toEqual({ status: 'denied' })
    expect((await dave.api.post('/api/v1/admin/exemptions/approve', { id: first })).body.code).toBe('already_active')

    const second = await ask()
    expect((await dave.api.post('/api/v1/admin/exemptions/approve', { id: second })).body.status).toBe('active')
    expect(await signIn(user.email)).toEqual({ status: 'authenticated' })
    expect((await user.api.post('/api/v1/admin/exemptions/end', { id: second, reason: 'not mine to end' })).status).toBe(403)
    expect((await carol.api.post('/api/v1/admin/exemptions/end', { id: second, reason: 'token arrived' })).body).toEqual({ status: 'revoked' })
    expect((await signIn(user.email)).next).toBe('totp')
    const audit = (await carol.api.get('/api/v1/admin/audit')).body.entries.map((e: { action: string }) => e.action)
    expect(audit).toEqual(expect.arrayContaining(['exemption_denied:policy_exempt', 'exemption_revoked:policy_exempt']))
    // mfa.exemption: the admin who ended it is the approver hash (dave denied the first, carol revoked the second).
    const [userHash, carolHash, daveHash] = [await hashOf(user.email), await hashOf(carol.email), await hashOf(dave.email)]
    const steps = (id: string) => tel.named('mfa.exemption').filter((e) => e['mfa.request_id'] === id).map((e) => [e['mfa.reason'], e['mfa.approver_hash']])
    expect(steps(first)).toEqual([['requested', undefined], ['denied', daveHash]])
    expect(steps(second)).toEqual([['requested', undefined], ['approved', daveHash], ['revoked', carolHash]])
    for (const e of tel.named('mfa.exemption').filter((x) => [first, second].includes(String(x['mfa.request_id']))))
      expect(e).toMatchObject({ 'mfa.user_hash': userHash, 'mfa.requester_hash': carolHash, 'mfa.bypass_kind': 'policy_exempt', 'mfa.network': '127.0.0.0/24' })
    // Revoked is final: the sweeper never reports it expired, even once its end has passed.
    clock += 121 * 60_000
    await idp.sweep()
    expect(steps(second).map(([r]) => r)).toEqual(['requested', 'approved', 'revoked'])
  })

  it('an admin unlocks an account locked by wrong codes; never their own; mfa.lockout unlocked', async ({ skip: s }) => {
    if (skip) return s()
    const user = await account('locked')
    const admin = await account('unlocker', 'admin')
    const attacker = client(idp.url)
    const flow = (await attacker.post('/api/v1/login', { email: user.email, password: PASSWORD })).body.flow_id
    for (let i = 0; i < 5; i++) await attacker.post('/api/v1/login/totp', { flow_id: flow, code: '000000' === totpAt(user.secret, clock) ? '111111' : '000000' })
    const locked = await client(idp.url).post('/api/v1/login', { email: user.email, password: PASSWORD })
    expect([locked.status, locked.body.message]).toEqual([423, expect.stringMatching(/locked for this account for 15 min; a passkey still works/)])

    expect((await admin.api.post('/api/v1/admin/unlock', { email: admin.email, reason: 'me' })).status).toBe(400) // reason too short
    expect((await admin.api.post('/api/v1/admin/unlock', { email: admin.email, reason: 'unlock myself' })).body.code).toBe('forbidden')
    expect((await user.api.post('/api/v1/admin/unlock', { email: user.email, reason: 'let me in' })).status).toBe(403)
    const r = await admin.api.post('/api/v1/admin/unlock', { email: user.email, reason: 'called back: it was a stolen password' })
    expect(r.body).toEqual({ status: 'unlocked', codes: true, push: null })
    expect(tel.named('mfa.lockout').at(-1)).toMatchObject({ 'mfa.reason': 'unlocked' })
    expect((await signIn(user.email)).next).toBe('totp')
    expect((await admin.api.post('/api/v1/admin/unlock', { email: user.email, reason: 'again please' })).body.code).toBe('bad_request') // nothing locked
  })

  it('changing the e-mail or password needs a fresh second factor; a password change revokes every session', async ({ skip: s }) => {
    if (skip) return s()
    const user = await account('mover')
    const other = await account('taken')
    const next = `mover-new-${store}@example.test`.toLowerCase()
    expect((await user.api.post('/api/v1/account/email', { email: other.email })).body.code).toBe('email_taken')
    expect((await user.api.post('/api/v1/account/email', { email: 'not-an-address' })).status).toBe(400)
    // The new address must confirm with the code sent to it; until then nothing changes.
    const asked = await user.api.post('/api/v1/account/email', { email: next })
    expect([asked.status, asked.body.status, asked.body.hint]).toEqual([202, 'code_sent', `m•••@example.test`])
    expect((await user.api.post('/api/v1/account/email', { email: next })).body.code).toBe('rate_limited') // one at a time
    expect((await signIn(user.email)).next).toBe('totp')
    const code = /(\d{6})/.exec(box.messagesTo(next).at(-1)!.text)![1]
    const wrongCode = await user.api.post('/api/v1/account/email/verify', { change_id: asked.body.change_id, code: code === '000000' ? '111111' : '000000' })
    expect([wrongCode.status, wrongCode.body.code]).toEqual([401, 'invalid_code'])
    expect((await other.api.post('/api/v1/account/email/verify', { change_id: asked.body.change_id, code })).status).toBe(404) // not theirs
    expect((await user.api.post('/api/v1/account/email/verify', { change_id: asked.body.change_id, code })).body).toEqual({ status: 'changed' })
    expect((await user.api.post('/api/v1/account/email/verify', { change_id: asked.body.change_id, code })).body.code).toBe('code_replayed')
    expect(box.messagesTo(user.email).at(-1)!.text).toMatch(/was changed to m•••@example.test/) // the old address is told
    expect(JSON.stringify(tel.events)).not.toContain(next)
    expect((await signIn(user.email)).code).toBe('invalid_credentials')
    expect((await signIn(next)).next).toBe('totp')

    const otherBrowser = await account('mover-2') // an unrelated account keeps its session
    const second = client(idp.url) // the same user signed in elsewhere
    const f = (await second.post('/api/v1/login', { email: next, password: PASSWORD })).body.flow_id
    clock += 30_000
    expect((await second.post('/api/v1/login/totp', { flow_id: f, code: totpAt(user.secret, clock) })).body.status).toBe('authenticated')
    const wrong = await user.api.post('/api/v1/account/password', { current_password: 'not it at all', new_password: 'a much better one' })
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials'])
    expect((await user.api.post('/api/v1/account/password', { current_password: PASSWORD, new_password: 'short' })).status).toBe(400)
    const changed = await user.api.post('/api/v1/account/password', { current_password: PASSWORD, new_password: 'a much better one' })
    expect(changed.body).toMatchObject({ status: 'changed', sessions_revoked: 3 }) // sign-up's, this one's, the other browser's
    expect((await user.api.get('/api/v1/me')).status).toBe(200) // this browser got a new session
    expect((await second.get('/api/v1/me')).status).toBe(401) // the other one is signed out
    expect((await otherBrowser.api.get('/api/v1/me')).status).toBe(200)
    expect((await signIn(next)).code).toBe('invalid_credentials')
    expect((await signIn(next, 'a much better one')).next).toBe('totp')

    // Ten minutes later the second factor is stale: step-up first.
    clock += 11 * 60_000
    const stale = await user.api.post('/api/v1/account/email', { email: `mover-3-${store}@example.test` })
    expect([stale.status, stale.body.code]).toEqual([403, 'stepup_required'])
  })

  it('pages: account settings, factor rename and remove by form, the admin console', async ({ skip: s }) => {
    if (skip) return s()
    const user = await account('pages-user')
    const home = await user.api.get('/')
    expect(home.text).toContain('<a href="/account">Account settings</a>')
    expect(home.text).toContain(`<label for="rename-${user.totpId}">`)
    const renamed = await user.api.form('/factors/rename', { type: 'totp', id: user.totpId, name: 'Work phone app' })
    expect(renamed.status).toBe(303)
    expect((await user.api.get('/')).text).toContain('<strong>Work phone app</strong>')
    const only = await user.api.form('/factors/remove', { type: 'totp', id: user.totpId })
    expect([only.status, only.text]).toEqual([403, expect.stringContaining('this is your only second factor')])

    const settings = await user.api.get('/account')
    expect(settings.text).toMatch(/<label for="current_password">Current password<\/label>/)
    const movedTo = `pages-moved-${store}@example.test`.toLowerCase() // the IdP keeps addresses lower-cased
    const codePage = await user.api.form('/account/email', { email: movedTo })
    expect([codePage.status, codePage.text]).toEqual([200, expect.stringContaining('<label for="code">Code from the e-mail</label>')])
    const changeId = /name="change_id" value="([^"]+)"/.exec(codePage.text)![1]
    const code = /(\d{6})/.exec(box.messagesTo(movedTo).at(-1)!.text)![1]
    const moved = await user.api.form('/account/email/verify', { change_id: changeId, code, hint: 'p•••@example.test' })
    expect([moved.status, moved.text]).toEqual([200, expect.stringContaining('Your sign-in e-mail address is changed.')])
    const bad = await user.api.form('/account/password', { current_password: 'wrong one here', new_password: 'another good one' })
    expect([bad.status, bad.text]).toEqual([401, expect.stringContaining('role="alert"')])

    const admin = await account('pages-admin2', 'admin')
    const page = await admin.api.get('/admin')
    for (const h of ['Recovery requests', 'Turning MFA off', 'Unlock an account', 'Audit log']) expect(page.text).toContain(`<h2>${h}</h2>`)
    const asked = await admin.api.form('/admin/exemptions', { email: `pages-moved-${store}@example.test`, kind: 'break_glass', minutes: '30', reason: 'outage of the SMS vendor' })
    expect([asked.status, asked.text]).toEqual([200, expect.stringContaining('A second admin must approve it')])
    expect(asked.text).toContain('waiting for a second admin')
    expect(tel.named('mfa.exemption').at(-1)).toMatchObject({ 'mfa.reason': 'requested', 'mfa.bypass_kind': 'break_glass', 'mfa.duration_s': 1800, 'mfa.requester_hash': await hashOf(admin.email), 'mfa.user_hash': await hashOf(`pages-moved-${store}@example.test`) })
    const refused = await admin.api.form('/admin/exemptions', { email: `pages-moved-${store}@example.test`, kind: 'break_glass', minutes: '90', reason: 'too long' })
    expect([refused.status, refused.text]).toEqual([400, expect.stringContaining('break_glass lasts at most 60 minutes')])
    const unlock = await admin.api.form('/admin/unlock', { unlock_email: `pages-moved-${store}@example.test`, reason: 'nothing is locked' })
    expect([unlock.status, unlock.text]).toEqual([400, expect.stringContaining('no second-factor lock in force')])
    expect((await user.api.get('/admin')).status).toBe(403)
  })
})
