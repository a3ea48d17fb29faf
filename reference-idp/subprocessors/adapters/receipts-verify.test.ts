import { createHash, generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { vonageSmsSignature as simulatorVonageSignature } from '../../simulator/vendors/webhook-signing'
import { parseReceipt } from './receipts'
import { CREDS, NOW, SECRET, refusal, sendgridBatch, vonageDlr, vonageEvent } from '../../../test/fixtures/receipts'
import { vonageSmsSignature, verifySendGrid } from './receipts-verify'
import type { ReceiptRequest } from './types'

/** Signature checks: valid ones pass, each kind of forgery is refused with its own code. */

const MIN = 60_000
const otherEcKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')

describe('vonage SMS signature (sig)', () => {
  // Vectors from Vonage's Node SDK tests (packages/sms/__tests__/__dataSets__/signature.ts).
  const params = { 'message-timestamp': '2013-11-21 15:27:30', messageId: '020000001B0FE827', msisdn: '14843472194', text: 'Test again', timestamp: '1385047698', to: '13239877404', type: 'text' }
  it.each([
    ['md5hash', 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5', 'DDEBD46008C2D4E93CCE578A332A52D5'],
    ['sha1', '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A'],
    ['sha256', 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330'],
  ] as const)('%s matches Vonage’s published vector', async (method, want) => {
    expect(vonageSmsSignature('my_secret_key_for_testing', params, method)).toBe(want.toLowerCase())
  })

  it('agrees with the simulator’s independent implementation, & and = in values included', async () => {
    const p = { messageId: 'A', status: 'delivered', 'client-ref': 'a&b=c', timestamp: '1' }
    expect(vonageSmsSignature(SECRET, p)).toBe(simulatorVonageSignature(SECRET, p))
  })

  it('a signed DLR is accepted, also with an upper-case sig and a JSON body', async () => {
    const req = vonageDlr({ messageId: 'ABC', status: 'delivered' })
    const upper = { ...req, body: req.body.replace(/sig=([0-9a-f]+)/, (_m, h: string) => `sig=${h.toUpperCase()}`) }
    const json = { ...req, headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(new URLSearchParams(req.body))) }
    for (const r of [req, upper, json]) expect(await parseReceipt('vonage', r, CREDS, NOW)).toMatchObject([{ providerMessageId: 'ABC', status: 'delivered' }])
  })

  const dlr = () => vonageDlr({ messageId: 'ABC', status: 'failed', 'err-code': '2', msisdn: '4915100000000' })
  it.each([
    ['an altered status', () => ({ ...dlr(), body: dlr().body.replace('status=failed', 'status=delivered') }), 'bad_signature', /sig does not match/],
    ['another signature secret', () => vonageDlr({ messageId: 'ABC', status: 'delivered' }, { secret: 'not-the-secret' }), 'bad_signature', /sig does not match/],
    ['no sig', () => ({ ...dlr(), body: dlr().body.replace(/&sig=[0-9a-f]+/, '') }), 'missing_signature', /sig parameter missing/],
    ['no timestamp', () => ({ ...dlr(), body: dlr().body.replace(/&timestamp=\d+/, '') }), 'missing_signature', /timestamp parameter missing/],
    ['an old timestamp (replay)', () => vonageDlr({ messageId: 'ABC', status: 'delivered' }, { at: NOW - 6 * MIN }), 'stale_timestamp', /timestamp parameter is 360 s old/],
    ['a timestamp far ahead', () => vonageDlr({ messageId: 'ABC', status: 'delivered' }, { at: NOW + 6 * MIN }), 'stale_timestamp', /360 s in the future/],
  ])('refuses %s', async (_name, req, code, message) => {
    const err = await refusal('vonage', req())
    expect(err).toMatchObject({ vendor: 'vonage', code })
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('4915100000000')
  })

  it('refuses everything without a configured secret', async () => {
    expect(await refusal('vonage', dlr(), {})).toMatchObject({ code: 'no_credentials' })
  })

  it('a timestamp just inside the window passes; maxSkewSeconds moves the window', async () => {
    expect(await parseReceipt('vonage', vonageDlr({ messageId: 'A', status: 'delivered' }, { at: NOW - 4 * MIN }), CREDS, NOW)).toHaveLength(1)
    expect(await refusal('vonage', vonageDlr({ messageId: 'A', status: 'delivered' }, { at: NOW - 4 * MIN }), { ...CREDS, maxSkewSeconds: 60 })).toMatchObject({ code: 'stale_timestamp' })
  })
})

describe('vonage voice signed callbacks (Authorization JWT)', () => {
  const event = { uuid: 'u1', status: 'completed', to: '4915100000000' }
  it('a signed event is accepted', async () => {
    expect(await parseReceipt('vonage-voice', vonageEvent(event), CREDS, NOW)).toMatchObject([{ providerMessageId: 'u1', status: 'delivered' }])
  })

  const signed = () => vonageEvent(event)
  const jwtParts = () => (signed().headers.authorization as string).slice('Bearer '.length).split('.')
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  /** A token made with jose as Vonage makes one, over the signed event's body, with claims to vary. */
  const hs = (bits: 256 | 512, claims: Record<string, unknown>, withHash = true) =>
    new SignJWT({ api_key: 'simkey01', ...(withHash ? { payload_hash: createHash('sha256').update(signed().body).digest('hex') } : {}), ...claims })
      .setProtectedHeader({ alg: `HS${bits}`, typ: 'JWT' })
      .sign(new TextEncoder().encode(SECRET))
  const withJwt = (jwt: string) => ({ ...signed(), headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` } })
  it.each([
    ['an altered body', () => ({ ...signed(), body: signed().body.replace('completed', 'failed') }), 'bad_signature', /payload_hash does not match the body/],
    ['another signature secret', () => vonageEvent(event, { secret: 'not-the-secret' }), 'bad_signature', /JWT signature does not match/],
    ['alg none', () => ({ ...signed(), headers: { authorization: `Bearer ${b64({ alg: 'none' })}.${jwtParts()[1]}.${jwtParts()[2]}` } }), 'bad_signature', /expected alg HS256/],
    ['another account’s api_key', () => vonageEvent(event, { apiKey: 'someone-else' }), 'bad_signature', /api_key is not the configured account/],
    ['no Authorization header', () => ({ ...signed(), headers: { 'content-type': 'application/json' } }), 'missing_signature', /Bearer JWT missing/],
    ['an old iat (replay)', () => vonageEvent(event, { at: NOW - 10 * MIN }), 'stale_timestamp', /JWT iat is 600 s old/],
    ['an exp in the past', async () => withJwt(await hs(256, { iat: NOW / 1000, exp: NOW / 1000 - 1 })), 'stale_timestamp', /JWT has expired/],
    ['HS512 with the right secret (alg pinned to HS256)', async () => withJwt(await hs(512, { iat: NOW / 1000 })), 'bad_signature', /expected alg HS256/],
    ['no payload_hash', async () => withJwt(await hs(256, { iat: NOW / 1000 }, false)), 'bad_signature', /payload_hash does not match/],
  ])('refuses %s', async (_name, req, code, message) => {
    const err = await refusal('vonage-voice', await req())
    expect(err).toMatchObject({ vendor: 'vonage-voice', code })
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('4915100000000')
  })

  it('refuses everything without a configured secret', async () => {
    expect(await refusal('vonage-voice', signed(), {})).toMatchObject({ code: 'no_credentials' })
  })
})

describe('sendgrid signed event webhook', () => {
  it('SendGrid’s published vector verifies (sendgrid-nodejs eventwebhook.spec.js)', async () => {
    const req = {
      url: 'https://idp.test/webhooks/sendgrid',
      headers: {
        'X-Twilio-Email-Event-Webhook-Signature': 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
        'X-Twilio-Email-Event-Webhook-Timestamp': '1588788367',
      },
      body: JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' }),
    }
    const publicKey = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=='
    expect(() => verifySendGrid('sendgrid', req, { sendgrid: { publicKey } }, 1588788367_000)).not.toThrow()
    expect(() => verifySendGrid('sendgrid', { ...req, body: 'payload' }, { sendgrid: { publicKey } }, 1588788367_000)).toThrow(expect.objectContaining({ code: 'bad_signature' }))
  })

  const batch = () => sendgridBatch([{ sg_message_id: 'abc.filter', event: 'bounce', type: 'bounce', email: 'someone@example.test' }])
  it('a signed batch is accepted, the key also given as PEM', async () => {
    expect(await parseReceipt('sendgrid', batch(), CREDS, NOW)).toMatchObject([{ providerMessageId: 'abc', status: 'undeliverable' }])
    const pem = `-----BEGIN PUBLIC KEY-----\n${CREDS.sendgrid!.publicKey}\n-----END PUBLIC KEY-----\n`
    expect(await parseReceipt('sendgrid', batch(), { sendgrid: { publicKey: pem } }, NOW)).toHaveLength(1)
  })

  const without = (r: ReceiptRequest, name: string) => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== name)) })
  it.each([
    ['an altered body', () => ({ ...batch(), body: batch().body.replace('bounce', 'delivered') }), 'bad_signature', /does not verify over the timestamp and body/],
    ['an altered timestamp', () => ({ ...batch(), headers: { ...batch().headers, 'X-Twilio-Email-Event-Webhook-Timestamp': String(NOW / 1000 - 1) } }), 'bad_signature', /does not verify/],
    ['a signature by another key', () => sendgridBatch(JSON.parse(batch().body), { key: otherEcKey }), 'bad_signature', /does not verify/],
    ['garbage as the signature', () => ({ ...batch(), headers: { ...batch().headers, 'X-Twilio-Email-Event-Webhook-Signature': 'AAAA' } }), 'bad_signature', /does not verify/],
    ['no signature header', () => without(batch(), 'X-Twilio-Email-Event-Webhook-Signature'), 'missing_signature', /header missing/],
    ['no timestamp header', () => without(batch(), 'X-Twilio-Email-Event-Webhook-Timestamp'), 'missing_signature', /header missing/],
    ['an old timestamp (replay)', () => sendgridBatch(JSON.parse(batch().body), { at: NOW - 30 * MIN }), 'stale_timestamp', /Timestamp is 1800 s old/],
  ])('refuses %s', async (_name, req, code, message) => {
    const err = await refusal('sendgrid', req())
    expect(err).toMatchObject({ vendor: 'sendgrid', code })
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('example.test')
  })

  it.each([
    ['no key', {}],
    ['a key that is not one', { sendgrid: { publicKey: 'bm90IGEga2V5' } }],
    ['an RSA key', { sendgrid: { publicKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64') } }],
  ])('refuses everything with %s configured', async (_name, creds) => {
    expect(await refusal('sendgrid', batch(), creds)).toMatchObject({ code: 'no_credentials' })
  })
})
