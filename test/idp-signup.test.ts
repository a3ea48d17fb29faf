import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { loadKeys } from '../reference-idp/keys'
import { createAdminRecovery } from '../reference-idp/login/admin-recovery'
import { DEFAULT_RECOVERY_POLICY } from '../reference-idp/login/recovery-policy'
import { dummyPasswordHash, hashPassword, scryptForCost, verifyPassword } from '../reference-idp/factors/password'
import { createAudit } from '../reference-idp/login/audit'
import { createSignup } from '../reference-idp/login/signup'
import { DEFAULT_OOB_POLICY } from '../reference-idp/factors/oob'
import { createLocalOutbox } from '../reference-idp/subprocessors/local'
import { migrateStore } from '../reference-idp/store/migrate'
import { openPglite } from '../reference-idp/store/db'
import { createRepo } from '../reference-idp/store/repo'
import type { RunningIdp } from '../reference-idp/server'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, startTestIdp } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'
import { axeViolations, hasChromium, launchChromium } from './support/browser'

/**
 * Account enumeration (OWASP WSTG-IDNT-04, ASVS 4.0.3 V2): sign-up proves the address by a
 * mailed code and answers alike for a taken and a new address; recovery requests do the same
 * work for an unknown address as for a known one.
 */
const PASSWORD = 'correct horse battery staple'
const clock = Date.now()

describe.each(testStores(afterAll))('sign-up without enumeration on %s', (store, open) => {
  let idp: RunningIdp
  let box: LocalOutbox
  let skip = false
  const addr = (name: string) => `${name}-${store}@example.test`.toLowerCase()
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp, box } = t)
  })
  afterAll(async () => idp?.close())
  const users = async () => Number((await idp.db.query<{ n: number }>('SELECT count(*) AS n FROM users'))[0].n)

  it('answers a taken and a new address alike: status, body shape, headers; only the ids differ', async ({ skip: s }) => {
    if (skip) return s()
    await signUp(client(idp.url), addr('owner'), PASSWORD, outboxCode(box))
    const taken = await client(idp.url).post('/api/v1/signup', { email: addr('owner'), password: PASSWORD })
    const fresh = await client(idp.url).post('/api/v1/signup', { email: addr('newcomer'), password: PASSWORD })
    for (const r of [taken, fresh]) {
      expect(r.status).toBe(202)
      expect(Object.keys(r.body).sort()).toEqual(['next', 'signup_id'])
      expect(r.body.next).toBe('/api/v1/signup/verify')
      expect(r.body.signup_id).toMatch(/^[0-9a-f-]{36}$/)
    }
    const headers = (r: typeof taken) => [...r.headers].filter(([k]) => k !== 'date').map(([k, v]) => [k, k === 'set-cookie' ? v.replace(/=[^;]*/, '=') : v])
    expect(headers(taken)).toEqual(headers(fresh))
    expect(taken.text.length).toBe(fresh.text.length)
  })

  it('a taken address never gets an account or a code: its owner gets a notice, and the sign-up can never be verified', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('victim')
    await signUp(client(idp.url), email, PASSWORD, outboxCode(box))
    const before = await users()
    const attacker = client(idp.url)
    const r = await attacker.post('/api/v1/signup', { email, password: 'attacker password 123' })
    expect(r.status).toBe(202)
    const mails = box.messagesTo(email)
    expect(mails.at(-1)!.text).toMatch(/Someone tried to create a FactorWatch account with this e-mail address/)
    expect(mails.at(-1)!.text).not.toMatch(/\d{6}/)
    // Every code is wrong (there is none), five times, then the sign-up is over: like a new address's.
    for (let i = 0; i < 5; i++) {
      const v = await attacker.post('/api/v1/signup/verify', { signup_id: r.body.signup_id, code: String(100000 + i) })
      expect([v.status, v.body.code]).toEqual([401, 'invalid_code'])
    }
    expect((await attacker.post('/api/v1/signup/verify', { signup_id: r.body.signup_id, code: '123456' })).body.code).toBe('flow_expired')
    expect(await users()).toBe(before)
    expect((await attacker.get('/api/v1/me')).status).toBe(401)
    const [row] = await idp.db.query<{ code_mac: string | null; password_hash: string | null; email_enc: string | null }>('SELECT code_mac, password_hash, email_enc FROM pending_signups WHERE id = $1', [r.body.signup_id])
    expect(row).toEqual({ code_mac: null, password_hash: null, email_enc: null })
  })

  it('a new address: the mailed code creates the account and signs in; the code is single-use and wrong codes run out', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('fresh')
    const api = client(idp.url)
    const r = await api.post('/api/v1/signup', { email, password: PASSWORD })
    expect((await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body.code).toBe('invalid_credentials') // no account before the code
    const code = await outboxCode(box)(email)
    const wrong = await api.post('/api/v1/signup/verify', { signup_id: r.body.signup_id, code: code === '000000' ? '000001' : '000000' })
    expect([wrong.status, wrong.body.code, wrong.body.attempts_left]).toEqual([401, 'invalid_code', 4])
    expect((await api.get('/api/v1/me')).status).toBe(401) // no account, no session yet
    const ok = await api.post('/api/v1/signup/verify', { signup_id: r.body.signup_id, code })
    expect([ok.status, ok.body]).toEqual([201, { status: 'created' }])
    expect((await api.get('/api/v1/me')).body).toEqual({ factors: [] })
    expect((await client(idp.url).post('/api/v1/signup/verify', { signup_id: r.body.signup_id, code })).body.code).toBe('code_replayed')
    expect((await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    // Nothing of the sign-up's secrets is kept once it is done.
    expect((await idp.db.query('SELECT password_hash, email_enc FROM pending_signups WHERE id = $1', [r.body.signup_id]))[0]).toEqual({ password_hash: null, email_enc: null })
  })

  it('at most three sign-up mails per address an hour, taken or not, and the refusal is alike too', async ({ skip: s }) => {
    if (skip) return s()
    const taken = addr('busy-owner')
    await signUp(client(idp.url), taken, PASSWORD, outboxCode(box))
    const fresh = addr('busy-new')
    await client(idp.url).post('/api/v1/signup', { email: fresh, password: PASSWORD }) // one mail each so far
    const answers = async (email: string) => {
      const out: unknown[] = []
      for (let i = 0; i < 3; i++) {
        const r = await client(idp.url).post('/api/v1/signup', { email, password: PASSWORD })
        out.push([r.status, r.body.code, r.headers.get('retry-after')])
      }
      return out
    }
    const expected = [[202, undefined, null], [202, undefined, null], [429, 'rate_limited', '3600']]
    expect(await answers(taken)).toEqual(expected)
    expect(await answers(fresh)).toEqual(expected)
  })

  it('the sign-up form leads to a "check your e-mail" page whose code creates the account', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('form')
    const web = client(idp.url)
    const form = await web.get('/signup')
    expect(form.text).not.toContain('user_group')
    const sent = await web.form('/signup', { email, password: PASSWORD })
    expect(sent.status).toBe(200)
    expect(sent.text).toContain('<h1>Check your e-mail</h1>')
    const signupId = /name="signup_id" value="([0-9a-f-]{36})"/.exec(sent.text)![1]
    const wrong = await web.form('/signup/verify', { signup_id: signupId, code: '999999' === (await outboxCode(box)(email)) ? '999998' : '999999' })
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('the code is wrong')
    const done = await web.form('/signup/verify', { signup_id: signupId, code: await outboxCode(box)(email) })
    expect([done.status, done.headers.get('location')]).toEqual([303, '/'])
    expect((await web.get('/')).text).toContain('Your account')
  })

  it('a recovery request answers an unknown address exactly as a known one', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('recovering')
    await signUp(client(idp.url), email, PASSWORD, outboxCode(box))
    const known = await client(idp.url).post('/api/v1/recovery/requests', { email, password: PASSWORD })
    const unknown = await client(idp.url).post('/api/v1/recovery/requests', { email: addr('nobody'), password: PASSWORD })
    expect([unknown.status, unknown.body]).toEqual([known.status, known.body])
    expect(known.status).toBe(202)
  })
})

describe('recovery requests do the same work for an unknown address', () => {
  it('checks the password against a hash made like real ones, once, for known and unknown addresses', async () => {
    const db = await openPglite('memory://')
    await migrateStore(db)
    const keys = loadKeys({ dataDir: 'memory://' })
    const repo = createRepo(db, keys)
    const checked: string[] = []
    const recovery = createAdminRecovery({
      db, repo, keys, telemetry: capture().t, metrics: createIdpMetrics(), region: 'eu-west', policy: DEFAULT_RECOVERY_POLICY, now: () => new Date(), passwordHashing: scryptForCost(14),
      verifyPassword: (password, hash) => (checked.push(hash), verifyPassword(password, hash)),
    })
    const realHash = await hashPassword(PASSWORD, scryptForCost(14))
    await repo.insertUser({ id: '00000000-0000-4000-8000-000000000001', email: 'known@example.test', passwordHash: realHash, userGroup: 'customer' })
    await recovery.request('known@example.test', PASSWORD, { client: 'api' })
    await recovery.request('unknown@example.test', PASSWORD, { client: 'api' })
    expect(checked).toEqual([realHash, await dummyPasswordHash(scryptForCost(14))])
    // The dummy costs what a real hash costs: the same scrypt parameters.
    expect(checked[1].split('$').slice(0, 4)).toEqual(realHash.split('$').slice(0, 4))
    await db.close()
  })
})

describe('sign-up does the same work for a taken address', () => {
  it('hashes the password, writes one pending row and sends one mail either way; only the new address can ever become an account', async () => {
    const db = await openPglite('memory://')
    await migrateStore(db)
    const keys = loadKeys({ dataDir: 'memory://' })
    const repo = createRepo(db, keys)
    const box = createLocalOutbox()
    const hashed: string[] = []
    let at = Date.now()
    const signup = createSignup({
      db, repo, keys, sender: box, audit: createAudit({ db, keys, now: () => new Date(at) }), policy: DEFAULT_OOB_POLICY, telemetry: capture().t, metrics: createIdpMetrics(), region: 'eu-west', now: () => new Date(at),
      accounts: {
        hashNewPassword: async (email, password) => (hashed.push(email), hashPassword(password, scryptForCost(14))),
        createAccount: async () => { throw new Error('not in this test') },
      },
    })
    await repo.insertUser({ id: '00000000-0000-4000-8000-000000000002', email: 'owner@example.test', passwordHash: await hashPassword(PASSWORD, scryptForCost(14)), userGroup: 'customer' })
    const taken = await signup.request('owner@example.test', PASSWORD, { client: 'api' })
    const fresh = await signup.request('new@example.test', PASSWORD, { client: 'api' })
    expect(hashed).toEqual(['owner@example.test', 'new@example.test'])
    expect([box.messagesTo('owner@example.test').length, box.messagesTo('new@example.test').length]).toEqual([1, 1])
    expect(box.messagesTo('owner@example.test')[0].text).toMatch(/^Someone tried to create a FactorWatch account/)
    expect(box.messagesTo('new@example.test')[0].text).toMatch(/code to create your account: \d{6}/)
    const rows = await db.query<{ id: string; code_mac: string | null }>('SELECT id, code_mac FROM pending_signups ORDER BY created_at')
    expect(Object.fromEntries(rows.map((r) => [r.id, r.code_mac === null]))).toEqual({ [taken.signupId]: true, [fresh.signupId]: false })
    // The pending rows keep no address in the clear; once the code expired, not even sealed, nor the hash.
    expect(JSON.stringify(await db.query('SELECT * FROM pending_signups'))).not.toMatch(/example\.test/)
    at += DEFAULT_OOB_POLICY.codeTtlMs
    expect(await signup.sweep()).toBe(0) // kept a day for the hourly quota
    expect(await db.query('SELECT 1 FROM pending_signups WHERE email_enc IS NOT NULL OR password_hash IS NOT NULL')).toHaveLength(0)
    at += 24 * 3600_000
    expect(await signup.sweep()).toBe(2)
    await db.close()
  })
})

describe.runIf(hasChromium())('the "check your e-mail" page in Chromium', () => {
  it('passes axe-core (WCAG 2.2 AA), also with a wrong code shown; the right code signs in', async () => {
    const t = (await startTestIdp(() => openPglite('memory://'), () => new Date()))!
    const browser = await launchChromium()
    try {
      const page = await (await browser.newContext({ bypassCSP: true })).newPage()
      const email = 'axe.check@example.test'
      await page.goto(`${t.idp.url}/signup`)
      await page.getByLabel('E-mail address').fill(email)
      await page.getByLabel(/^Password/).fill(PASSWORD)
      await page.getByRole('button', { name: 'Create account' }).click()
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your e-mail')
      expect(await axeViolations(page)).toEqual([])
      const code = await outboxCode(t.box)(email)
      await page.getByLabel('Code from the e-mail').fill(code === '000000' ? '000001' : '000000')
      await page.getByRole('button', { name: 'Create account' }).click()
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('the code is wrong')
      expect(await axeViolations(page)).toEqual([])
      await page.getByLabel('Code from the e-mail').fill(code)
      await page.getByRole('button', { name: 'Create account' }).click()
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account')
    } finally {
      await browser.close()
      await t.idp.close()
    }
  }, 90_000)
})
