import { createHash, createHmac, randomUUID, sign } from 'node:crypto'
import type { VendorId } from '../profiles'
import { type SnsSigningIdentity, createSnsSigningIdentity } from './sns-cert'
import type { Credentials } from './types'
import { sendgridSigningKey } from './webhook-keys'

/**
 * Signs receipt webhooks the way each vendor does, at the moment they are posted (so a retry
 * carries a fresh timestamp, and the simulated clock of the payload does not matter):
 *
 * - Vonage SMS DLRs: `timestamp` and `sig` parameters, SHA-256 HMAC of the sorted
 *   `&key=value` string keyed with the signature secret (developer.vonage.com, "Signing messages").
 * - Vonage voice events: `Authorization: Bearer` JWT, HS256 with the signature secret, claims
 *   iat, jti, iss "Vonage", api_key and payload_hash = SHA-256 of the body ("Signed webhooks").
 * - SendGrid: ECDSA P-256 / SHA-256 over timestamp + body, base64 DER in
 *   X-Twilio-Email-Event-Webhook-Signature, seconds in X-Twilio-Email-Event-Webhook-Timestamp.
 * - SES via SNS: SignatureVersion 2 (SHA256withRSA over the canonical string), Timestamp =
 *   publish time, SigningCertURL = this simulator's own certificate.
 *
 * Twilio's X-Twilio-Signature carries no timestamp; its dialect signs when it builds the event.
 */

export interface WebhookPost {
  url: string
  headers: Record<string, string>
  body: string
}

/** Vonage's SMS signature: `&k=v` pairs sorted by key, `&` and `=` in values as `_`, HMAC-SHA256 hex. */
export function vonageSmsSignature(secret: string, params: Record<string, string>): string {
  const query = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `&${k}=${params[k].replace(/[&=]/g, '_')}`)
    .join('')
  return createHmac('sha256', secret).update(query, 'utf8').digest('hex')
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url')

/** An HS256 JWT such as Vonage puts in the Authorization header of signed webhooks. */
export function vonageWebhookJwt(secret: string, apiKey: string, body: string, nowMs: number): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const claims = b64url(
    JSON.stringify({ iat: Math.floor(nowMs / 1000), jti: randomUUID(), iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex'), api_key: apiKey }),
  )
  return `${head}.${claims}.${createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url')}`
}

/** SendGrid's event webhook signature headers for one body. */
export function sendgridSignatureHeaders(pkcs8Base64: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000))
  const signature = sign('sha256', Buffer.from(timestamp + body, 'utf8'), { key: sendgridSigningKey(pkcs8Base64), dsaEncoding: 'der' })
  return { 'X-Twilio-Email-Event-Webhook-Signature': signature.toString('base64'), 'X-Twilio-Email-Event-Webhook-Timestamp': timestamp }
}

const SNS_SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
}

/** SNS's string to sign: "name\nvalue\n" for each signed field present, in byte order. */
export function snsStringToSign(message: Record<string, unknown>): string {
  return (SNS_SIGNED_FIELDS[String(message.Type)] ?? [])
    .filter((k) => typeof message[k] === 'string')
    .map((k) => `${k}\n${message[k] as string}\n`)
    .join('')
}

/** Signs an SNS message as SNS publishes it: fresh Timestamp, SignatureVersion 2, SigningCertURL. */
export function signSnsMessage(message: Record<string, unknown>, identity: SnsSigningIdentity, certUrl: string, nowMs: number): Record<string, unknown> {
  const { Signature: _s, SignatureVersion: _v, SigningCertURL: _u, ...rest } = message
  const published = { ...rest, Timestamp: new Date(nowMs).toISOString() }
  const signature = sign('sha256', Buffer.from(snsStringToSign(published), 'utf8'), identity.privateKey).toString('base64')
  return { ...published, SignatureVersion: '2', Signature: signature, SigningCertURL: certUrl }
}

/** One simulator's webhook signing: its credentials, clock and (lazily made) SNS certificate. */
export class WebhookSigner {
  /** The simulator's own URL, known once it listens; SigningCertURL points below it. */
  baseUrl = ''
  private sns?: SnsSigningIdentity

  constructor(
    private readonly creds: Credentials,
    private readonly now: () => number,
  ) {}

  /** RSA key generation takes a moment: only once the first SES event (or the certificate) is asked for. */
  get snsIdentity(): SnsSigningIdentity {
    this.sns ??= createSnsSigningIdentity(this.now())
    return this.sns
  }

  get snsCertPath(): string {
    return `/sns/SimpleNotificationService-${this.snsIdentity.id}.pem`
  }

  sign(vendor: VendorId, post: WebhookPost): WebhookPost {
    const now = this.now()
    switch (vendor) {
      case 'vonage': {
        const params = Object.fromEntries(new URLSearchParams(post.body))
        params.timestamp = String(Math.floor(now / 1000))
        const sig = vonageSmsSignature(this.creds.vonage.signatureSecret, params)
        return { ...post, body: new URLSearchParams({ ...params, sig }).toString() }
      }
      case 'vonage-voice':
        return { ...post, headers: { ...post.headers, authorization: `Bearer ${vonageWebhookJwt(this.creds.vonage.signatureSecret, this.creds.vonage.apiKey, post.body, now)}` } }
      case 'sendgrid':
        return { ...post, headers: { ...post.headers, ...sendgridSignatureHeaders(this.creds.sendgrid.webhookSigningKey, post.body, now) } }
      case 'ses': {
        const signed = signSnsMessage(JSON.parse(post.body) as Record<string, unknown>, this.snsIdentity, this.baseUrl + this.snsCertPath, now)
        return { ...post, body: JSON.stringify(signed) }
      }
      default:
        return post
    }
  }
}
