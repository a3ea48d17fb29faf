import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateEvent } from '../contract'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { capture, client, mailedCode, startTestIdp } from './support/idp-client'
import { signUp } from './support/signup'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const BAD_IP = { 'x-demo-ip': '203.0.113.7' } // on the shipped policy's block list

describe.each(testStores(afterAll))('trusted devices and risk on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let box: LocalOutbox
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { demoHeaders: 'on' })
    if (!t) return void (skip = true)
    ;({ idp, tel, box } = t)
  })
  afterAll(async () => idp?.close())

  async function totpUser(name: string) {
    const email = `${name}-${store}@example.test`
    const api = client(idp.url)
    await signUp(api, email, PASSWORD, mailedCode(idp.url))
    const e = await api.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    await api.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock) })
    clock += 30_000
    return { email, secret }
  }

  it('a remembered device skips MFA for its own account only, and can be revoked', async ({ skip: s }) => {
    if (skip) return s()
    const alice = await totpUser('alice')
    const bob = await totpUser('bob')
    const browser = client(idp.url, { 'x-demo-country': 'DE' })
    const flow = (await browser.post('/api/v1/login', { email: alice.email, password: PASSWORD })).body.flow_id
    expect((await browser.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(alice.secret, clock), remember_device: true })).body.status).toBe('authenticated')
    expect(browser.jar.get('__Host-fw_trusted')).toMatch(/^[0-9a-f-]{36}\.\d+\.[0-9a-f]{64}$/)
    clock += 60_000

    const again = await browser.post('/api/v1/login', { email: alice.email, password: PASSWORD })
    expect(again.body).toEqual({ status: 'authenticated' })
    const bypass = tel.named('mfa.bypass').at(-1)!
    expect(bypass).toMatchObject({ 'mfa.reason': 'trusted_device', 'mfa.risk_level': 'low', 'mfa.network': '127.0.0.0/24' }) // no X-Demo-IP: the socket's
    expect(bypass).not.toHaveProperty('mfa.risk_signals') // none: absent, never empty
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.flow_id': bypass['mfa.flow_id'], 'mfa.reason': 'trusted_device' })

    // The same browser (with alice's cookie) signing in as bob still needs bob's second factor.
    const asBob = await browser.post('/api/v1/login', { email: bob.email, password: PASSWORD })
    expect(asBob.body.next).toBe('totp')

    // Revoked: MFA again.
    const devices = (await browser.get('/api/v1/trusted-devices')).body.devices
    expect(devices.length).toBeGreaterThanOrEqual(1)
    expect((await browser.post('/api/v1/trusted-devices/revoke', {})).body.revoked).toBeGreaterThanOrEqual(1)
    expect((await browser.post('/api/v1/login', { email: alice.email, password: PASSWORD })).body.next).toBe('totp')
  })

  it('high risk (known bad address) refuses the remembered-device skip and SMS', async ({ skip: s }) => {
    if (skip) return s()
    const carol = await totpUser('carol')
    const browser = client(idp.url, { 'x-demo-country': 'DE' })
    const flow = (await browser.post('/api/v1/login', { email: carol.email, password: PASSWORD })).body.flow_id
    await browser.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(carol.secret, clock), remember_device: true })
    clock += 60_000
    const risky = client(idp.url, { 'x-demo-country': 'DE', ...BAD_IP })
    risky.setCookie(browser.cookie())
    const r = await risky.post('/api/v1/login', { email: carol.email, password: PASSWORD })
    expect(r.body.next).toBe('totp')
    expect(tel.named('mfa.login.started').at(-1)).toMatchObject({ 'mfa.risk_level': 'high', 'mfa.risk_signals': 'known_bad_ip', 'mfa.network': '203.0.113.0/24' })
    expect(tel.named('mfa.challenge.issued').at(-1)).toMatchObject({ 'mfa.reason': 'risk_high', 'mfa.network': '203.0.113.0/24' })

    // An SMS-only account at high risk cannot finish with SMS.
    const phone = '+4915100000099'
    const sms = client(idp.url)
    const email = `dan-${store}@example.test`
    await signUp(sms, email, PASSWORD, mailedCode(idp.url))
    const e = await sms.post('/api/v1/enroll/oob', { channel: 'sms', address: phone })
    const code = /(\d{6})/.exec(box.messagesTo(phone).at(-1)!.text)![1]
    await sms.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code })
    const refused = await client(idp.url, BAD_IP).post('/api/v1/login', { email, password: PASSWORD })
    expect([refused.status, refused.body.code, refused.body.risk_level]).toEqual([403, 'forbidden', 'high'])
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.outcome': 'failure', 'mfa.reason': 'risk_blocked', 'mfa.risk_level': 'high', 'mfa.risk_signals': 'known_bad_ip' }) // a first sign-in: only the block list speaks
  })

  it('events carry the source network (/24, /48, an IPv4-mapped address as its /24), never the address; all valid per the contract', async ({ skip: s }) => {
    if (skip) return s()
    const fay = await totpUser('fay')
    const from = async (ip: string) => {
      await client(idp.url, { 'x-demo-country': 'DE', 'x-demo-ip': ip }).post('/api/v1/login', { email: fay.email, password: PASSWORD })
      return tel.named('mfa.login.started').at(-1)!
    }
    const v6 = await from('2001:DB8:aa:bb::17')
    expect(v6).toMatchObject({ 'mfa.network': '2001:db8:aa::/48', 'mfa.risk_level': 'low' })
    expect(v6).not.toHaveProperty('mfa.risk_signals')
    expect(await from('::ffff:198.51.100.66')).toMatchObject({ 'mfa.network': '198.51.100.0/24', 'mfa.risk_signals': 'known_bad_ip', 'mfa.risk_level': 'high' })
    const wrong = await client(idp.url, { 'x-demo-ip': '192.0.2.200' }).post('/api/v1/login', { email: fay.email, password: 'not the password' })
    expect(wrong.status).toBe(401)
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.reason': 'password_failed', 'mfa.network': '192.0.2.0/24' })
    const all = JSON.stringify(tel.events)
    for (const address of ['203.0.113.7', '2001:db8:aa:bb', '198.51.100.66', '192.0.2.200', '127.0.0.1']) expect(all).not.toContain(address)
    for (const e of tel.events) expect(validateEvent(e)).toMatchObject({ ok: true })
  })

  it('a code typed from another address carries the network and signals of the password step; an event without a flow keeps its own', async ({ skip: s }) => {
    if (skip) return s()
    const gus = await totpUser('gus')
    const attacker = client(idp.url, { 'x-demo-country': 'DE', ...BAD_IP })
    const flow = (await attacker.post('/api/v1/login', { email: gus.email, password: PASSWORD })).body.flow_id
    const started = tel.named('mfa.login.started').at(-1)!
    expect(started).toMatchObject({ 'mfa.flow_id': flow, 'mfa.network': '203.0.113.0/24', 'mfa.risk_level': 'high' })
    expect(String(started['mfa.risk_signals'])).toMatch(/known_bad_ip$/)
    const start = { 'mfa.network': '203.0.113.0/24', 'mfa.risk_signals': started['mfa.risk_signals'], 'mfa.risk_level': 'high' }
    // The same browser (its cookies) from another network: a wrong code, then the right one over IPv6.
    const moved = client(idp.url, { 'x-demo-country': 'DE', 'x-demo-ip': '192.0.2.55' })
    moved.setCookie(attacker.cookie())
    expect((await moved.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(gus.secret, clock) === '000000' ? '111111' : '000000' })).body.code).toBe('invalid_code')
    const v6 = client(idp.url, { 'x-demo-country': 'DE', 'x-demo-ip': '2001:db8:77::5' })
    v6.setCookie(attacker.cookie())
    expect((await v6.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(gus.secret, clock) })).body.status).toBe('authenticated')
    const ofFlow = tel.events.filter((e) => e['mfa.flow_id'] === flow)
    expect(ofFlow.map((e) => e['event.name'])).toEqual(['mfa.login.started', 'mfa.challenge.issued', 'mfa.challenge.verified', 'mfa.challenge.verified', 'mfa.login.completed'])
    for (const e of ofFlow) expect(e).toMatchObject(start)
    // Signed in from 2001:db8:77::/48, new recovery codes are an account change: the request's own network.
    expect((await v6.post('/api/v1/recovery-codes', {})).status).toBe(200)
    const regenerated = tel.named('mfa.recovery').at(-1)!
    expect(regenerated).toMatchObject({ 'mfa.reason': 'recovery_codes_regenerated', 'mfa.network': '2001:db8:77::/48' })
    expect(regenerated).not.toHaveProperty('mfa.flow_id')
    expect(JSON.stringify(tel.events)).not.toMatch(/192\.0\.2\.55|2001:db8:77::5/)
  })

  it('an account with only a password cannot sign in at high risk (policy passwordOnly: deny); at low risk it can', async ({ skip: s }) => {
    if (skip) return s()
    const email = `pat-${store}@example.test`
    await signUp(client(idp.url), email, PASSWORD, mailedCode(idp.url))
    const refused = await client(idp.url, BAD_IP).post('/api/v1/login', { email, password: PASSWORD })
    expect([refused.status, refused.body.code, refused.body.risk_level]).toEqual([403, 'forbidden', 'high'])
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('__Host-fw_session='))).toBe(false)
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.outcome': 'failure', 'mfa.reason': 'risk_blocked', 'mfa.risk_level': 'high' })
    const fine = await client(idp.url, { 'x-demo-country': 'DE' }).post('/api/v1/login', { email, password: PASSWORD })
    expect(fine.body).toEqual({ status: 'authenticated' })
    expect(tel.named('mfa.login.completed').at(-1)).toMatchObject({ 'mfa.outcome': 'success', 'mfa.reason': 'mfa_not_enrolled', 'mfa.risk_level': 'low' })
  })

  it('a new country minutes after the last sign-in is impossible travel: high risk', async ({ skip: s }) => {
    if (skip) return s()
    const erin = await totpUser('erin')
    const home = client(idp.url, { 'x-demo-country': 'DE' })
    const f = (await home.post('/api/v1/login', { email: erin.email, password: PASSWORD })).body.flow_id
    expect((await home.post('/api/v1/login/totp', { flow_id: f, code: totpAt(erin.secret, clock) })).body.status).toBe('authenticated')
    clock += 5 * 60_000
    await client(idp.url, { 'x-demo-country': 'BR' }).post('/api/v1/login', { email: erin.email, password: PASSWORD })
    expect(tel.named('mfa.login.started').at(-1)).toMatchObject({ 'mfa.risk_level': 'high', 'mfa.country': 'BR', 'mfa.risk_signals': 'new_device,new_country,impossible_travel' })
  })
})

describe('per-address limits on password and code attempts', () => {
  it('the fourth sign-in attempt from one address in a minute is refused with Retry-After; other addresses are not', async () => {
    const idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', rateLoginPerMinute: 3, demoHeaders: 'on' }), { telemetry: capture().t, log: () => {} })
    try {
      const from = (ip: string) => client(idp.url, { 'x-demo-ip': ip })
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await from('198.18.0.1').post('/api/v1/login', { email: 'nobody@example.test', password: 'guess number one' })).status)
      expect(statuses).toEqual([401, 401, 401, 429])
      const refused = await from('198.18.0.1').post('/api/v1/login', { email: 'nobody@example.test', password: 'guess' })
      expect([refused.body.code, Number(refused.headers.get('retry-after')) > 0]).toEqual(['rate_limited', true])
      expect((await from('198.18.0.2').post('/api/v1/login', { email: 'nobody@example.test', password: 'guess' })).status).toBe(401)
      expect(await (await fetch(`${idp.url}/metrics`)).text()).toMatch(/idp_rate_limited_total\{bucket="password"\} 2/)
    } finally {
      await idp.close()
    }
  })
})
