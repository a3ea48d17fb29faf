import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_PUSH_POLICY } from '../reference-idp/factors/push'
import { loadKeys } from '../reference-idp/keys'
import { DEFAULT_FLOW_POLICY } from '../reference-idp/login/policy'
import { createAccountSecurity } from '../reference-idp/login/account-security'
import { createAudit } from '../reference-idp/login/audit'
import { createPushService, type PushService } from '../reference-idp/login/push'
import { pushPageRoutes } from '../reference-idp/pages/push'
import { hashPassword } from '../reference-idp/factors/password'
import { createSessions, SESSION_COOKIE } from '../reference-idp/login/sessions'
import { pushRoutes } from '../reference-idp/push-routes'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { openPglite, type Db } from '../reference-idp/store/db'
import { migrateStore } from '../reference-idp/store/migrate'
import { createPushRepo } from '../reference-idp/store/push-repo'
import { createRepo, type Repo } from '../reference-idp/store/repo'
import { createPushAdapters, createPushChain } from '../reference-idp/subprocessors/adapters/push-create'
import { simulatorPushCredentials } from '../reference-idp/simulator/idp-settings'
import { loadRegistry } from '../dashboards/schema/registry'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { capture, client } from './support/idp-client'
import { simulatedPhone } from './support/phone'
import { serveRoutes } from './support/route-server'

/**
 * Push approval with number matching, end to end: the push routes over HTTP, the push service
 * on PGlite, the FCM/APNs adapters behind the registry's push chains, and the provider
 * simulator delivering to simulated devices, each with its own P-256 key pair.
 */

let skew = 0 // the IdP's clock runs ahead of real time by this much (expiry, windows)
const now = () => new Date(Date.now() + skew)
let sim: Simulator
let db: Db
let repo: Repo
let server: Awaited<ReturnType<typeof serveRoutes>>
let sessions: ReturnType<typeof createSessions>
let pushService: PushService
const tel = capture()
const keys = loadKeys({ dataDir: 'memory://' })

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 11, timeScale: 0.02, baseline: 'clean' })
  db = await openPglite('memory://')
  await migrateStore(db)
  repo = createRepo(db, keys)
  sessions = createSessions(repo, 3600, now, () => {})
  const registry = loadRegistry()
  const push = createPushService({
    repo, push: createPushRepo(db), keys, telemetry: tel.t, metrics: createIdpMetrics(), region: 'eu-west',
    sender: createPushChain({ registry, adapters: createPushAdapters(sim.url, registry, { credentials: simulatorPushCredentials(sim.url) }), now: () => now().getTime() }), policy: DEFAULT_PUSH_POLICY, flowPolicy: DEFAULT_FLOW_POLICY, now,
  })
  pushService = push
  server = await serveRoutes([...pushRoutes(push, undefined, () => 'https://idp.example'), ...pushPageRoutes({ push, publicUrl: () => 'https://idp.example', fresh: async (x) => x.userId() })], sessions)
})
afterAll(async () => {
  await server?.close()
  await sim?.close()
  await db?.close()
})

const events = (name: string, flowId?: string) => tel.named(name).filter((e) => !flowId || e['mfa.flow_id'] === flowId)

const phone = (platform: 'ios' | 'android') => simulatedPhone(sim.url, server.url, platform)

/** A user with an active push device, enrolled through the API like a real one. */
async function enrolled(platform: 'ios' | 'android' = 'android') {
  const userId = randomUUID()
  await repo.insertUser({ id: userId, email: `${userId}@example.test`, passwordHash: 'unused', userGroup: 'workforce' })
  const browser = client(server.url)
  browser.setCookie(`${SESSION_COOKIE}=${await sessions.create(userId, true)}`)
  const device = phone(platform)
  const reg = await browser.post('/api/v1/push/devices', { platform, token: device.token, public_key: device.publicKey, name: 'Test phone' })
  expect(reg.status).toBe(201)
  expect((await browser.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body.status).toBe('pending')
  const push = await device.nextPush()
  expect(push.data.kind).toBe('enrollment')
  expect((await device.answer(push.data.challenge_id, reg.body.number, 'approved')).body).toEqual({ status: 'approved' })
  expect((await browser.post('/api/v1/push/devices/verify', { device_id: reg.body.device_id })).body).toEqual({ status: 'active' })
  return { userId, device, deviceId: reg.body.device_id as string, browser }
}

/** The password step of an attacker on a block-listed network, as the IdP stores it with the flow. */
const ATTACKER = { network: '203.0.113.0/24', riskSignals: 'new_device,known_bad_ip', riskLevel: 'high' }

/** What the password step would do: open a push flow for the user in a fresh browser, then send the push. */
async function login(userId: string, origin?: typeof ATTACKER) {
  const browser = client(server.url)
  await browser.get(`/api/v1/login/push?flow_id=${randomUUID()}`) // any request: the browser gets its device cookie
  const flowId = randomUUID()
  await repo.insertFlow({ id: flowId, userId, factor: 'push', issuedAt: now(), client: 'web', deviceId: browser.jar.get('fw_device'), ...origin })
  const sent = await browser.post('/api/v1/login/push', { flow_id: flowId })
  return { browser, flowId, sent, poll: () => browser.get(`/api/v1/login/push?flow_id=${flowId}`) }
}

describe('push approval with number matching (FCM/APNs adapters, provider simulator)', () => {
  it.each(['android', 'ios'] as const)('enrolls an %s device and approves a sign-in with the number shown', async (platform) => {
    const { userId, device } = await enrolled(platform)
    expect(events('mfa.enrollment.changed').slice(-2).map((e) => e['mfa.reason'])).toEqual(['enrolled', 'activated'])
    const l = await login(userId)
    expect(l.sent.status).toBe(200)
    expect(l.sent.body.number).toBeGreaterThanOrEqual(10)
    const push = await device.nextPush()
    expect(push.vendor).toBe(platform === 'ios' ? 'apns' : 'fcm')
    expect(JSON.stringify(push)).not.toContain(`"${l.sent.body.number}"`) // the number is on the screen, never in the push
    expect((await l.poll()).body.status).toBe('pending')
    expect((await device.answer(push.data.challenge_id, l.sent.body.number, 'approved')).body).toEqual({ status: 'approved' })
    const done = await l.poll()
    expect(done.body).toEqual({ status: 'approved' })
    expect(done.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true)
    expect((await repo.flow(l.flowId))?.state).toBe('completed')
    expect((await l.poll()).status).toBe(410) // finished once
    expect(events('mfa.provider.request', l.flowId)).toMatchObject([{ 'mfa.provider': push.vendor, 'mfa.channel': 'push', 'mfa.outcome': 'success' }])
    expect(events('mfa.challenge.issued', l.flowId)).toMatchObject([{ 'mfa.factor': 'push', 'mfa.channel': 'push', 'mfa.reason': 'login_required' }])
    expect(events('mfa.challenge.verified', l.flowId)).toMatchObject([{ 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.factor': 'push' }])
    expect(events('mfa.login.completed', l.flowId)).toMatchObject([{ 'mfa.outcome': 'success', 'mfa.reason': 'mfa_satisfied', 'mfa.factor': 'push' }])
    const [row] = await db.query<{ token_enc: string }>('SELECT token_enc FROM push_devices WHERE user_id = $1', [userId])
    expect(row.token_enc).not.toContain(device.token) // sealed at rest
  })

  it('refuses a wrong number, and the push cannot be answered again', async () => {
    const { userId, device } = await enrolled()
    const l = await login(userId)
    const { data } = await device.nextPush()
    const wrong = l.sent.body.number === 99 ? 98 : l.sent.body.number + 1
    expect((await device.answer(data.challenge_id, wrong, 'approved')).body).toMatchObject({ code: 'invalid_code' })
    expect((await device.answer(data.challenge_id, l.sent.body.number, 'approved')).body).toMatchObject({ code: 'code_replayed' })
    expect((await l.poll()).body).toEqual({ status: 'denied', reason: 'number_mismatch' })
    expect(events('mfa.challenge.verified', l.flowId).map((e) => e['mfa.reason'])).toEqual(['number_mismatch', 'code_replayed'])
  })

  it('a denied push ends the sign-in; its events carry the network and signals of the password step, not the phone\'s', async () => {
    const { userId, device } = await enrolled()
    // This harness gives requests no client address: an event without a flow has no network, so
    // the flow's events below can only have theirs from the stored flow.
    expect(events('mfa.enrollment.changed').at(-1)).not.toHaveProperty('mfa.network')
    const l = await login(userId, ATTACKER)
    expect((await device.answer((await device.nextPush()).data.challenge_id, 0, 'denied')).body).toEqual({ status: 'denied' })
    expect((await l.poll()).body).toEqual({ status: 'denied', reason: 'user_denied' })
    const start = { 'mfa.network': ATTACKER.network, 'mfa.risk_signals': ATTACKER.riskSignals, 'mfa.risk_level': 'high' }
    expect(events('mfa.challenge.issued', l.flowId)).toMatchObject([start]) // sent on the browser's later request
    expect(events('mfa.challenge.verified', l.flowId)).toMatchObject([{ 'mfa.outcome': 'failure', 'mfa.reason': 'user_denied', ...start }]) // answered by the phone
    expect(events('mfa.login.completed', l.flowId)).toMatchObject([{ 'mfa.outcome': 'failure', 'mfa.reason': 'mfa_failed', ...start }])
    expect((await l.browser.post('/api/v1/login/push', { flow_id: l.flowId })).status).toBe(410)
  })

  it('an answer after 60 s is refused as expired (no_response)', async () => {
    const { userId, device } = await enrolled()
    const l = await login(userId)
    const { data } = await device.nextPush()
    skew += 61_000
    const late = await device.answer(data.challenge_id, l.sent.body.number, 'approved')
    expect([late.status, late.body.code]).toEqual([410, 'flow_expired'])
    expect((await l.poll()).body).toEqual({ status: 'expired' })
    expect(events('mfa.challenge.verified', l.flowId)).toMatchObject([{ 'mfa.outcome': 'expired', 'mfa.reason': 'no_response' }])
  })

  it('a fraud report locks push for the user and emits mfa.lockout', async () => {
    const { userId, device, browser } = await enrolled()
    const l = await login(userId, ATTACKER)
    expect((await device.answer((await device.nextPush()).data.challenge_id, 0, 'fraud')).body).toEqual({ status: 'fraud_reported' })
    const start = { 'mfa.network': ATTACKER.network, 'mfa.risk_signals': ATTACKER.riskSignals }
    expect(events('mfa.lockout', l.flowId)).toMatchObject([{ 'mfa.reason': 'fraud_reported', 'mfa.factor': 'push', ...start }])
    expect(events('mfa.challenge.verified', l.flowId)).toMatchObject([{ 'mfa.outcome': 'failure', 'mfa.reason': 'fraud_reported', ...start }])
    expect((await repo.flow(l.flowId))?.state).toBe('locked')
    const again = (await login(userId)).sent
    expect([again.status, again.body.code, again.body.reason]).toEqual([423, 'locked_out', 'fraud_reported'])
    const other = phone('android')
    expect((await browser.post('/api/v1/push/devices', { platform: 'android', token: other.token, public_key: other.publicKey })).status).toBe(423)
  })

  it.each([['android', 'unregistered-gone', 'fcm'], ['ios', 'dead' + 'b'.repeat(60), 'apns']] as const)('an %s token the vendor calls gone (app removed) stops the device and says so', async (platform, goneToken, vendor) => {
    const { userId, deviceId } = await enrolled(platform)
    // The app was removed: the vendor now answers for this device's token with "unregistered".
    await db.query('UPDATE push_devices SET token_enc = $2 WHERE id = $1', [deviceId, keys.box.seal(Buffer.from(goneToken, 'utf8'), deviceId)])
    const l = await login(userId)
    expect([l.sent.status, l.sent.body.code, l.sent.body.provider_reason]).toEqual([502, 'provider_unavailable', 'unregistered'])
    expect(l.sent.body.message).toMatch(/no longer receives pushes.*add it again/)
    expect(events('mfa.provider.request', l.flowId)).toMatchObject([{ 'mfa.provider': vendor, 'mfa.outcome': 'error', 'mfa.reason': 'http_4xx' }])
    expect(events('mfa.enrollment.changed').at(-1)).toMatchObject({ 'mfa.factor': 'push', 'mfa.reason': 'removed' })
    expect((await db.query<{ status: string }>('SELECT status FROM push_devices WHERE id = $1', [deviceId]))[0].status).toBe('unregistered')
    // No more pushes go to it: the account has no active push device now.
    const again = (await login(userId)).sent
    expect([again.status, again.body.code]).toEqual([400, 'bad_request'])
  })

  it('a password change lifts the fraud lock (the reporter shut the attacker out); an admin can lift it too', async () => {
    const security = createAccountSecurity({ repo, push: createPushRepo(db), audit: createAudit({ db, keys, now }), keys, telemetry: tel.t, metrics: createIdpMetrics(), region: 'eu-west', now })
    const { userId, device, browser } = await enrolled()
    await repo.updatePassword(userId, await hashPassword('the old password'))
    const l = await login(userId)
    await device.answer((await device.nextPush()).data.challenge_id, 0, 'fraud')
    expect((await login(userId)).sent.status).toBe(423)
    expect((await browser.get('/push')).text).toMatch(/role="alert">Push approval is locked: a sign-in request was reported as fraud.*Change your password/)
    await expect(security.changePassword(userId, 'not the password', 'a new password', { client: 'web' })).rejects.toMatchObject({ code: 'invalid_credentials' })
    expect((await login(userId)).sent.status).toBe(423) // a wrong current password changes nothing
    expect(await security.changePassword(userId, 'the old password', 'a new password', { client: 'web' })).toBeGreaterThanOrEqual(1)
    expect(tel.named('mfa.lockout').at(-1)).toMatchObject({ 'mfa.reason': 'unlocked', 'mfa.factor': 'push' })
    const after = await login(userId)
    expect(after.sent.status).toBe(200)
    browser.setCookie(`${SESSION_COOKIE}=${await sessions.create(userId, true)}`) // the change revoked every session
    const page = await browser.get('/push')
    expect([page.status, page.text.includes('role="alert"'), page.text.includes('<strong>Test phone</strong>')]).toEqual([200, false, true])
    expect(l.flowId).not.toBe(after.flowId)

    // Locked again by another fraud report; this time an admin lifts it.
    const admin = randomUUID()
    await device.answer((await device.nextPush()).data.challenge_id, 0, 'fraud')
    const { email } = (await repo.userById(userId))!
    expect(await security.unlock(admin, email, 'called back, password reset by helpdesk', { client: 'web' })).toEqual({ codes: false, push: 'fraud_reported' })
    expect((await login(userId)).sent.status).toBe(200)
  })

  it('pairs a phone by QR code: the app registers with the one-time code, the web page shows the number', async () => {
    const userId = randomUUID()
    await repo.insertUser({ id: userId, email: `${userId}@example.test`, passwordHash: 'unused', userGroup: 'customer' })
    const browser = client(server.url)
    browser.setCookie(`${SESSION_COOKIE}=${await sessions.create(userId, true)}`)
    const pairing = await browser.post('/api/v1/push/pairings')
    expect(pairing.status).toBe(201)
    expect(pairing.body.uri).toBe(`factorwatch://push-pair?code=${pairing.body.code}&idp=${encodeURIComponent('https://idp.example')}`)
    const status = () => browser.get(`/api/v1/push/pairings?pairing_id=${pairing.body.pairing_id}`)
    expect((await status()).body.status).toBe('waiting')
    expect((await client(server.url).get(`/api/v1/push/pairings?pairing_id=${pairing.body.pairing_id}`)).status).toBe(401)

    // The phone's app has no session: the pairing code is its credential, once. A bad key spends nothing.
    const device = phone('android')
    const app = client(server.url)
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
    const badKey = await app.post('/api/v1/push/devices', { platform: 'android', token: device.token, public_key: p384, pairing_code: pairing.body.code })
    expect([badKey.status, badKey.body.field]).toEqual([400, 'public_key'])
    const reg = await app.post('/api/v1/push/devices', { platform: 'android', token: device.token, public_key: device.publicKey, name: 'Pixel', pairing_code: pairing.body.code })
    expect(reg.status).toBe(201)
    expect(reg.body.number).toBeUndefined() // number matching: the phone is not told the number
    const again = await app.post('/api/v1/push/devices', { platform: 'android', token: phone('android').token, public_key: device.publicKey, pairing_code: pairing.body.code })
    expect([again.status, again.body.code]).toEqual([401, 'invalid_credentials'])
    expect((await app.post('/api/v1/push/devices', { platform: 'android', token: device.token, public_key: device.publicKey, pairing_code: 'short' })).status).toBe(400)

    const shown = (await status()).body
    expect(shown).toMatchObject({ status: 'registered', device_id: reg.body.device_id, number: expect.any(Number) })
    // The web page shows the same number as HTML (the pairing check form).
    const page = await browser.form('/push/pair/check', { pairing_id: pairing.body.pairing_id, code: pairing.body.code })
    expect(page.text).toContain(`aria-label="Number to type: ${shown.number}"`)
    const push = await device.nextPush()
    expect(push.data.kind).toBe('enrollment')
    expect((await device.answer(push.data.challenge_id, shown.number, 'approved')).body).toEqual({ status: 'approved' })
    const done = await browser.form('/push/pair/check', { pairing_id: pairing.body.pairing_id, code: pairing.body.code, step: 'number' })
    expect([done.status, done.headers.get('location')]).toEqual([303, '/push'])
    expect((await status()).body).toEqual({ status: 'active', device_id: reg.body.device_id })
    expect(await pushService.hasActiveDevice(userId)).toBe(true)
    expect((await browser.get('/push')).text).toContain('<strong>Pixel</strong>')
  })

  it('an unused pairing code expires after 10 minutes', async () => {
    const userId = randomUUID()
    await repo.insertUser({ id: userId, email: `${userId}@example.test`, passwordHash: 'unused', userGroup: 'customer' })
    const browser = client(server.url)
    browser.setCookie(`${SESSION_COOKIE}=${await sessions.create(userId, true)}`)
    const pairing = await browser.post('/api/v1/push/pairings')
    skew += 10 * 60_000 + 1000
    expect((await browser.get(`/api/v1/push/pairings?pairing_id=${pairing.body.pairing_id}`)).body.status).toBe('expired')
    const device = phone('ios')
    const late = await client(server.url).post('/api/v1/push/devices', { platform: 'ios', token: device.token, public_key: device.publicKey, pairing_code: pairing.body.code })
    expect([late.status, late.body.code]).toEqual([401, 'invalid_credentials'])
  })

  it('refuses a sixth push in an hour', async () => {
    const { userId, device } = await enrolled() // the phone's test push does not count
    for (let i = 0; i < 5; i++) {
      const l = await login(userId)
      expect(l.sent.status).toBe(200)
      await device.answer((await device.nextPush()).data.challenge_id, l.sent.body.number, 'approved')
    }
    const sixth = (await login(userId)).sent
    expect([sixth.status, sixth.body.code, sixth.body.reason]).toEqual([429, 'rate_limited', 'hourly_quota'])
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(3000)
  })

  it('refuses a second push while one is outstanding', async () => {
    const { userId } = await enrolled()
    const l = await login(userId)
    const second = await l.browser.post('/api/v1/login/push', { flow_id: l.flowId })
    expect([second.status, second.body.code, second.body.reason]).toEqual([429, 'rate_limited', 'outstanding'])
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect((await login(userId)).sent.body.reason).toBe('outstanding') // another sign-in of the same user, too
  })

  it('refuses an answer signed by another device, and changes nothing', async () => {
    const { userId, device } = await enrolled()
    const l = await login(userId)
    const { data } = await device.nextPush()
    const intruder = phone('android')
    const forged = await device.answer(data.challenge_id, l.sent.body.number, 'approved', intruder.privateKey)
    expect([forged.status, forged.body.code]).toEqual([401, 'invalid_credentials'])
    expect((await l.poll()).body.status).toBe('pending')
    expect((await device.answer(data.challenge_id, l.sent.body.number, 'approved')).body.status).toBe('approved')
    expect(events('mfa.challenge.verified', l.flowId).map((e) => e['mfa.reason'])).toEqual(['signature_invalid', 'ok'])
  })

  it('three denied pushes in 10 minutes pause push (push_bombing), with one lockout event', async () => {
    const { userId, device } = await enrolled()
    for (let i = 0; i < 3; i++) {
      expect((await login(userId)).sent.status).toBe(200)
      await device.answer((await device.nextPush()).data.challenge_id, 0, 'denied')
    }
    const before = events('mfa.lockout').length
    for (let i = 0; i < 2; i++) {
      const r = (await login(userId)).sent
      expect([r.status, r.body.code, r.body.reason]).toEqual([423, 'locked_out', 'push_bombing'])
    }
    expect(events('mfa.lockout').slice(before)).toMatchObject([{ 'mfa.reason': 'push_bombing', 'mfa.factor': 'push' }])
  })

  it('bad input gets a 400 naming the field', async () => {
    const { browser } = await enrolled()
    const r = await browser.post('/api/v1/push/devices', { platform: 'ios', token: 'not-hex', public_key: 'x'.repeat(100) })
    expect([r.status, r.body.code, r.body.field]).toEqual([400, 'bad_request', 'token'])
    const p = await browser.post('/api/v1/push/devices', { platform: 'android', token: `fcm-${'a'.repeat(40)}`, public_key: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64') })
    expect([p.status, p.body.field]).toEqual([400, 'public_key'])
  })
})
