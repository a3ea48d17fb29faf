import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { capture, client, mailedCode, startTestIdp } from './support/idp-client'
import { signUp } from './support/signup'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const lastCode = (box: LocalOutbox, to: string) => /\b(\d{6})\b/.exec(box.messagesTo(to).at(-1)?.text ?? '')?.[1] ?? ''

describe.each(testStores(afterAll))('SMS and voice codes (and no e-mail codes) on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let box: LocalOutbox
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock))
    if (!t) return void (skip = true)
    ;({ idp, tel, box } = t)
  })
  afterAll(async () => idp?.close())

  async function smsUser(name: string, phone: string) {
    const email = `${name}-${store}@example.test`
    const api = client(idp.url)
    await signUp(api, email, PASSWORD, mailedCode(idp.url))
    const bad = await api.post('/api/v1/enroll/oob', { channel: 'sms', address: '0151 123' })
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/^address: expected a phone number in E\.164/)])
    const e = await api.post('/api/v1/enroll/oob', { channel: 'sms', address: phone })
    expect(e.body).toMatchObject({ status: 'pending', hint: `•••• ${phone.slice(-2)}` })
    expect((await api.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code: lastCode(box, phone) })).body).toEqual({ status: 'active' })
    clock += 31_000 // past the resend cooldown
    return { email, api }
  }

  it('enroll a phone, log in with the texted code; the address never reaches telemetry', async ({ skip: s }) => {
    if (skip) return s()
    const phone = '+4915100000001'
    const { email } = await smsUser('sam', phone)
    const login = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(login.body).toMatchObject({ next: 'sms', factors: ['sms'], delivery: 'sent', hint: '•••• 01' })
    const code = lastCode(box, phone)
    const wrong = await client(idp.url).post('/api/v1/login/code', { flow_id: login.body.flow_id, channel: 'sms', code: code === '000000' ? '111111' : '000000' })
    expect([wrong.status, wrong.body.code, wrong.body.attempts_left]).toEqual([401, 'invalid_code', 4])
    const ok = await client(idp.url).post('/api/v1/login/code', { flow_id: login.body.flow_id, channel: 'sms', code })
    expect(ok.body).toEqual({ status: 'authenticated' })
    const events = tel.events.filter((e) => e['mfa.flow_id'] === login.body.flow_id)
    expect(events.map((e) => e['event.name'])).toEqual(['mfa.login.started', 'mfa.provider.request', 'mfa.challenge.issued', 'mfa.challenge.verified', 'mfa.challenge.verified', 'mfa.login.completed'])
    expect(events[1]).toMatchObject({ 'mfa.provider': 'local', 'mfa.channel': 'sms', 'mfa.outcome': 'success', 'mfa.http_status_class': '2xx' })
    expect(events[4]).toMatchObject({ 'mfa.factor': 'sms', 'mfa.outcome': 'success' })
    const all = JSON.stringify(tel.events)
    expect(all).not.toContain(phone)
    expect(all).not.toContain(code)
    const stored = JSON.stringify(await idp.db.query('SELECT * FROM oob_factors UNION ALL SELECT NULL, NULL, NULL, code_mac, NULL, NULL, NULL, NULL, NULL FROM oob_codes'))
    expect(stored).not.toContain(phone)
    expect(stored).not.toContain(`"${code}"`)
  })

  it('a code works once, resends respect the cooldown and the hourly quota', async ({ skip: s }) => {
    if (skip) return s()
    const phone = '+4915100000002'
    const { email } = await smsUser('quota', phone)
    const flow = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    const code = lastCode(box, phone)
    const early = await client(idp.url).post('/api/v1/login/send', { flow_id: flow, channel: 'sms' })
    expect([early.status, early.body.code, early.body.reason]).toEqual([429, 'rate_limited', 'cooldown'])
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await client(idp.url).post('/api/v1/login/code', { flow_id: flow, channel: 'sms', code })).status).toBe(200)
    const flow2 = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body
    expect(flow2.delivery).toBe('failed') // still inside the cooldown of the last send
    const replay = await client(idp.url).post('/api/v1/login/code', { flow_id: flow2.flow_id, channel: 'sms', code })
    expect(replay.status).toBe(401)
    // Sends so far this hour: enrollment + first login = 2; eight more fill the quota of 10.
    for (let i = 0; i < 8; i++) {
      clock += 31_000
      expect((await client(idp.url).post('/api/v1/login/send', { flow_id: flow2.flow_id, channel: 'sms' })).status).toBe(200)
    }
    clock += 31_000
    const over = await client(idp.url).post('/api/v1/login/send', { flow_id: flow2.flow_id, channel: 'sms' })
    expect([over.status, over.body.reason]).toEqual([429, 'user_quota'])
  })

  it('a vendor failure is a 502 with a provider.request error event, and leaves no usable code', async ({ skip: s }) => {
    if (skip) return s()
    const phone = '+4915100000003'
    const { email } = await smsUser('outage', phone)
    const flow = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    clock += 31_000
    box.failNext(1)
    const r = await client(idp.url).post('/api/v1/login/send', { flow_id: flow, channel: 'sms' })
    expect([r.status, r.body.code]).toEqual([502, 'provider_unavailable'])
    const failed = tel.named('mfa.provider.request').filter((e) => e['mfa.flow_id'] === flow).at(-1)
    expect(failed).toMatchObject({ 'mfa.outcome': 'error', 'mfa.reason': 'http_5xx', 'mfa.http_status_class': '5xx' })
  })

  it('e-mail codes are no second factor (NIST SP 800-63B 5.1.3.1): enrolling one is refused, one from before is never offered, accepted or counted', async ({ skip: s }) => {
    if (skip) return s()
    const api = client(idp.url)
    const email = `both-${store}@example.test`.toLowerCase()
    await signUp(api, email, PASSWORD, mailedCode(idp.url))
    const refused = await api.post('/api/v1/enroll/oob', { channel: 'email', address: `mail-${store}@example.test`.toLowerCase() })
    expect([refused.status, refused.body.code]).toEqual([400, 'bad_request'])
    expect(refused.body.message).toMatch(/not accepted as a second factor \(NIST SP 800-63B 5\.1\.3\.1.*authenticator app.*phone number/)
    expect(await idp.db.query("SELECT 1 FROM oob_factors WHERE channel = 'email'")).toHaveLength(0)
    expect((await api.get('/enroll/oob')).text).not.toContain('value="email"')
    const t = await api.post('/api/v1/enroll/totp')
    const secret = new URL(t.body.otpauth_uri).searchParams.get('secret')!
    expect((await api.post('/api/v1/enroll/totp/verify', { credential_id: t.body.credential_id, code: totpAt(secret, clock) })).body.status).toBe('active')
    // An e-mail factor enrolled before this change, still active in the store.
    const userId = (await idp.db.query<{ user_id: string }>('SELECT user_id FROM totp_credentials WHERE id = $1', [t.body.credential_id]))[0].user_id
    const legacyId = '00000000-0000-4000-8000-0000000000e1'
    await idp.db.query("INSERT INTO oob_factors (id, user_id, channel, address_enc, address_mac, hint, name, status) VALUES ($1, $2, 'email', 'sealed', 'mac', 'm•••@example.test', 'E-mail', 'active')", [legacyId, userId])
    clock += 31_000
    const login = (await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })).body
    expect([login.next, login.factors]).toEqual(['totp', ['totp']])
    const send = await client(idp.url).post('/api/v1/login/send', { flow_id: login.flow_id, channel: 'email' })
    expect([send.status, send.body.code, send.body.message]).toEqual([400, 'bad_request', expect.stringMatching(/not accepted as a second factor/)])
    const typed = await client(idp.url).post('/api/v1/login/code', { flow_id: login.flow_id, channel: 'email', code: '123456' })
    expect([typed.status, typed.body.code]).toEqual([400, 'bad_request'])
    expect(box.messagesTo(`mail-${store}@example.test`.toLowerCase())).toHaveLength(0)
    const done = await api.post('/api/v1/login/totp', { flow_id: login.flow_id, code: totpAt(secret, clock) })
    expect(done.body.status).toBe('authenticated')
    // Step-up offers the app only; the TOTP is the last real factor, so it cannot be removed, the e-mail one can.
    expect((await api.post('/api/v1/stepup')).body).toMatchObject({ next: 'totp', factors: ['totp'] })
    const last = await api.post('/api/v1/factors/remove', { type: 'totp', id: t.body.credential_id })
    expect([last.status, last.body.code]).toEqual([403, 'forbidden'])
    // The enrollment snapshot counts no e-mail coverage.
    const counts = await idp.snapshot()
    expect(counts.every((g) => !('email' in g.factors))).toBe(true)
    expect(tel.named('mfa.enrollment.snapshot').some((e) => e['mfa.factor'] === 'email')).toBe(false)
    expect((await api.get('/')).text).toContain('not a second factor: e-mail codes are no longer accepted; remove it')
    expect((await api.post('/api/v1/factors/remove', { type: 'email', id: legacyId })).body.status).toBe('removed')
  })
})
