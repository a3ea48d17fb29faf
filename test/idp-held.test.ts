import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { type capture, client, mailedCode, startTestIdp, totpAccount } from './support/idp-client'
import { signUp } from './support/signup'
import { totpAt } from './support/totp'

/**
 * What held in issue 10's attack and must keep holding, where no other test proved it (the rest
 * are named in docs/security.md): password-check work for unknown addresses, session fixation,
 * step-up on every sensitive API action, the lock under parallel guessing, factor-id IDOR,
 * remembered-device cookie tampering, request size and type limits, single-use recovery codes and
 * link under races; and ASVS items no other test covered: 2.1.3, 2.1.11, 3.2.3/3.4.x, 3.3.2.
 */
const PASSWORD = 'correct horse battery'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
const SESSION = '__Host-fw_session'
const TRUSTED = '__Host-fw_trusted'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe.each(testStores(afterAll))('what held keeps holding on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let skip = false
  /** Steps (child spans) the IdP ran, with how long each took: the password check is one. */
  const steps: { name: string; ms: number }[] = []
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp, tel } = t)
    // The IdP holds this very object: time every step it runs through it.
    tel.t.step = async (_parent, name, _attrs, fn) => {
      const t0 = performance.now()
      try {
        return await fn()
      } finally {
        steps.push({ name, ms: performance.now() - t0 })
      }
    }
  })
  afterAll(async () => idp?.close())
  const addr = (name: string) => `${name}-${store}@example.test`.toLowerCase()

  it('login enumeration by timing: an unknown address runs the same scrypt check as a wrong password and answers alike', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('timing')
    await signUp(client(idp.url), email, PASSWORD, mailedCode(idp.url))
    const nobody = addr('nobody-here')
    const ms: Record<string, number[]> = { [email]: [], [nobody]: [] }
    const answers: Record<string, Set<string>> = { [email]: new Set(), [nobody]: new Set() }
    // Known and unknown alternate, so a change in machine load hits both alike. Five wrong
    // passwords each from fresh clients: within the per-account allowance for unknown devices.
    for (let i = 0; i < 5; i++) {
      for (const who of [email, nobody]) {
        steps.length = 0
        const r = await client(idp.url).post('/api/v1/login', { email: who, password: `wrong password ${i}` })
        answers[who].add(JSON.stringify([r.status, r.body]))
        const v = steps.filter((x) => x.name === 'password.verify')
        expect([who, v.length]).toEqual([who, 1]) // the check ran, once, whether or not the account exists
        ms[who].push(v[0].ms)
      }
    }
    const known = { ms: median(ms[email]), answers: [...answers[email]] }
    const unknown = { ms: median(ms[nobody]), answers: [...answers[nobody]] }
    expect(unknown.answers).toEqual(known.answers)
    expect(known.answers).toEqual([JSON.stringify([401, { code: 'invalid_credentials', message: 'e-mail address or password is wrong' }])])
    // Without the dummy hash the unknown check takes microseconds against tens of ms of scrypt
    // (N=2^14 here); medians within a factor of four are far from that and robust to load.
    expect(known.ms).toBeGreaterThan(2)
    expect(unknown.ms / known.ms).toBeGreaterThan(0.25)
    expect(unknown.ms / known.ms).toBeLessThan(4)
  })

  it('session fixation: a session cookie planted before sign-in is revoked and replaced; a step-up issues a new id too', async ({ skip: s }) => {
    if (skip) return s()
    // The attacker's own valid session, planted in the victim's browser.
    const attacker = client(idp.url)
    await signUp(attacker, addr('fixer'), PASSWORD, mailedCode(idp.url))
    const planted = attacker.jar.get(SESSION)!
    expect(planted).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const victim = await totpAccount(idp.url, addr('fixed'), 'workforce', clk, PASSWORD)
    const browser = client(idp.url)
    browser.jar.set(SESSION, planted)
    expect((await browser.get('/api/v1/me')).status).toBe(200) // planted and working: the attacker's session
    const flow = (await browser.post('/api/v1/login', { email: victim.email, password: PASSWORD })).body.flow_id
    clk.advance(30_000)
    expect((await browser.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(victim.secret, clock) })).body.status).toBe('authenticated')
    const issued = browser.jar.get(SESSION)!
    expect(issued).not.toBe(planted)
    expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The planted id does not carry the victim's sign-in: it is revoked outright.
    const replant = client(idp.url)
    replant.jar.set(SESSION, planted)
    expect((await replant.get('/api/v1/me')).status).toBe(401)
    // An id the attacker made up is not adopted either.
    const madeUp = client(idp.url)
    madeUp.jar.set(SESSION, 'A'.repeat(43))
    expect((await madeUp.get('/api/v1/me')).status).toBe(401)
    // Step-up ends in a new session id as well; the one before it stops working.
    const before = victim.setup.jar.get(SESSION)!
    const up = await victim.setup.post('/api/v1/stepup')
    clk.advance(30_000)
    expect((await victim.setup.post('/api/v1/login/totp', { flow_id: up.body.flow_id, code: totpAt(victim.secret, clock) })).body.status).toBe('authenticated')
    expect(victim.setup.jar.get(SESSION)).not.toBe(before)
    const old = client(idp.url)
    old.jar.set(SESSION, before)
    expect((await old.get('/api/v1/me')).status).toBe(401)
    expect((await victim.setup.get('/api/v1/me')).status).toBe(200)
  })

  it('step-up on every sensitive API action: a session without a fresh second factor is refused and nothing changes', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await totpAccount(idp.url, addr('stepup'), 'workforce', clk, PASSWORD)
    // A second factor, so removing the TOTP would not be refused as the last one.
    const extra = await owner.api.post('/api/v1/enroll/totp', { name: 'spare' })
    const spare = new URL(extra.body.otpauth_uri).searchParams.get('secret')!
    clk.advance(30_000)
    expect((await owner.api.post('/api/v1/enroll/totp/verify', { credential_id: extra.body.credential_id, code: totpAt(spare, clock) })).body.status).toBe('active')
    const sessions = (await owner.api.get('/api/v1/sessions')).body.sessions as { id: string; current: boolean }[]
    const other = sessions.find((x) => !x.current)!.id
    const sensitive: [string, Record<string, unknown>][] = [
      ['/api/v1/enroll/totp', {}],
      ['/api/v1/enroll/oob', { channel: 'sms', address: '+4915112345678' }],
      ['/api/v1/factors/remove', { type: 'totp', id: owner.totpId }],
      ['/api/v1/recovery-codes', {}],
      ['/api/v1/account/email', { email: addr('stepup-new') }],
      ['/api/v1/account/password', { current_password: PASSWORD, new_password: 'a much longer new passphrase 42' }],
      ['/api/v1/sessions/revoke', { id: other }],
      ['/api/v1/sessions/revoke-others', {}],
      ['/api/v1/webauthn/register/options', {}],
      ['/api/v1/webauthn/credentials/remove', { id: '00000000-0000-4000-8000-000000000000' }],
    ]
    // The sign-up session never passed a second factor; the fresh one goes stale after 10 minutes.
    clk.advance(11 * 60_000)
    expect((await owner.api.get('/api/v1/me')).status).toBe(200) // still signed in, only not fresh
    for (const who of [owner.setup, owner.api]) {
      for (const [path, body] of sensitive) {
        const r = await who.post(path, body)
        expect([path, r.status, r.body.code, r.body.stepup]).toEqual([path, 403, 'stepup_required', '/api/v1/stepup'])
      }
    }
    // Nothing changed: both factors, the sessions and the password are as they were.
    expect((await owner.api.get('/api/v1/me')).body.factors.map((f: { id: string }) => f.id).sort()).toEqual([owner.totpId, extra.body.credential_id].sort())
    expect((await owner.api.get('/api/v1/sessions')).body.sessions.length).toBe(sessions.length)
    expect((await client(idp.url).post('/api/v1/login', { email: owner.email, password: PASSWORD })).body.next).toBe('totp')
    // And the guard is what refused: after a step-up the same removal goes through.
    const up = await owner.api.post('/api/v1/stepup')
    clk.advance(30_000)
    expect((await owner.api.post('/api/v1/login/totp', { flow_id: up.body.flow_id, code: totpAt(owner.secret, clock) })).body.status).toBe('authenticated')
    expect((await owner.api.post('/api/v1/factors/remove', { type: 'totp', id: owner.totpId })).body).toEqual({ status: 'removed' })
  })

  /*
   * Found writing this test: codeStep decided on the attempt count read before the code was
   * checked, so on PostgreSQL's pool 21 parallel guesses were all checked (20 wrong, then the right
   * one signed in). An attempt is now taken in one statement before the check (repo.reserveAttempt).
   */
  it('21 parallel guesses on one sign-in: at most five are checked, and the lock holds', async ({ skip: s }) => {
    if (skip) return s()
    const victim = await totpAccount(idp.url, addr('parallel'), 'workforce', clk, PASSWORD)
    clk.advance(30_000)
    const attacker = client(idp.url)
    const flow = (await attacker.post('/api/v1/login', { email: victim.email, password: PASSWORD })).body.flow_id
    const right = totpAt(victim.secret, clock)
    const near = new Set([totpAt(victim.secret, clock - 30_000), right, totpAt(victim.secret, clock + 30_000)])
    const wrong = Array.from({ length: 40 }, (_, i) => String(100000 + i)).filter((c) => !near.has(c)).slice(0, 20)
    const answers = await Promise.all([...wrong, right].map((code) => attacker.post('/api/v1/login/totp', { flow_id: flow, code })))
    const statuses = answers.map((a) => a.status)
    const [row] = await idp.db.query<{ attempts: number; state: string }>('SELECT attempts, state FROM login_flows WHERE id = $1', [flow])
    // Five attempts at most were taken. The right code passes only if it was one of those five
    // (a right code within the limit is a sign-in); otherwise four wrong codes were answered and
    // the fifth locked the flow.
    expect(Number(row.attempts)).toBeLessThanOrEqual(5)
    if (statuses[20] === 200) {
      expect([statuses.filter((x) => x === 200).length, row.state]).toEqual([1, 'completed'])
      expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(4)
      return
    }
    expect(statuses.filter((x) => x === 200)).toEqual([])
    expect(statuses.filter((x) => x === 401)).toHaveLength(4)
    expect([Number(row.attempts), row.state]).toEqual([5, 'locked'])
    // The right code on this flow, and a new sign-in from the same device, are refused.
    const after = await attacker.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(victim.secret, clock + 30_000) })
    expect([after.status, after.body.code]).toEqual([423, 'locked_out'])
    const again = await attacker.post('/api/v1/login', { email: victim.email, password: PASSWORD })
    expect([again.status, again.body.code]).toEqual([423, 'locked_out'])
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('IDOR on factor ids: another account\'s authenticator cannot be renamed, removed or activated by id', async ({ skip: s }) => {
    if (skip) return s()
    const victim = await totpAccount(idp.url, addr('idor-victim'), 'workforce', clk, PASSWORD)
    const pending = await victim.api.post('/api/v1/enroll/totp', { name: 'victim pending' })
    const pendingSecret = new URL(pending.body.otpauth_uri).searchParams.get('secret')!
    const attacker = await totpAccount(idp.url, addr('idor-attacker'), 'workforce', clk, PASSWORD)
    const rename = await attacker.api.post('/api/v1/factors/rename', { type: 'totp', id: victim.totpId, name: 'pwned' })
    expect([rename.status, rename.body.code]).toEqual([404, 'not_found'])
    const remove = await attacker.api.post('/api/v1/factors/remove', { type: 'totp', id: victim.totpId })
    expect([remove.status, remove.body.code]).toEqual([404, 'not_found'])
    // Activating the victim's pending authenticator with a correct code for it is refused too.
    clk.advance(30_000)
    const activate = await attacker.api.post('/api/v1/enroll/totp/verify', { credential_id: pending.body.credential_id, code: totpAt(pendingSecret, clock) })
    expect(activate.status).toBeGreaterThanOrEqual(400)
    expect(activate.status).toBeLessThan(500)
    const mine = (await victim.api.get('/api/v1/me')).body.factors as { id: string; name: string; status: string }[]
    expect(mine.find((f) => f.id === victim.totpId)).toMatchObject({ status: 'active', name: 'Authenticator app' })
    expect(mine.find((f) => f.id === pending.body.credential_id)).toMatchObject({ status: 'pending' })
    // The owner's own rename of the same id works: the 404 above was about ownership.
    expect((await victim.api.post('/api/v1/factors/rename', { type: 'totp', id: victim.totpId, name: 'phone' })).body).toEqual({ status: 'renamed' })
  })

  it('remembered device: a cookie with a forged expiry, a borrowed MAC or after its lifetime does not skip MFA', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await totpAccount(idp.url, addr('remember'), 'workforce', clk, PASSWORD)
    const browser = client(idp.url)
    const flow = (await browser.post('/api/v1/login', { email: owner.email, password: PASSWORD })).body.flow_id
    clk.advance(30_000)
    expect((await browser.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(owner.secret, clock), remember_device: true })).body.status).toBe('authenticated')
    const token = browser.jar.get(TRUSTED)!
    const [id, exp, mac] = token.split('.')
    const signIn = async (cookie: string) => {
      const c = client(idp.url)
      c.jar.set(TRUSTED, cookie)
      return (await c.post('/api/v1/login', { email: owner.email, password: PASSWORD })).body
    }
    // The genuine cookie skips MFA, also from another browser (it is the device's bearer proof).
    expect(await signIn(token)).toEqual({ status: 'authenticated' })
    expect((await signIn(`${id}.${Number(exp) + 86_400 * 365}.${mac}`)).next).toBe('totp')
    expect((await signIn(`${'0'.repeat(8)}${id.slice(8)}.${exp}.${mac}`)).next).toBe('totp')
    expect((await signIn(`${id}.${exp}.${'0'.repeat(64)}`)).next).toBe('totp')
    expect((await signIn('junk')).next).toBe('totp')
    clk.advance((Number(exp) * 1000 - clock) + 1000)
    expect((await signIn(token)).next).toBe('totp')
  })

  it('input size and type limits: 413 over 64 KiB, 415 for other content types, 400 naming the field for wrong types and lengths', async ({ skip: s }) => {
    if (skip) return s()
    const raw = (body: string, type = 'application/json') => fetch(`${idp.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': type }, body })
    const big = await raw(JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(70 * 1024) }))
    expect([big.status, (await big.json()).code]).toEqual([413, 'payload_too_large'])
    const xml = await raw('<login/>', 'application/xml')
    expect([xml.status, (await xml.json()).code]).toEqual([415, 'unsupported_media_type'])
    const arr = await raw('[1,2]')
    expect([arr.status, (await arr.json()).message]).toEqual([400, 'request body must be a JSON object'])
    const api = client(idp.url)
    const flow = '00000000-0000-4000-8000-000000000000'
    const cases: [string, unknown, RegExp][] = [
      ['/api/v1/login', { email: ['a@example.test'], password: PASSWORD }, /^email: /],
      ['/api/v1/login', { email: 42, password: PASSWORD }, /^email: /],
      ['/api/v1/login', { email: `${'a'.repeat(250)}@example.test`, password: PASSWORD }, /^email: /],
      ['/api/v1/login', { email: 'a@example.test', password: { $ne: '' } }, /^password: /],
      ['/api/v1/login', { email: 'a@example.test', password: 'p'.repeat(1025) }, /^password: /],
      ['/api/v1/login/totp', { flow_id: flow, code: 123456 }, /^code: /],
      ['/api/v1/login/totp', { flow_id: flow, code: '1234567890' }, /^code: /],
      ['/api/v1/login/totp', { flow_id: 'not-a-uuid', code: '123456' }, /^flow_id: /],
      ['/api/v1/login/totp', { flow_id: flow, code: '123456', remember_device: 'yes' }, /^remember_device: /],
      ['/api/v1/login/recovery-code', { flow_id: flow, code: 'r'.repeat(33) }, /^code: /],
      ['/api/v1/signup', { email: 'a@example.test', password: 'p'.repeat(129) }, /^password: /],
    ]
    for (const [path, body, msg] of cases) {
      const r = await api.post(path, body)
      expect([path, JSON.stringify(body).slice(0, 60), r.status, r.body.code]).toEqual([path, JSON.stringify(body).slice(0, 60), 400, 'bad_request'])
      expect(r.body.message).toMatch(msg)
    }
    expect(await idp.account('a@example.test')).toBeUndefined()
  })

  it('a recovery code is single-use also when three sign-ins race with it', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await totpAccount(idp.url, addr('single-use'), 'workforce', clk, PASSWORD)
    const codes = (await owner.api.post('/api/v1/recovery-codes')).body.codes as string[]
    expect(codes).toHaveLength(10)
    const flows = await Promise.all([0, 1, 2].map(async () => (await client(idp.url).post('/api/v1/login', { email: owner.email, password: PASSWORD })).body.flow_id as string))
    const raced = await Promise.all(flows.map((f) => client(idp.url).post('/api/v1/login/recovery-code', { flow_id: f, code: codes[0] })))
    expect(raced.map((r) => r.status).sort()).toEqual([200, 401, 401])
    expect(raced.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(['code_replayed', 'code_replayed'])
    expect((await owner.api.get('/api/v1/recovery-codes')).body).toEqual({ remaining: 9 })
  })

  it('2.1.3, 2.1.11: a 128-character password is kept whole (no truncation); the forms let password managers fill and paste', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('long-password')
    const long = randomBytes(96).toString('base64url') // 128 characters
    expect([...long]).toHaveLength(128)
    await signUp(client(idp.url), email, long, mailedCode(idp.url))
    const signIn = async (password: string) => (await client(idp.url).post('/api/v1/login', { email, password })).status
    expect(await signIn(long)).toBe(200)
    // A change after character 72 (bcrypt's limit) or in the last one is a different password.
    expect(await signIn(`${long.slice(0, 72)}${long[72] === 'x' ? 'y' : 'x'}${long.slice(73)}`)).toBe(401)
    expect(await signIn(`${long.slice(0, 127)}${long[127] === 'x' ? 'y' : 'x'}`)).toBe(401)
    expect(await signIn(long.slice(0, 127))).toBe(401)
    const login = (await client(idp.url).get('/login')).text
    expect(login).toContain('autocomplete="current-password"')
    const signup = (await client(idp.url).get('/signup')).text
    expect(signup).toContain('autocomplete="new-password"')
    for (const html of [login, signup]) expect(html).not.toMatch(/onpaste|oncopy|autocomplete="off"[^>]*type="password"/i)
  })

  it('3.2.3, 3.4.1-3.4.5: the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/ with no Domain', async ({ skip: s }) => {
    if (skip) return s()
    const c = client(idp.url)
    const done = await signUp(c, addr('cookie'), PASSWORD, mailedCode(idp.url)) as unknown as { headers: Headers }
    const set = done.headers.getSetCookie().filter((x) => x.startsWith('__Host-fw_session='))
    expect(set).toHaveLength(1)
    expect(set[0]).toMatch(/^__Host-fw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/)
    expect(set[0]).not.toMatch(/Domain=/i)
    // Logging out clears it (Max-Age=0) and the server forgets it.
    const out = await c.post('/api/v1/logout')
    expect(out.headers.getSetCookie().find((x) => x.startsWith('__Host-fw_session='))).toMatch(/^__Host-fw_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0; Secure$/)
  })

  it('3.3.2: a session in constant use still ends 12 hours after sign-in', async ({ skip: s }) => {
    if (skip) return s()
    const c = client(idp.url)
    await signUp(c, addr('absolute'), PASSWORD, mailedCode(idp.url))
    const used: number[] = []
    for (let i = 1; i <= 28; i++) {
      clk.advance(25 * 60_000) // never idle for 30 minutes
      used.push((await c.get('/api/v1/me')).status)
    }
    expect(used).toEqual(Array(28).fill(200)) // 11 h 40 min after sign-in
    clk.advance(25 * 60_000) // 12 h 5 min after sign-in, used 25 minutes ago
    const r = await c.get('/api/v1/me')
    expect([r.status, r.body.code]).toEqual([401, 'unauthenticated'])
  })

  it('the admin recovery link works once: two devices racing with it get one recovery, the other a 4xx naming the link', async ({ skip: s }) => {
    if (skip) return s()
    const victim = await totpAccount(idp.url, addr('link-victim'), 'workforce', clk, PASSWORD)
    const admin = await totpAccount(idp.url, addr('link-admin'), 'admin', clk, PASSWORD)
    expect((await client(idp.url).post('/api/v1/recovery/requests', { email: victim.email, password: PASSWORD })).status).toBe(202)
    const asked = ((await admin.api.get('/api/v1/admin/recovery/requests')).body.requests as { id: string; email: string }[]).find((r) => r.email === victim.email)!
    const ok = await admin.api.post('/api/v1/admin/recovery/decide', { id: asked.id, decision: 'approve', reason: 'identity confirmed by call-back' })
    expect(ok.body.status).toBe('approved')
    const devices = [client(idp.url), client(idp.url)]
    const raced = await Promise.all(devices.map((d) => d.post('/api/v1/recovery/complete', { token: ok.body.token })))
    expect(raced.filter((r) => r.status === 200).map((r) => r.body.status)).toEqual(['recovered'])
    const lost = raced.find((r) => r.status !== 200)!
    expect([lost.status >= 400 && lost.status < 500, lost.body.message]).toEqual([true, expect.stringMatching(/already used|not valid|expired/)])
    // Only the winner is signed in; a third try is refused the same way.
    expect((await Promise.all(devices.map(async (d) => (await d.get('/api/v1/me')).status))).sort()).toEqual([200, 401])
    const third = await client(idp.url).post('/api/v1/recovery/complete', { token: ok.body.token })
    expect([third.status >= 400 && third.status < 500, third.body.message]).toEqual([true, expect.stringMatching(/already used|not valid|expired/)])
  })
})
