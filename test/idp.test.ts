import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, mailedCode, provision, startTestIdp, testKeys, totpAccount } from './support/idp-client'
import { signUp } from './support/signup'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const keys = testKeys()

describe.each(testStores(afterAll))('reference IdP on %s', (_store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { flowTtlSeconds: 60, demoHeaders: 'on', ...keys.config })
    if (!t) return void (skip = true)
    ;({ idp, tel } = t)
  })
  afterAll(async () => idp?.close())

  /** A signed-up user with an active TOTP credential; returns its secret. */
  async function enrolledUser(email: string) {
    const api = client(idp.url, { 'x-demo-country': 'FR' })
    expect((await signUp(api, email, PASSWORD, mailedCode(idp.url))).status).toBe(201)
    await provision(idp.url, email, 'workforce')
    const e = await api.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    // A pending credential is not a factor yet: login skips MFA until it is verified.
    expect((await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    expect((await api.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: '000000' })).body.code).toMatch(/invalid_code|code_replayed/)
    expect((await api.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock) })).body).toEqual({ status: 'active' })
    return { api, secret }
  }

  it('refuses bad input with a code and message, and changes nothing', async ({ skip: s }) => {
    if (skip) return s()
    const api = client(idp.url)
    const cases: [unknown, RegExp][] = [
      [{ email: 'not-an-email', password: PASSWORD }, /^email: /],
      [{ email: 'x@example.test', password: 'short' }, /^password: must be at least 12 characters/],
      [{ email: 'x@example.test', password: PASSWORD, user_group: 'root' }, /^user_group: account types are assigned by an admin/],
      [{ email: 'x@example.test', password: PASSWORD, user_group: 'admin' }, /^user_group: account types are assigned by an admin/],
    ]
    for (const [body, msg] of cases) {
      const r = await api.post('/api/v1/signup', body)
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('bad_request')
      expect(r.body.message).toMatch(msg)
    }
    const raw = await fetch(`${idp.url}/api/v1/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' })
    expect(raw.status).toBe(400)
    expect(await idp.account('x@example.test')).toBeUndefined()
    expect((await signUp(api, 'dup@example.test', PASSWORD, mailedCode(idp.url))).status).toBe(201)
    // A taken address is not told apart (test/idp-signup.test.ts): the same 202, and no account.
    const dup = await api.post('/api/v1/signup', { email: 'DUP@example.test', password: PASSWORD })
    expect([dup.status, Object.keys(dup.body).sort()]).toEqual([202, ['next', 'signup_id']])
    expect((await api.get('/api/v1/nope')).body.code).toBe('not_found')
    expect((await api.get('/api/v1/login')).status).toBe(405)
  })

  it('password then TOTP; a replayed code is refused; events carry hashes, not addresses', async ({ skip: s }) => {
    if (skip) return s()
    const email = `alice-${_store}@example.test`
    const { secret } = await enrolledUser(email)
    const wrongPw = await client(idp.url).post('/api/v1/login', { email, password: 'wrong password' })
    expect([wrongPw.status, wrongPw.body.code]).toEqual([401, 'invalid_credentials'])
    const unknown = await client(idp.url).post('/api/v1/login', { email: 'nobody@example.test', password: PASSWORD })
    expect(unknown.body).toEqual(wrongPw.body) // no account probing

    const user = client(idp.url, { 'x-demo-country': 'FR', 'x-demo-client': 'ios' })
    const flow = (await user.post('/api/v1/login', { email, password: PASSWORD })).body
    expect(flow.next).toBe('totp')
    // The enrollment consumed this step; the same code again is a replay.
    const replay = await user.post('/api/v1/login/totp', { flow_id: flow.flow_id, code: totpAt(secret, clock) })
    expect([replay.status, replay.body.code, replay.body.attempts_left]).toEqual([401, 'code_replayed', 4])
    const ok = await user.post('/api/v1/login/totp', { flow_id: flow.flow_id, code: totpAt(secret, clock + 30_000) })
    expect(ok.body).toEqual({ status: 'authenticated' })
    expect((await user.get('/api/v1/me')).body.factors).toMatchObject([{ type: 'totp', status: 'active' }])
    // A finished flow cannot be used again.
    expect((await user.post('/api/v1/login/totp', { flow_id: flow.flow_id, code: totpAt(secret, clock + 60_000) })).body.code).toBe('flow_expired')

    const mine = tel.events.filter((e) => e['mfa.flow_id'] === flow.flow_id)
    expect(mine.map((e) => [e['event.name'], e['mfa.outcome'] ?? e['mfa.reason']])).toEqual([
      ['mfa.login.started', 'password_verified'],
      ['mfa.challenge.issued', 'login_required'],
      ['mfa.challenge.verified', 'replayed'],
      ['mfa.challenge.verified', 'success'],
      ['mfa.login.completed', 'success'],
      ['mfa.challenge.verified', 'expired'],
    ])
    expect(mine[3]).toMatchObject({ 'mfa.factor': 'totp', 'mfa.country': 'FR', 'mfa.client': 'ios', 'mfa.user_group': 'workforce', 'mfa.attempt': 2 })
    expect(JSON.stringify(tel.events)).not.toContain(email)
    expect(JSON.stringify(tel.events)).not.toContain(secret)
    expect(await (await fetch(`${idp.url}/metrics`)).text()).toMatch(/idp_mfa_verifications_total\{factor="totp",outcome="replayed"\} \d/)
  })

  it('the fifth wrong code locks the flow and the user; the sixth is refused even if right', async ({ skip: s }) => {
    if (skip) return s()
    const email = `mallory-${_store}@example.test`
    const { secret } = await enrolledUser(email)
    const attacker = client(idp.url)
    const flow = (await attacker.post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    // A second flow opened before the lock must not go on guessing after it.
    const earlier = (await attacker.post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await attacker.post('/api/v1/login/totp', { flow_id: flow, code: '000000' === totpAt(secret, clock) ? '111111' : '000000' })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 423])
    const sixth = await attacker.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(secret, clock + 30_000) })
    expect([sixth.status, sixth.body.code]).toEqual([423, 'locked_out'])
    const other = await attacker.post('/api/v1/login/totp', { flow_id: earlier, code: totpAt(secret, clock + 60_000) })
    expect([other.status, other.body.code]).toEqual([423, 'locked_out'])
    expect(tel.named('mfa.challenge.verified').filter((e) => e['mfa.flow_id'] === earlier).map((e) => e['mfa.outcome'])).toEqual(['locked_out'])
    // A new flow does not reset the count: the account's second factor is locked.
    const again = await attacker.post('/api/v1/login', { email, password: PASSWORD })
    expect([again.status, again.body.code]).toEqual([423, 'locked_out'])
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(800)
    expect(tel.named('mfa.lockout').filter((e) => e['mfa.flow_id'] === flow)).toHaveLength(1)
  })

  it('wrong codes spread over many flows lock at the per-user limit (ten in 15 minutes)', async ({ skip: s }) => {
    if (skip) return s()
    const email = `spreader-${_store}@example.test`
    const { secret } = await enrolledUser(email)
    const attacker = client(idp.url)
    const wrong = '000000' === totpAt(secret, clock) ? '111111' : '000000'
    const statuses: number[] = []
    // Three flows, four wrong codes each: no flow reaches its own limit of five.
    for (let f = 0; f < 3; f++) {
      const flow = (await attacker.post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
      if (!flow) break
      for (let i = 0; i < 4; i++) statuses.push((await attacker.post('/api/v1/login/totp', { flow_id: flow, code: wrong })).status)
    }
    expect(statuses.slice(0, 10)).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 423])
    const again = await attacker.post('/api/v1/login', { email, password: PASSWORD })
    expect([again.status, again.body.code]).toEqual([423, 'locked_out'])
    expect(tel.named('mfa.lockout').filter((e) => e['mfa.reason'] === 'too_many_failures' && e['mfa.user_hash'] === tel.named('mfa.login.started').at(-1)?.['mfa.user_hash'])).toHaveLength(1)
  })

  it('recovery codes: ten, each works once, regenerating voids the old set, count shown', async ({ skip: s }) => {
    if (skip) return s()
    const email = `erin-${_store}@example.test`
    const { api, secret } = await enrolledUser(email)
    // Replacing recovery codes is sensitive: the sign-up session has never passed a second factor.
    const refused = await api.post('/api/v1/recovery-codes')
    expect([refused.status, refused.body.code, refused.body.stepup]).toEqual([403, 'stepup_required', '/api/v1/stepup'])
    const up = await api.post('/api/v1/stepup')
    expect(up.body).toMatchObject({ next: 'totp' })
    expect((await api.post('/api/v1/login/totp', { flow_id: up.body.flow_id, code: totpAt(secret, clock + 30_000) })).body.status).toBe('authenticated')
    expect(tel.named('mfa.stepup').filter((e) => e['mfa.flow_id'] === up.body.flow_id)).toMatchObject([{ 'mfa.reason': 'satisfied', 'mfa.outcome': 'success', 'mfa.factor': 'totp' }])
    expect(tel.named('mfa.login.completed').filter((e) => e['mfa.flow_id'] === up.body.flow_id)).toEqual([])
    const first = (await api.post('/api/v1/recovery-codes')).body
    expect(first.codes).toHaveLength(10)
    const login = async () => (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body
    const f1 = await login()
    expect(f1.factors).toEqual(['totp', 'recovery_code'])
    const used = await client(idp.url).post('/api/v1/login/recovery-code', { flow_id: f1.flow_id, code: first.codes[0].toUpperCase() })
    expect(used.body).toEqual({ status: 'authenticated', recovery_codes_remaining: 9 })
    const again = await client(idp.url).post('/api/v1/login/recovery-code', { flow_id: (await login()).flow_id, code: first.codes[0] })
    expect([again.status, again.body.code]).toEqual([401, 'code_replayed'])
    const second = (await api.post('/api/v1/recovery-codes')).body
    const stale = await client(idp.url).post('/api/v1/login/recovery-code', { flow_id: (await login()).flow_id, code: first.codes[1] })
    expect([stale.status, stale.body.code]).toEqual([401, 'invalid_code'])
    expect((await client(idp.url).post('/api/v1/login/recovery-code', { flow_id: (await login()).flow_id, code: second.codes[1] })).body.status).toBe('authenticated')
    expect((await api.get('/api/v1/recovery-codes')).body).toEqual({ remaining: 9 })
    expect(tel.named('mfa.recovery').map((e) => e['mfa.reason'])).toEqual(expect.arrayContaining(['recovery_codes_regenerated', 'recovery_code_used']))
    expect(JSON.stringify(tel.events)).not.toContain(first.codes[0])
  })

  it('flows nobody finishes are closed as abandoned by the sweeper', async ({ skip: s }) => {
    if (skip) return s()
    const email = `bob-${_store}@example.test`
    await enrolledUser(email)
    const flow = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    expect(await idp.sweep()).toBe(0)
    clock += 61_000
    expect(await idp.sweep()).toBeGreaterThanOrEqual(1)
    const done = tel.named('mfa.login.completed').filter((e) => e['mfa.flow_id'] === flow)
    expect(done).toMatchObject([{ 'mfa.outcome': 'abandoned', 'mfa.reason': 'abandoned' }])
  })

  it('enrollment snapshot: counts per group and factor, admins only on demand', async ({ skip: s }) => {
    if (skip) return s()
    const plain = client(idp.url)
    await signUp(plain, `plain-${_store}@example.test`, PASSWORD, mailedCode(idp.url))
    await provision(idp.url, `plain-${_store}@example.test`, 'workforce')
    expect((await plain.post('/api/v1/admin/enrollment-snapshot')).status).toBe(403)
    // An admin without a second factor is sent to enroll one, not let through.
    const bare = client(idp.url)
    await signUp(bare, `bare-${_store}@example.test`, PASSWORD, mailedCode(idp.url))
    await provision(idp.url, `bare-${_store}@example.test`, 'admin')
    expect((await bare.post('/api/v1/admin/enrollment-snapshot')).body).toMatchObject({ code: 'enrollment_required' })
    clock += 30_000
    const { api: admin } = await totpAccount(idp.url, `root-${_store}@example.test`, 'admin', { at: () => clock, advance: (ms) => void (clock += ms) }, PASSWORD)
    const mark = tel.events.length
    const r = await admin.post('/api/v1/admin/enrollment-snapshot')
    expect(r.status).toBe(200)
    const byGroup = Object.fromEntries(r.body.groups.map((g: { user_group: string }) => [g.user_group, g]))
    const users = await idp.db.query<{ user_group: string; n: number }>('SELECT user_group, count(*) AS n FROM users GROUP BY user_group')
    for (const u of users) expect(byGroup[u.user_group].total).toBe(Number(u.n))
    const totp = await idp.db.query<{ n: number }>("SELECT count(DISTINCT t.user_id) AS n FROM totp_credentials t JOIN users u ON u.id = t.user_id WHERE t.status = 'active' AND u.user_group = 'workforce'")
    expect(byGroup.workforce.factors.totp).toBe(Number(totp[0].n))
    expect(byGroup.admin.none).toBeGreaterThanOrEqual(1) // the bare admin has no second factor
    const events = tel.named('mfa.enrollment.snapshot').filter((e) => e['mfa.user_group'] === 'workforce' && e['mfa.factor'] === 'totp')
    expect(events.at(-1)).toMatchObject({ 'mfa.enrolled_count': byGroup.workforce.factors.totp, 'mfa.total_count': byGroup.workforce.total, 'mfa.reason': 'on_demand' })
    // One unprotected_admin row per admin with no second factor: the bare admin, not root (TOTP), not the plain workforce account.
    const hashOf = async (email: string) => keys.userHash((await idp.account(email))!.id)
    // (A scheduled snapshot may run meanwhile: rows are counted by distinct hash.)
    const unprotected = tel.events.slice(mark).filter((e) => e['event.name'] === 'mfa.enrollment.snapshot' && e['mfa.reason'] === 'unprotected_admin')
    const listed = [...new Set(unprotected.map((e) => e['mfa.user_hash']))]
    expect(listed.length).toBe(byGroup.admin.none)
    const bareHash = await hashOf(`bare-${_store}@example.test`)
    const bareRow = unprotected.find((e) => e['mfa.user_hash'] === bareHash)
    expect(bareRow).toMatchObject({ 'mfa.user_group': 'admin', 'mfa.factor': 'password', 'mfa.enrolled_count': 1, 'mfa.total_count': 1 })
    for (const other of [`root-${_store}@example.test`, `plain-${_store}@example.test`]) expect(listed).not.toContain(await hashOf(other))
    // Once the bare admin has a second factor, the next snapshot no longer lists them.
    const e = await bare.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    expect((await bare.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock) })).body).toEqual({ status: 'active' })
    const before = tel.events.length
    await idp.snapshot()
    expect(tel.events.slice(before).filter((x) => x['mfa.reason'] === 'unprotected_admin').map((x) => x['mfa.user_hash'])).not.toContain(bareHash)
  })

  it('GET /openapi.json describes every JSON route, its body schema and its error codes', async ({ skip: s }) => {
    if (skip) return s()
    const doc = await (await fetch(`${idp.url}/openapi.json`)).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers[0].url).toBe(idp.url)
    const signup = doc.paths['/api/v1/signup'].post
    expect(signup.requestBody.content['application/json'].schema.required).toEqual(['email', 'password'])
    expect(signup.responses['429'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error')
    expect(signup.responses['409']).toBeUndefined() // a taken address is never said
    expect(doc.paths['/api/v1/login/totp'].post.responses['423'].description).toContain('locked_out')
    expect(doc.components.schemas.Error.required).toEqual(['code', 'message'])
    const ops = Object.values(doc.paths).flatMap((p) => Object.keys(p as object))
    expect(ops.length).toBeGreaterThanOrEqual(20)
  })

  it('SHA-256, 8-digit authenticators; codes from Debian oathtool activate and log in', async ({ skip: s }) => {
    if (skip) return s()
    const has = spawnSync('oathtool', ['--version']).status === 0
    if (!has && process.env.CI === 'true') throw new Error('missing prerequisite under CI=true: oathtool (apt-get install oathtool)')
    if (!has) return s()
    const oathtool = (secret: string, at: number) => {
      const r = spawnSync('oathtool', ['--totp=sha256', '-b', '--digits=8', `--now=${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC`, secret], { encoding: 'utf8' })
      expect(r.status).toBe(0)
      return r.stdout.trim()
    }
    const email = `oath-${_store}@example.test`
    const api = client(idp.url)
    await signUp(api, email, PASSWORD, mailedCode(idp.url))
    const bad = await api.post('/api/v1/enroll/totp', { algorithm: 'MD5' })
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/^algorithm: expected SHA1, SHA256 or SHA512/)])
    const e = await api.post('/api/v1/enroll/totp', { algorithm: 'SHA256', digits: 8 })
    const uri = new URL(e.body.otpauth_uri)
    expect([uri.searchParams.get('algorithm'), uri.searchParams.get('digits')]).toEqual(['SHA256', '8'])
    const secret = uri.searchParams.get('secret')!
    expect((await api.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: oathtool(secret, clock) })).body.status).toBe('active')
    const flow = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    const code = oathtool(secret, clock + 30_000)
    expect(code).toMatch(/^\d{8}$/)
    expect((await client(idp.url).post('/api/v1/login/totp', { flow_id: flow, code })).body.status).toBe('authenticated')
  })

  it('a session unused for 30 minutes is over; one in use lives on (NIST AAL2 idle limit)', async ({ skip: s }) => {
    if (skip) return s()
    const { api } = await enrolledUser(`idle-${_store}@example.test`)
    expect((await api.get('/api/v1/me')).status).toBe(200)
    clock += 20 * 60_000
    expect((await api.get('/api/v1/me')).status).toBe(200) // used: the idle clock restarts
    clock += 20 * 60_000
    expect((await api.get('/api/v1/me')).status).toBe(200)
    clock += 31 * 60_000
    const idle = await api.get('/api/v1/me')
    expect([idle.status, idle.body.code]).toEqual([401, 'unauthenticated'])
  })

  it('logout revokes the session; the old cookie is refused afterwards', async ({ skip: s }) => {
    if (skip) return s()
    const api = client(idp.url)
    await signUp(api, `carol-${_store}@example.test`, PASSWORD, mailedCode(idp.url))
    const old = api.cookie()
    expect((await api.get('/api/v1/me')).status).toBe(200)
    await api.post('/api/v1/logout')
    api.setCookie(old)
    const reuse = await api.get('/api/v1/me')
    expect([reuse.status, reuse.body.code]).toEqual([401, 'unauthenticated'])
  })

  it('HTML pages: labelled forms, sign-up → enroll → sign-in by form posts; cross-site posts refused', async ({ skip: s }) => {
    if (skip) return s()
    const web = client(idp.url)
    const signupPage = await web.get('/signup')
    expect(signupPage.text).toContain('<label for="email">')
    expect(signupPage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const email = `dave-${_store}@example.test`
    const check = await web.form('/signup', { email, password: PASSWORD })
    expect([check.status, check.text.includes('<h1>Check your e-mail</h1>')]).toEqual([200, true])
    const signupId = /name="signup_id" value="([^"]+)"/.exec(check.text)![1]
    expect((await web.form('/signup/verify', { signup_id: signupId, code: await mailedCode(idp.url)(email) })).status).toBe(303)
    const enroll = await web.form('/enroll/totp', {})
    expect(enroll.text).toContain('<svg')
    const secret = /<code>([A-Z2-7]+)<\/code>/.exec(enroll.text)![1]
    const credentialId = /name="credential_id" value="([^"]+)"/.exec(enroll.text)![1]
    const bad = await web.form('/enroll/totp/verify', { credential_id: credentialId, code: '12' })
    expect([bad.status, bad.text.includes('role="alert"'), bad.text.includes(secret)]).toEqual([400, true, true])
    expect((await web.form('/enroll/totp/verify', { credential_id: credentialId, code: totpAt(secret, clock) })).status).toBe(303)
    const login = await client(idp.url).form('/login', { email, password: PASSWORD })
    expect(login.text).toContain('autocomplete="one-time-code"')
    const flowId = /name="flow_id" value="([^"]+)"/.exec(login.text)![1]
    expect((await client(idp.url).form('/login/totp', { flow_id: flowId, code: totpAt(secret, clock + 30_000) })).status).toBe(303)
    const cross = await fetch(`${idp.url}/login`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.c&password=x' })
    expect(cross.status).toBe(403)
  })
})
