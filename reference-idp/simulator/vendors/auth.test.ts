import { createHmac } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { rsaFromSeed, simApnsKey } from './sim-keys'
import { apns, vonageVoice } from './index'
import { exchangeAssertion } from './fcm-oauth'
import { DEFAULT_CREDENTIALS as C } from './types'
import { providerToken, serviceAccountAssertion, vonageApplicationJwt } from '../../../test/fixtures/vendor-tokens'
import { p256FromSeed } from './webhook-keys'
import { certificateSerial } from './sns-cert'

/** The simulated vendors check token credentials as the real ones do: signature with the configured public key, claims, age. */

const NOW = Date.now()
const s = Math.floor(NOW / 1000)
const otherEc = p256FromSeed('not-the-team-key')
let otherRsa: ReturnType<typeof rsaFromSeed>
beforeAll(() => {
  otherRsa = rsaFromSeed('not-the-account-key')
})

const apnsReq = (token: string) => ({ method: 'POST', params: ['ab'.repeat(32)], headers: { authorization: `bearer ${token}`, 'apns-topic': 'com.example' }, body: JSON.stringify({ aps: { alert: 'x' } }), now: NOW })

describe('APNs provider token', () => {
  it.each([
    ['a token from the team key', () => providerToken(), 200, undefined],
    ['a token 59 minutes old', () => providerToken({ iat: s - 59 * 60 }), 200, undefined],
    ['a token 61 minutes old', () => providerToken({ iat: s - 61 * 60 }), 403, 'ExpiredProviderToken'],
    ['another key’s signature', () => providerToken({ key: otherEc }), 403, 'InvalidProviderToken'],
    ['another key id', () => providerToken({ kid: 'OTHERKEY01' }), 403, 'InvalidProviderToken'],
    ['another team', () => providerToken({ iss: 'OTHERTEAM1' }), 403, 'InvalidProviderToken'],
    ['a static string', async () => 'sim-apns-provider-token', 403, 'InvalidProviderToken'],
  ])('%s → %i %s', async (_n, token, status, reason) => {
    const r = apns.parse(apnsReq(await token()), C)
    if (status === 200) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, reply: { status, body: { reason } } })
  })

  it('an HS256 token made with the public key as secret (alg confusion) is refused', () => {
    const pub = simApnsKey().publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const head = `${b({ alg: 'HS256', kid: C.apns.keyId })}.${b({ iss: C.apns.teamId, iat: s })}`
    const sig = createHmac('sha256', pub).update(head).digest('base64url')
    expect(apns.parse(apnsReq(`${head}.${sig}`), C)).toMatchObject({ ok: false, reply: { status: 403, body: { reason: 'InvalidProviderToken' } } })
  })
})

describe('FCM token endpoint', () => {
  const URL_ = 'http://sim.test/oauth2/token'
  const form = async (o: Record<string, string>) => new URLSearchParams(o).toString()
  const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
  it.each([
    ['a good assertion', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_) }), 200, undefined],
    ['another grant type', async () => form({ grant_type: 'client_credentials', assertion: await serviceAccountAssertion(URL_) }), 400, 'unsupported_grant_type'],
    ['no assertion', async () => form({ grant_type: grant }), 400, 'invalid_request'],
    ['another key', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_, { key: otherRsa }) }), 400, 'invalid_grant'],
    ['another service account', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_, { iss: 'x@y.iam.gserviceaccount.com' }) }), 400, 'invalid_grant'],
    ['another audience', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion('https://oauth2.googleapis.com/token') }), 400, 'invalid_grant'],
    ['another scope', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_, { scope: 'https://www.googleapis.com/auth/cloud-platform' }) }), 400, 'invalid_scope'],
    ['a two-hour assertion', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_, { lifetime: 7200 }) }), 400, 'invalid_grant'],
    ['an expired assertion', async () => form({ grant_type: grant, assertion: await serviceAccountAssertion(URL_, { iat: s - 7200 }) }), 400, 'invalid_grant'],
  ])('%s → %i %s', async (_n, body, status, error) => {
    const r = exchangeAssertion(C.fcm, await body(), URL_, NOW)
    expect(r.status).toBe(status)
    if (error) expect(r.body).toMatchObject({ error })
    else expect(r.body).toMatchObject({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' })
  })
})

describe('Vonage Voice application JWT', () => {
  const call = (token: string) => ({ method: 'POST', params: [], headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ to: [{ type: 'phone', number: '4915112345678' }], from: { type: 'phone', number: '15005550007' }, ncco: [{ action: 'talk', text: 'code' }] }), now: NOW })
  it.each([
    ['the application’s JWT', () => vonageApplicationJwt(), true],
    ['another key’s signature', () => vonageApplicationJwt({ key: otherRsa }), false],
    ['another application', () => vonageApplicationJwt({ applicationId: '00000000-0000-4000-8000-000000000000' }), false],
    ['an expired JWT', () => vonageApplicationJwt({ exp: s - 1 }), false],
    ['a static string', async () => 'sim-vonage-jwt', false],
  ])('%s → accepted %s', async (_n, token, ok) => {
    const r = vonageVoice.parse(call(await token()), C)
    expect(r.ok).toBe(ok)
    if (!ok) expect(r).toMatchObject({ reply: { status: 401 } })
  })
})

describe('SNS signing certificate serial', () => {
  it.each([
    [[0x00, 0x01, 2, 3, 4, 5, 6, 7, 8], 0x40],
    [[0x80, 0x01, 2, 3, 4, 5, 6, 7], 0x40],
    [[0xff, 0xff, 2, 3, 4, 5, 6, 7], 0x7f],
  ])('%j starts %i: positive, no leading zero byte, 8 bytes', (bytes, first) => {
    const serial = certificateSerial(Buffer.from(bytes))
    expect(serial[0]).toBe(first)
    expect(serial).toHaveLength(8)
  })
})
