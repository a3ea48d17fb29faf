import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { twilioRequestSignature } from '../reference-idp/subprocessors/adapters'
import { registryWithBreaker } from './support/registry'
import { DEFAULT_CREDENTIALS } from '../reference-idp/simulator/vendors/types'
import { createSnsSigningIdentity } from '../reference-idp/simulator/vendors/sns-cert'
import { sendgridSignatureHeaders, signSnsMessage, vonageSmsSignature, vonageWebhookJwt } from '../reference-idp/simulator/vendors/webhook-signing'
import { capture, client } from './support/idp-client'
import { signUp, simulatorCode } from './support/signup'
import { simulatedPhone } from './support/phone'
import { eventually } from './support/processes'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let skew = 0 // the IdP's clock (resend cooldowns, breakers, never-receipted) runs ahead of real time by this much

/**
 * The shipped registry with a twilio breaker that judges after 2 requests and cools down in
 * 2 min: longer than the test's four sign-ins, 31 s apart on the IdP's clock (the resend cooldown).
 */
function fastBreakerRegistry(): string {
  return registryWithBreaker('twilio', { failureRatio: 0.5, minimumRequests: 2, openSeconds: 120, halfOpenProbes: 1 })
}

let sim: Simulator
let idp: RunningIdp
let tel: ReturnType<typeof capture>
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5, timeScale: 0.02, baseline: 'clean' })
  tel = capture()
  idp = await startIdp(loadIdpConfig(simulatorIdpEnv(sim.url), { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', registryPath: fastBreakerRegistry(), rateSignupPerHour: 600 }), { telemetry: tel.t, now: () => new Date(Date.now() + skew), log: () => {} })
})
afterAll(async () => {
  await idp?.close()
  await sim?.close()
})

type PhoneMessage = { id: string; code: string; vendor: string }
const seen = new Set<string>()
const phoneMessages = async (phone: string): Promise<PhoneMessage[]> => (await (await fetch(`${sim.url}/devices/phone/${encodeURIComponent(phone)}/messages`)).json()).messages

/** The first code on the simulated phone not read before. */
async function codeOnPhone(phone: string, _since?: number): Promise<{ code: string; vendor: string }> {
  const m = await eventually(async () => (await phoneMessages(phone)).find((x) => !seen.has(x.id) && x.code), 15_000, 100)
  seen.add(m.id)
  return { code: m.code, vendor: m.vendor }
}

const fault = (body: object) => fetch(`${sim.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const events = (name: string, provider?: string) => tel.named(name).filter((e) => !provider || e['mfa.provider'] === provider)

describe('SMS through real vendor adapters, breakers and fallback (provider simulator)', () => {
  const phone = '+4915100000777'
  const email = 'vendors@example.test'
  it('enrolls over the primary vendor and its receipt becomes mfa.provider.delivery', async () => {
    const api = client(idp.url)
    await signUp(api, email, PASSWORD, simulatorCode(sim.url))
    // The sign-up code went out over an e-mail vendor of the registry (e-mail stays a contact channel).
    expect(events('mfa.provider.request').filter((e) => e['mfa.channel'] === 'email').at(-1)).toMatchObject({ 'mfa.provider': expect.stringMatching(/^(ses|sendgrid)$/), 'mfa.outcome': 'success' })
    const t0 = Date.now() - 1000
    const e = await api.post('/api/v1/enroll/oob', { channel: 'sms', address: phone })
    expect(e.status).toBe(200)
    const { code, vendor } = await codeOnPhone(phone, t0)
    expect(vendor).toBe('twilio')
    expect((await api.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code })).body.status).toBe('active')
    expect(events('mfa.provider.request', 'twilio').at(-1)).toMatchObject({ 'mfa.outcome': 'success', 'mfa.http_status_class': '2xx', 'mfa.cost_micros': expect.any(Number) })
    const delivery = await eventually(async () => events('mfa.provider.delivery', 'twilio').at(-1), 15_000, 100)
    expect(delivery).toMatchObject({ 'mfa.outcome': 'success', 'mfa.reason': 'delivered', 'mfa.channel': 'sms' })
    expect(delivery['mfa.latency_ms']).toBeGreaterThanOrEqual(0)
  })

  it('an outage of the primary moves codes to the fallback vendor, opens the breaker, and it recovers half-open', async () => {
    expect((await fault({ vendor: 'twilio', kind: 'outage', durationSeconds: 60 })).status).toBe(201)
    const vendors: string[] = []
    for (let i = 0; i < 4; i++) {
      skew += 31_000 // past the resend cooldown
      const user = client(idp.url)
      const login = await user.post('/api/v1/login', { email, password: PASSWORD })
      expect([login.body.next, login.body.delivery]).toEqual(['sms', 'sent'])
      const { code, vendor } = await codeOnPhone(phone)
      vendors.push(vendor)
      if (i === 0) expect((await user.post('/api/v1/login/code', { flow_id: login.body.flow_id, channel: 'sms', code })).body.status).toBe('authenticated')
    }
    expect(vendors).toEqual(['vonage', 'vonage', 'vonage', 'vonage'])
    // The window (60 s of the IdP's clock) holds the enrollment's success and the first failure:
    // 1/2 ≥ 0.5 with 2 requests → open; the cool-down (2 min) outlasts the other three sign-ins.
    const twilio = events('mfa.provider.request', 'twilio').slice(-5).map((e) => e['mfa.reason'])
    expect(twilio).toEqual(['ok', 'http_5xx', 'circuit_open', 'circuit_open', 'circuit_open'])
    expect(events('mfa.fallback').slice(-4).map((e) => `${e['mfa.fallback_from']}→${e['mfa.fallback_to']}:${e['mfa.reason']}`)).toEqual([
      'twilio→vonage:provider_error', 'twilio→vonage:circuit_open', 'twilio→vonage:circuit_open', 'twilio→vonage:circuit_open',
    ])
    expect(events('mfa.circuit.changed', 'twilio').map((e) => `${e['mfa.circuit_from_state']}→${e['mfa.circuit_state']}:${e['mfa.reason']}`)).toEqual(['closed→open:failure_threshold'])
    expect(await (await fetch(`${idp.url}/metrics`)).text()).toMatch(/idp_circuit_state\{provider="twilio"\} 2/)

    // The fault is cleared; once the cool-down has passed on the IdP's clock, one probe goes to twilio and closes the breaker.
    expect((await fetch(`${sim.url}/faults`, { method: 'DELETE' })).status).toBe(200)
    skew += 120_000
    await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect((await codeOnPhone(phone)).vendor).toBe('twilio')
    expect(events('mfa.circuit.changed', 'twilio').map((e) => `${e['mfa.circuit_from_state']}→${e['mfa.circuit_state']}:${e['mfa.reason']}`)).toEqual([
      'closed→open:failure_threshold', 'open→half_open:cooldown_elapsed', 'half_open→closed:probe_succeeded',
    ])
  })

  it('a message lost without a receipt is reported as never_receipted', async () => {
    // Let every earlier receipt land first, so only the lost message is left unreceipted.
    await eventually(async () => {
      const [n] = await idp.db.query<{ n: number }>('SELECT count(*) AS n FROM oob_codes WHERE provider IS NOT NULL AND receipt_status IS NULL')
      return Number(n.n) === 0
    }, 15_000, 100)
    expect((await fault({ vendor: 'twilio', kind: 'delivery_loss', durationSeconds: 60 })).status).toBe(201)
    skew += 31_000
    const login = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(login.body.delivery).toBe('sent') // the vendor accepted it; nobody will ever see it
    await new Promise((r) => setTimeout(r, 500))
    skew += 11 * 60_000
    expect(await idp.sweep()).toBeGreaterThanOrEqual(1)
    const lost = events('mfa.provider.delivery', 'twilio').filter((e) => e['mfa.flow_id'] === login.body.flow_id)
    expect(lost).toMatchObject([{ 'mfa.outcome': 'timeout', 'mfa.reason': 'never_receipted' }])
  })

  it('enrolling a phone while the primary vendor is down fails over (and does not fail)', async () => {
    expect((await fault({ vendor: 'twilio', kind: 'outage', durationSeconds: 30 })).status).toBe(201)
    const api = client(idp.url)
    await signUp(api, 'during-outage@example.test', PASSWORD, simulatorCode(sim.url))
    const e = await api.post('/api/v1/enroll/oob', { channel: 'sms', address: '+4915100000888' })
    expect([e.status, e.body.status]).toEqual([200, 'pending'])
    const { vendor } = await codeOnPhone('+4915100000888')
    expect(vendor).toBe('vonage')
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
  })

  it('push with number matching, wired into the password step: the phone approves with the number shown', async () => {
    const { nextPush, answer, token, publicKey } = simulatedPhone(sim.url, idp.url)
    const api = client(idp.url)
    await signUp(api, 'pusher@example.test', PASSWORD, simulatorCode(sim.url))
    const reg = await api.post('/api/v1/push/devices', { platform: 'android', token, public_key: publicKey, name: 'Pixel' })
    expect(reg.status).toBe(201)
    expect((await answer((await nextPush()).data.challenge_id, reg.body.number)).body.status).toBe('approved')
    expect((await api.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body.status).toBe('active')

    const browser = client(idp.url)
    const login = await browser.post('/api/v1/login', { email: 'pusher@example.test', password: PASSWORD })
    expect(login.body).toMatchObject({ next: 'push', delivery: 'sent', number: expect.any(Number) })
    expect((await browser.get(`/api/v1/login/push?flow_id=${login.body.flow_id}`)).body.status).toBe('pending')
    expect((await answer((await nextPush()).data.challenge_id, login.body.number)).body.status).toBe('approved')
    expect((await browser.get(`/api/v1/login/push?flow_id=${login.body.flow_id}`)).body.status).toBe('approved')
    expect((await browser.get('/api/v1/me')).body.factors.map((f: { type: string }) => f.type)).toContain('push')
    expect(events('mfa.login.completed').filter((e) => e['mfa.flow_id'] === login.body.flow_id)).toMatchObject([{ 'mfa.outcome': 'success', 'mfa.factor': 'push' }])
  })

  it('push with an app as backup: a refused push says why, a typed code withdraws the push, a locked push falls back to the app', async () => {
    const { nextPush, answer, token, publicKey } = simulatedPhone(sim.url, idp.url)
    const email = 'push-and-app@example.test'
    const setup = client(idp.url)
    await signUp(setup, email, PASSWORD, simulatorCode(sim.url))
    const t = await setup.post('/api/v1/enroll/totp')
    const secret = new URL(t.body.otpauth_uri).searchParams.get('secret')!
    const at = () => Date.now() + skew
    await setup.post('/api/v1/enroll/totp/verify', { credential_id: t.body.credential_id, code: totpAt(secret, at()) })
    skew += 30_000
    const api = client(idp.url) // a fresh second factor, to add the phone
    const f = (await api.post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
    expect((await api.post('/api/v1/login/totp', { flow_id: f, code: totpAt(secret, at()) })).body.status).toBe('authenticated')
    const reg = await api.post('/api/v1/push/devices', { platform: 'android', token, public_key: publicKey, name: 'Pixel' })
    await answer((await nextPush()).data.challenge_id, reg.body.number)
    expect((await api.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body.status).toBe('active')

    // A push is waiting on one sign-in: a second sign-in gets no push, and is told why.
    const first = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(first.body).toMatchObject({ next: 'push', delivery: 'sent' })
    const waitingPush = await nextPush()
    const second = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(second.body).toMatchObject({ next: 'push', delivery: 'failed', delivery_error: { code: 'rate_limited', message: expect.stringMatching(/already waiting/), retry_after_seconds: expect.any(Number) } })
    // The first sign-in finishes with the app's code instead: a fallback by choice, and the push is withdrawn.
    const browser = client(idp.url)
    browser.setCookie(first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '))
    skew += 30_000
    expect((await browser.post('/api/v1/login/totp', { flow_id: first.body.flow_id, code: totpAt(secret, at()) })).body.status).toBe('authenticated')
    expect(events('mfa.fallback').filter((e) => e['mfa.flow_id'] === first.body.flow_id)).toMatchObject([{ 'mfa.fallback_from': 'push', 'mfa.fallback_to': 'totp', 'mfa.reason': 'user_choice' }])
    expect((await answer(waitingPush.data.challenge_id, first.body.number)).body.code).toBe('code_replayed')

    // A fraud report locks push: the next sign-in goes to the app, as a fallback for that reason.
    const third = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(third.body.delivery).toBe('sent')
    expect((await answer((await nextPush()).data.challenge_id, 0, 'fraud')).body.status).toBe('fraud_reported')
    const fourth = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(fourth.body.next).toBe('totp')
    expect(events('mfa.fallback').filter((e) => e['mfa.flow_id'] === fourth.body.flow_id)).toMatchObject([{ 'mfa.fallback_from': 'push', 'mfa.fallback_to': 'totp', 'mfa.reason': 'rate_limited' }])
  })

  it('a receipt that arrives after the late threshold is reported as late (signed like Twilio does)', async () => {
    // The simulator loses the message (no receipt of its own); we play the vendor's webhook.
    expect((await fault({ vendor: 'twilio', kind: 'delivery_loss', durationSeconds: 30 })).status).toBe(201)
    skew += 31_000
    const login = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
    expect(login.body.delivery).toBe('sent')
    const [row] = await idp.db.query<{ provider_message_id: string }>('SELECT provider_message_id FROM oob_codes WHERE flow_id = $1', [login.body.flow_id])
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
    skew += 90_000 // the receipt comes 90 s after the send: past the 60-s late threshold
    const url = `${idp.url}/webhooks/twilio`
    const params: [string, string][] = [['MessageSid', row.provider_message_id], ['MessageStatus', 'delivered'], ['AccountSid', DEFAULT_CREDENTIALS.twilio.accountSid]]
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioRequestSignature(DEFAULT_CREDENTIALS.twilio.authToken, url, params) },
      body: new URLSearchParams(params).toString(),
    })
    expect(await res.json()).toEqual({ accepted: 1, new: 1 })
    const late = events('mfa.provider.delivery', 'twilio').filter((e) => e['mfa.flow_id'] === login.body.flow_id)
    expect(late).toMatchObject([{ 'mfa.outcome': 'success', 'mfa.reason': 'late' }])
    expect(late[0]['mfa.latency_ms']).toBeGreaterThanOrEqual(90_000)
    // The vendor retries its webhook: the same receipt again is accepted but not reported twice.
    const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioRequestSignature(DEFAULT_CREDENTIALS.twilio.authToken, url, params) }, body: new URLSearchParams(params).toString() })
    expect(await again.json()).toEqual({ accepted: 1, new: 0 })
  })

  it('a forged receipt is refused and changes nothing', async () => {
    const before = events('mfa.provider.delivery').length
    const r = await fetch(`${idp.url}/webhooks/twilio`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' }, body: 'MessageSid=SM00000000000000000000000000000000&MessageStatus=delivered' })
    expect(r.status).toBe(403)
    expect((await r.json()).code).toBe('forbidden')
    expect(events('mfa.provider.delivery').length).toBe(before)
  })
})

describe('signed receipts of Vonage, SendGrid and SES at the IdP webhooks', () => {
  const refused = async (provider: string, reason: string) => {
    const m = new RegExp(`idp_receipts_refused_total\\{provider="${provider}",reason="${reason}"\\} (\\d+)`).exec(await (await fetch(`${idp.url}/metrics`)).text())
    return m ? Number(m[1]) : 0
  }
  const post = (vendor: string, headers: Record<string, string>, body: string) => fetch(`${idp.url}/webhooks/${vendor}`, { method: 'POST', headers, body })
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const now = () => Math.floor(Date.now() / 1000)
  const signedDlr = (params: Record<string, string>, secret: string, at = now()) => {
    const all = { ...params, timestamp: String(at) }
    return new URLSearchParams({ ...all, sig: vonageSmsSignature(secret, all) }).toString()
  }

  it('the simulator’s signed Vonage receipts were verified and recorded (none refused)', async () => {
    // The outage test sent codes over vonage; their DLRs came back signed by the simulator.
    await eventually(async () => events('mfa.provider.delivery', 'vonage').length > 0, 15_000, 100)
    expect(await (await fetch(`${idp.url}/metrics`)).text()).not.toMatch(/idp_receipts_refused_total\{provider="vonage"/)
  })

  it('a forged or replayed Vonage DLR for a pending message gets 403 and changes nothing', async () => {
    // A code goes out over vonage (twilio down) and its own receipt is lost: the row stays pending.
    expect((await fault({ vendor: 'twilio', kind: 'outage', durationSeconds: 30 })).status).toBe(201)
    expect((await fault({ vendor: 'vonage', kind: 'delivery_loss', durationSeconds: 30 })).status).toBe(201)
    skew += 31_000
    const login = await client(idp.url).post('/api/v1/login', { email: 'vendors@example.test', password: PASSWORD })
    expect(login.body.delivery).toBe('sent')
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
    const [row] = await idp.db.query<{ provider: string; provider_message_id: string }>('SELECT provider, provider_message_id FROM oob_codes WHERE flow_id = $1', [login.body.flow_id])
    expect(row.provider).toBe('vonage')
    const dlr = { messageId: row.provider_message_id, status: 'delivered', 'err-code': '0', msisdn: '4915100000777' }
    const before = { bad: await refused('vonage', 'bad_signature'), stale: await refused('vonage', 'stale_timestamp'), deliveries: events('mfa.provider.delivery').length }

    const forged = await post('vonage', form, signedDlr(dlr, 'guessed-secret'))
    expect(forged.status).toBe(403)
    expect((await forged.json()).code).toBe('forbidden')
    // Genuinely signed, but ten minutes old: a replay.
    const replayed = await post('vonage', form, signedDlr(dlr, DEFAULT_CREDENTIALS.vonage.signatureSecret, now() - 600))
    expect(replayed.status).toBe(403)
    const unsigned = await post('vonage', form, new URLSearchParams(dlr).toString())
    expect(unsigned.status).toBe(403)

    expect(await refused('vonage', 'bad_signature')).toBe(before.bad + 1)
    expect(await refused('vonage', 'stale_timestamp')).toBe(before.stale + 1)
    expect(await refused('vonage', 'missing_signature')).toBe(1)
    expect(events('mfa.provider.delivery').length).toBe(before.deliveries)
    const [after] = await idp.db.query<{ receipt_status: string | null }>('SELECT receipt_status FROM oob_codes WHERE flow_id = $1', [login.body.flow_id])
    expect(after.receipt_status).toBeNull()
  })

  it.each([
    [
      'vonage-voice',
      'a JWT signed with another secret',
      () => {
        const body = JSON.stringify({ uuid: '00000000-0000-4000-8000-000000000001', status: 'completed' })
        return { headers: { 'content-type': 'application/json', authorization: `Bearer ${vonageWebhookJwt('guessed-secret', DEFAULT_CREDENTIALS.vonage.apiKey, body, Date.now())}` }, body }
      },
      'bad_signature',
    ],
    [
      'sendgrid',
      'a batch signed with another key',
      () => {
        const body = JSON.stringify([{ sg_message_id: 'AAAAAAAAAAAAAAAAAAAAAA.filterdrecv-0-1-0', event: 'delivered', timestamp: now() }])
        const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
        return { headers: { 'content-type': 'application/json', ...sendgridSignatureHeaders(key, body, Date.now()) }, body }
      },
      'bad_signature',
    ],
    [
      'ses',
      'an SNS message whose SigningCertURL is off the allow list',
      () => {
        const event = { eventType: 'Delivery', mail: { messageId: '010200000000000000000000-0000-0000-0000-000000000000-000000' }, delivery: {} }
        const msg = { Type: 'Notification', MessageId: 'forged', TopicArn: 'arn:aws:sns:eu-west-1:000000000000:ses-events', Message: JSON.stringify(event) }
        const signed = signSnsMessage(msg, createSnsSigningIdentity(Date.now()), 'https://evil.test/SimpleNotificationService-forged.pem', Date.now())
        return { headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' }, body: JSON.stringify(signed) }
      },
      'untrusted_certificate',
    ],
  ])('%s: %s gets 403 and changes nothing', async (vendor, _what, forge, reason) => {
    const before = { n: await refused(vendor, reason), deliveries: events('mfa.provider.delivery').length }
    const { headers, body } = forge()
    const r = await post(vendor, headers, body)
    expect(r.status).toBe(403)
    expect((await r.json()).code).toBe('forbidden')
    expect(await refused(vendor, reason)).toBe(before.n + 1)
    expect(events('mfa.provider.delivery').length).toBe(before.deliveries)
  })
})
