import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { newServiceKeyPair, signServiceAssertion } from '../reference-idp/service-auth/assertion'
import { client, mailedCode, provision, serviceAssertion, startTestIdp, totpAccount } from './support/idp-client'
import { signUp } from './support/signup'

/**
 * The account-takeover chains of the ASVS issue, replayed as an attacker would: each now fails
 * at its first step. (1) sign up as an admin, then approve a recovery you filed with only the
 * victim's password; (2) two self-made admins turn the victim's MFA off. Plus what replaced
 * self-assignment: provisioning by the service token, admin power by two admins, admins
 * without a second factor sent to enroll, and the phishing-resistant admin policy.
 */
const PASSWORD = 'correct horse battery'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }

describe.each(testStores(afterAll))('account-takeover chains on %s', (store, open) => {
  let idp: RunningIdp
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp } = t)
  })
  afterAll(async () => idp?.close())
  const addr = (name: string) => `${name}-${store}@example.test`.toLowerCase()
  const groupOf = async (email: string) => (await idp.account(email))?.user_group

  it('chain 1 fails at its first step: sign-up cannot make an admin, and changes nothing', async ({ skip: s }) => {
    if (skip) return s()
    const attacker = client(idp.url)
    const r = await attacker.post('/api/v1/signup', { email: addr('mallory'), password: PASSWORD, user_group: 'admin' })
    expect([r.status, r.body.code]).toEqual([400, 'bad_request'])
    expect(r.body.message).toBe('user_group: account types are assigned by an admin, not chosen at sign-up')
    // Nothing was started or created.
    expect(await idp.account(addr('mallory'))).toBeUndefined()
    // A form post with the old field is refused the same way.
    const form = await client(idp.url).form('/signup', { email: addr('mallory-form'), password: PASSWORD, user_group: 'admin' })
    expect(form.status).toBe(400)
  })

  it('chain 1, next steps: nobody makes themselves an admin through the provisioning API', async ({ skip: s }) => {
    if (skip) return s()
    const self = await totpAccount(idp.url, addr('eve'), 'workforce', clk, PASSWORD)
    const asSelf = await self.api.post('/api/v1/admin/account-type', { email: addr('eve'), user_group: 'admin', reason: 'please' })
    expect([asSelf.status, asSelf.body.code]).toEqual([403, 'forbidden'])
    const asEve = (bearer: string) => client(idp.url, { authorization: `Bearer ${bearer}` }).post('/api/v1/admin/account-type', { email: addr('eve'), user_group: 'admin', reason: 'please' })
    // A static token (what the IdP took before), an assertion signed by a key the IdP does not
    // trust, and an assertion replayed: each refused, nothing changed.
    const staticToken = await asEve('test-service-token-0123456789abcdef0123456789')
    expect([staticToken.status, staticToken.body.message]).toEqual([401, expect.stringMatching(/not a compact JWS/)])
    const rogue = await asEve(signServiceAssertion(newServiceKeyPair('tests').privateJwk, clock))
    expect([rogue.status, rogue.body.message]).toEqual([401, expect.stringMatching(/bad signature/)])
    const once = serviceAssertion(clock)
    await provision(idp.url, addr('eve'), 'vendor')
    expect((await client(idp.url, { authorization: `Bearer ${once}` }).post('/api/v1/admin/account-type', { email: addr('eve'), user_group: 'workforce', reason: 'back' })).status).toBe(200)
    const replay = await asEve(once)
    expect([replay.status, replay.body.message]).toEqual([401, expect.stringMatching(/already used/)])
    expect(await groupOf(addr('eve'))).toBe('workforce')
  })

  it('an admin without a second factor is sent to enroll: cannot approve a recovery or ask for an exemption', async ({ skip: s }) => {
    if (skip) return s()
    const victim = await totpAccount(idp.url, addr('victim'), 'workforce', clk, PASSWORD)
    const bare = client(idp.url)
    await signUp(bare, addr('bare-admin'), PASSWORD, mailedCode(idp.url))
    await provision(idp.url, addr('bare-admin'), 'admin')
    // The attacker who knows the victim's password files a recovery request...
    expect((await client(idp.url).post('/api/v1/recovery/requests', { email: victim.email, password: PASSWORD })).status).toBe(202)
    const id = (await idp.db.query<{ id: string }>("SELECT id FROM recovery_requests WHERE user_id = $1 AND status = 'requested'", [(await idp.account(victim.email))!.id]))[0].id
    // ...and an admin who never enrolled a second factor cannot approve it (this passed before).
    const decide = await bare.post('/api/v1/admin/recovery/decide', { id, decision: 'approve', reason: 'looks fine to me' })
    expect([decide.status, decide.body.code]).toEqual([403, 'enrollment_required'])
    expect(decide.body.message).toMatch(/needs an admin with a second factor/)
    const exempt = await bare.post('/api/v1/admin/exemptions', { email: victim.email, kind: 'policy_exempt', reason: 'travel', minutes: 60 })
    expect([exempt.status, exempt.body.code]).toEqual([403, 'enrollment_required'])
    expect((await idp.db.query<{ status: string }>('SELECT status FROM recovery_requests WHERE id = $1', [id]))[0].status).toBe('requested')
    // The admin page says the same, with a way to enroll.
    const page = await bare.get('/admin')
    expect([page.status, page.text]).toEqual([403, expect.stringContaining('Add a second factor first')])
  })

  it('admin power needs two admins: the asker and the subject cannot approve; a second admin can; all audited', async ({ skip: s }) => {
    if (skip) return s()
    const alice = await totpAccount(idp.url, addr('alice'), 'admin', clk, PASSWORD)
    const bob = await totpAccount(idp.url, addr('bob'), 'admin', clk, PASSWORD)
    const carol = await totpAccount(idp.url, addr('carol'), 'workforce', clk, PASSWORD)
    // One admin is enough for a non-admin type.
    expect((await alice.api.post('/api/v1/admin/account-type', { email: carol.email, user_group: 'vendor', reason: 'contractor now' })).body.status).toBe('applied')
    expect(await groupOf(carol.email)).toBe('vendor')
    const ask = await alice.api.post('/api/v1/admin/account-type', { email: carol.email, user_group: 'admin', reason: 'joins the on-call rota' })
    expect([ask.status, ask.body.status]).toEqual([202, 'requested'])
    expect(await groupOf(carol.email)).toBe('vendor')
    const own = await alice.api.post('/api/v1/admin/account-type/decide', { id: ask.body.id, decision: 'approve', reason: 'me again' })
    expect([own.status, own.body.message]).toEqual([403, 'the admin who asked cannot approve: a second admin must'])
    const bad = await bob.api.post('/api/v1/admin/account-type/decide', { id: ask.body.id, decision: 'maybe', reason: 'x' })
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/^decision: /)])
    expect((await bob.api.get('/api/v1/admin/account-type/requests')).body.requests.map((r: { id: string }) => r.id)).toContain(ask.body.id)
    expect((await bob.api.post('/api/v1/admin/account-type/decide', { id: ask.body.id, decision: 'approve', reason: 'confirmed with the team lead' })).body.status).toBe('applied')
    expect(await groupOf(carol.email)).toBe('admin')
    const again = await bob.api.post('/api/v1/admin/account-type/decide', { id: ask.body.id, decision: 'deny', reason: 'too late' })
    expect(again.body.code).toBe('already_active')
    // Nobody changes their own type, even an admin.
    expect((await alice.api.post('/api/v1/admin/account-type', { email: alice.email, user_group: 'customer', reason: 'leaving' })).body.code).toBe('forbidden')
    const audit = (await alice.api.get('/api/v1/admin/audit')).body.entries.map((e: { action: string }) => e.action)
    expect(audit).toEqual(expect.arrayContaining(['account_type_applied:workforce->vendor', 'account_type_requested:vendor->admin', 'account_type_decision_refused', 'account_type_applied:admin']))
    expect(JSON.stringify((await alice.api.get('/api/v1/admin/audit')).body)).not.toContain('@example.test')
  })

  it('a provisioning service applies at once with a signed assertion per call, and bad input changes nothing', async ({ skip: s }) => {
    if (skip) return s()
    const ops = { post: (path: string, body: unknown) => client(idp.url, { authorization: `Bearer ${serviceAssertion(clock)}` }).post(path, body) }
    await signUp(client(idp.url), addr('dave'), PASSWORD, mailedCode(idp.url))
    expect((await ops.post('/api/v1/admin/account-type', { email: addr('dave'), user_group: 'root', reason: 'x' })).body.message).toMatch(/^user_group: /)
    expect((await ops.post('/api/v1/admin/account-type', { email: addr('nobody'), user_group: 'admin', reason: 'new hire' })).body.code).toBe('not_found')
    expect(await groupOf(addr('dave'))).toBe('customer')
    expect((await ops.post('/api/v1/admin/account-type', { email: addr('dave'), user_group: 'admin', reason: 'new hire' })).body.status).toBe('applied')
    expect(await groupOf(addr('dave'))).toBe('admin')
  })
})

describe.each(testStores(afterAll))('IDP_ADMIN_FACTOR=phishing_resistant on %s', (store, open) => {
  let idp: RunningIdp
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { adminFactor: 'phishing_resistant', adminEmails: `first-admin-${store}@example.test`.toLowerCase() })
    if (!t) return void (skip = true)
    ;({ idp } = t)
  })
  afterAll(async () => idp?.close())

  it('an admin with only TOTP is sent to add a passkey; a configured first admin is an admin from sign-up', async ({ skip: s }) => {
    if (skip) return s()
    const first = await totpAccount(idp.url, `first-admin-${store}@example.test`.toLowerCase(), 'admin', clk, PASSWORD).catch((e: Error) => e)
    // totpAccount provisions 'admin' too: the configured address already is one, so that call answers already_active.
    expect(first).toBeInstanceOf(Error)
    expect((first as Error).message).toMatch(/already_active/)
    const group = (await idp.account(`first-admin-${store}@example.test`.toLowerCase()))?.user_group
    expect(group).toBe('admin')
    const totpAdmin = await totpAccount(idp.url, `totp-admin-${store}@example.test`.toLowerCase(), 'admin', clk, PASSWORD)
    const r = await totpAdmin.api.get('/api/v1/admin/audit')
    expect([r.status, r.body.code]).toEqual([403, 'enrollment_required'])
    expect(r.body.message).toMatch(/needs a passkey/)
  })
})
