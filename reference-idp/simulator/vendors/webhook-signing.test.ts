import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadSimulatorConfig } from '../config'
import { DEFAULT_CREDENTIALS as C } from './types'
import { SIM_SENDGRID_WEBHOOK_KEY, sendgridPublicKey, sendgridSigningKey } from './webhook-keys'
import { WebhookSigner, snsStringToSign, vonageSmsSignature } from './webhook-signing'

/** The simulator signs each vendor's receipt webhook as that vendor does, at posting time. */

const NOW = Date.parse('2026-11-23T10:00:00Z')
const signer = new WebhookSigner(C, () => NOW)
signer.baseUrl = 'http://127.0.0.1:8090'
const post = (body: string, headers: Record<string, string> = {}) => ({ url: 'http://idp.test/webhooks/x', headers, body })

describe('WebhookSigner', () => {
  it('vonage: appends timestamp (seconds) and the SHA-256 HMAC sig over every other parameter', () => {
    const out = signer.sign('vonage', post('messageId=ABC&status=delivered&err-code=0'))
    const p = Object.fromEntries(new URLSearchParams(out.body))
    expect(p).toMatchObject({ messageId: 'ABC', status: 'delivered', timestamp: String(NOW / 1000) })
    expect(p.sig).toBe(vonageSmsSignature(C.vonage.signatureSecret, p))
    expect(p.sig).toMatch(/^[0-9a-f]{64}$/)
  })

  it('vonage-voice: an HS256 JWT whose payload_hash is the SHA-256 of the body', () => {
    const body = JSON.stringify({ uuid: 'u1', status: 'completed' })
    const auth = signer.sign('vonage-voice', post(body)).headers.authorization
    const [head, claims] = auth.replace('Bearer ', '').split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()))
    expect(head).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(claims).toMatchObject({ iat: NOW / 1000, iss: 'Vonage', api_key: C.vonage.apiKey, payload_hash: createHash('sha256').update(body).digest('hex') })
  })

  it('sendgrid: ECDSA over timestamp + body, verifiable with the published public key', () => {
    const body = '[{"event":"delivered"}]'
    const h = signer.sign('sendgrid', post(body, { 'content-type': 'application/json' })).headers
    expect(h['X-Twilio-Email-Event-Webhook-Timestamp']).toBe(String(NOW / 1000))
    const key = createPublicKey({ key: Buffer.from(sendgridPublicKey(SIM_SENDGRID_WEBHOOK_KEY), 'base64'), format: 'der', type: 'spki' })
    expect(verify('sha256', Buffer.from(String(NOW / 1000) + body), { key, dsaEncoding: 'der' }, Buffer.from(h['X-Twilio-Email-Event-Webhook-Signature'], 'base64'))).toBe(true)
  })

  it('ses: publish-time Timestamp, SignatureVersion 2 by the certificate served at SigningCertURL', () => {
    const body = JSON.stringify({ Type: 'Notification', MessageId: 'i', TopicArn: 't', Message: '{}', Timestamp: '2030-01-01T00:00:00.000Z' })
    const m = JSON.parse(signer.sign('ses', post(body)).body) as Record<string, string>
    expect(m).toMatchObject({ Timestamp: new Date(NOW).toISOString(), SignatureVersion: '2', SigningCertURL: `http://127.0.0.1:8090${signer.snsCertPath}` })
    expect(signer.snsCertPath).toMatch(/^\/sns\/SimpleNotificationService-[0-9a-f]{32}\.pem$/)
    const cert = new X509Certificate(signer.snsIdentity.certificatePem)
    expect(verify('sha256', Buffer.from(snsStringToSign(m)), cert.publicKey, Buffer.from(m.Signature, 'base64'))).toBe(true)
  })

  it('twilio is signed by its dialect (no timestamp in its scheme): passed through', () => {
    const p = post('MessageSid=SM1', { 'X-Twilio-Signature': 'x' })
    expect(signer.sign('twilio', p)).toBe(p)
  })
})

describe('signing keys and their configuration', () => {
  it('the default SendGrid key is a fixed P-256 key (same public key in every process)', () => {
    expect(sendgridSigningKey(SIM_SENDGRID_WEBHOOK_KEY).asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(sendgridPublicKey(SIM_SENDGRID_WEBHOOK_KEY)).toMatch(/^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/)
  })

  it.each([
    [{ SIMULATOR_SENDGRID_WEBHOOK_KEY: 'bm90IGEga2V5' }, 'invalid configuration SIMULATOR_SENDGRID_WEBHOOK_KEY: expected base64 PKCS#8 DER of an EC P-256 key'],
    [{ SIMULATOR_VONAGE_SIGNATURE_SECRET: 'short' }, /^invalid configuration SIMULATOR_VONAGE_SIGNATURE_SECRET: /],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => loadSimulatorConfig(env)).toThrow(message)
  })

  it('valid values are taken', () => {
    const c = loadSimulatorConfig({ SIMULATOR_SENDGRID_WEBHOOK_KEY: SIM_SENDGRID_WEBHOOK_KEY, SIMULATOR_VONAGE_SIGNATURE_SECRET: 'a-long-enough-secret' })
    expect(c).toMatchObject({ sendgridWebhookKey: SIM_SENDGRID_WEBHOOK_KEY, vonageSignatureSecret: 'a-long-enough-secret' })
  })
})
