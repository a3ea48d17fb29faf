import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { client, startTestIdp, totpAccount } from './support/idp-client'
import { totpAt } from './support/totp'
import { softAuthenticator } from '../reference-idp/traffic/soft-authenticator'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a quite different passphrase 42'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }

/**
 * ASVS 4.0.3 2.2.3 / 2.5.5: the owner is told after each change to how they sign in (recovery
 * requested, approved, completed; password changed; factor added or removed) and after a
 * replayed TOTP code; exactly one notice per event, rate-limited, with no code or secret.
 */
describe.each(testStores(afterAll))('security notices on %s', (store, open) => {
  let idp: RunningIdp
  let box: LocalOutbox
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp, box } = t)
  })
  afterAll(async () => idp?.close())
  const email = (name: string) => `${name}-${store}@example.test`.toLowerCase()
  const notices = (to: string) => box.messagesTo(to).map((m) => m.text).filter((t) => t.startsWith('FactorWatch security notice.'))
  /** Run `step`; expect exactly one new notice to `to`, matching `what`; return its text. */
  const oneNotice = async (to: string, what: RegExp, step: () => Promise<unknown>) => {
    const before = notices(to).length
    await step()
    const added = notices(to).slice(before)
    expect(added, `notices after a step expected to send ${what}`).toHaveLength(1)
    expect(added[0]).toMatch(what)
    expect(added[0]).toMatch(/When: \d{4}-\d\d-\d\d \d\d:\d\d UTC\. If this was not you, /)
    return added[0]
  }
  const noSecrets = (text: string, secrets: string[]) => {
    expect(text).not.toMatch(/\b\d{6,8}\b/) // no one-time code
    for (const s of secrets) expect(text).not.toContain(s)
  }

  it('factor added and removed, password changed: one notice each, without codes or secrets', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('owner')
    const a = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    expect(notices(to)).toEqual([expect.stringMatching(/A second factor was added to your account: an authenticator app\./)])

    let second = ''
    let secondId = ''
    const added = await oneNotice(to, /added to your account: an authenticator app/, async () => {
      const e = await a.api.post('/api/v1/enroll/totp', { name: 'spare phone' })
      second = new URL(e.body.otpauth_uri).searchParams.get('secret')!
      secondId = e.body.credential_id
      clk.advance(30_000)
      expect((await a.api.post('/api/v1/enroll/totp/verify', { credential_id: secondId, code: totpAt(second, clock) })).body.status).toBe('active')
    })
    const removed = await oneNotice(to, /removed from your account: an authenticator app/, async () => {
      expect((await a.api.post('/api/v1/factors/remove', { type: 'totp', id: secondId })).body.status).toBe('removed')
    })
    const phone = store === 'PGlite' ? '+4915100000901' : '+4915100000902'
    const sms = await oneNotice(to, /added to your account: a phone number for text messages\./, async () => {
      const e = await a.api.post('/api/v1/enroll/oob', { channel: 'sms', address: phone })
      const code = /\b(\d{6})\b/.exec(box.messagesTo(phone).at(-1)!.text)![1]
      expect((await a.api.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code })).body.status).toBe('active')
    })
    expect(sms).not.toContain(phone.slice(-4))
    const changed = await oneNotice(to, /password of your account was changed/, async () => {
      expect((await a.api.post('/api/v1/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })).body.status).toBe('changed')
    })
    for (const t of [added, removed, changed]) noSecrets(t, [a.secret, second, PASSWORD, NEW_PASSWORD, secondId])
  })

  it('a passkey added and removed: one notice each', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('passkey')
    const a = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    const auth = softAuthenticator()
    const origin = idp.url.replace('127.0.0.1', 'localhost') // a passkey RP is `localhost` on the same port
    let id = ''
    await oneNotice(to, /added to your account: a passkey\./, async () => {
      const o = await a.api.post('/api/v1/webauthn/register/options')
      const reg = await a.api.post('/api/v1/webauthn/register/verify', { challenge_id: o.body.challenge_id, response: auth.create(o.body.options, { origin }), name: 'Test key' })
      expect(reg.status).toBe(201)
      id = reg.body.passkey.id
    })
    await oneNotice(to, /removed from your account: a passkey\./, async () => {
      expect((await a.api.post('/api/v1/webauthn/credentials/remove', { id })).status).toBe(200)
    })
  })

  it('a sign-in from a browser the account was never used from: one notice; later ones from it: none', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('traveller')
    const a = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    const other = client(idp.url)
    const signIn = async () => {
      clk.advance(30_000)
      const flow = (await other.post('/api/v1/login', { email: to, password: PASSWORD })).body.flow_id
      expect((await other.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(a.secret, clock) })).body.status).toBe('authenticated')
    }
    noSecrets(await oneNotice(to, /signed in to from a browser or device it was not used from before/, signIn), [a.secret, PASSWORD])
    clk.advance(11 * 60_000) // past the per-kind gap: only familiarity holds the next one back
    const before = notices(to).length
    await signIn()
    expect(notices(to)).toHaveLength(before)
  })

  it('a replayed TOTP code: one notice, then none for an hour however often it is replayed', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('replayed')
    const a = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    clk.advance(30_000)
    const code = totpAt(a.secret, clock)
    const first = client(idp.url)
    const f1 = (await first.post('/api/v1/login', { email: to, password: PASSWORD })).body.flow_id
    expect((await first.post('/api/v1/login/totp', { flow_id: f1, code })).body.status).toBe('authenticated')
    const replay = async () => {
      const c = client(idp.url)
      const flow = (await c.post('/api/v1/login', { email: to, password: PASSWORD })).body.flow_id
      expect((await c.post('/api/v1/login/totp', { flow_id: flow, code })).body.code).toBe('code_replayed')
    }
    const text = await oneNotice(to, /authenticator app was used a second time/, replay)
    noSecrets(text, [a.secret, code, PASSWORD])
    const before = notices(to).length
    await replay()
    await replay()
    expect(notices(to)).toHaveLength(before)
  })

  it('repeated failed second factors (seed 002): the lock tells the owner once, then not again within the hour', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('guessed')
    const a = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    const guess = async () => {
      const c = client(idp.url, { 'x-demo-country': 'VN' })
      const flow = (await c.post('/api/v1/login', { email: to, password: PASSWORD })).body.flow_id
      let last = 0
      for (let i = 0; i < 5; i++) last = (await c.post('/api/v1/login/totp', { flow_id: flow, code: String(100000 + i) })).status
      expect(last).toBe(423)
    }
    const text = await oneNotice(to, /typed wrong second-factor codes again and again/, guess)
    noSecrets(text, [a.secret, PASSWORD])
    const before = notices(to).length
    clk.advance(16 * 60_000) // the first lock is over; a second round locks again
    await guess()
    expect(notices(to)).toHaveLength(before)
  })

  it('admin-assisted recovery: requested, approved and completed are each told once', async ({ skip: s }) => {
    if (skip) return s()
    const to = email('recovered')
    const victim = await totpAccount(idp.url, to, 'workforce', clk, PASSWORD)
    const admin = await totpAccount(idp.url, email('approver'), 'admin', clk, PASSWORD)
    const texts: string[] = []
    texts.push(await oneNotice(to, /Someone asked an administrator to reset the second factors/, async () => {
      expect((await client(idp.url).post('/api/v1/recovery/requests', { email: to, password: PASSWORD })).status).toBe(202)
    }))
    let token = ''
    texts.push(await oneNotice(to, /An administrator approved resetting/, async () => {
      const req = ((await admin.api.get('/api/v1/admin/recovery/requests')).body.requests as { id: string; email: string }[]).find((r) => r.email === to)!
      token = (await admin.api.post('/api/v1/admin/recovery/decide', { id: req.id, decision: 'approve', reason: 'identity confirmed by call-back' })).body.token
    }))
    texts.push(await oneNotice(to, /were reset by an administrator-approved recovery/, async () => {
      expect((await client(idp.url).post('/api/v1/recovery/complete', { token })).body.status).toBe('recovered')
    }))
    for (const t of texts) noSecrets(t, [token, victim.secret, PASSWORD, '/recover#'])
  })
})
