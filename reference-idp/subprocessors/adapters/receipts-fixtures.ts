import { createSnsSigningIdentity } from '../../simulator/vendors/sns-cert'
import { SIM_SENDGRID_WEBHOOK_KEY, sendgridPublicKey } from '../../simulator/vendors/webhook-keys'
import { sendgridSignatureHeaders, signSnsMessage, vonageSmsSignature, vonageWebhookJwt } from '../../simulator/vendors/webhook-signing'
import { ReceiptError, parseReceipt } from './receipts'
import type { ReceiptCredentials, ReceiptRequest } from './types'

/**
 * Signed receipt requests for the unit tests, made by the simulator's signing code (the
 * vendor's side, written independently of the verifiers under test).
 */

export const NOW = Date.parse('2026-11-23T10:00:00Z')
export const SECRET = 'test-vonage-signature-secret'
export const SENDGRID_PUBLIC_KEY = sendgridPublicKey(SIM_SENDGRID_WEBHOOK_KEY)
export const TOPIC = 'arn:aws:sns:eu-west-1:000000000000:ses-events'
export const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem'
export const SNS = createSnsSigningIdentity(NOW)

export const CREDS: ReceiptCredentials = {
  vonage: { signatureSecret: SECRET, apiKey: 'simkey01' },
  sendgrid: { publicKey: SENDGRID_PUBLIC_KEY },
  ses: { topicArn: TOPIC, certificates: new Map([[CERT_URL, SNS.certificatePem]]) },
}

const URL_ = 'https://idp.test/webhooks/x'

export interface SignOptions {
  /** Signing time (epoch ms). */
  at?: number
  secret?: string
}

/** A Vonage SMS DLR, form-encoded, with `timestamp` and `sig` as Vonage adds them. */
export function vonageDlr(params: Record<string, string>, o: SignOptions = {}): ReceiptRequest {
  const all = { ...params, timestamp: String(Math.floor((o.at ?? NOW) / 1000)) }
  const sig = vonageSmsSignature(o.secret ?? SECRET, all)
  return { url: URL_, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...all, sig }).toString() }
}

/** A Vonage voice event with the signed-callback JWT. */
export function vonageEvent(event: Record<string, unknown>, o: SignOptions & { apiKey?: string } = {}): ReceiptRequest {
  const body = JSON.stringify(event)
  return { url: URL_, headers: { 'content-type': 'application/json', authorization: `Bearer ${vonageWebhookJwt(o.secret ?? SECRET, o.apiKey ?? 'simkey01', body, o.at ?? NOW)}` }, body }
}

/** A SendGrid event webhook batch with X-Twilio-Email-Event-Webhook-Signature / -Timestamp. */
export function sendgridBatch(events: unknown, o: { at?: number; key?: string } = {}): ReceiptRequest {
  const body = typeof events === 'string' ? events : JSON.stringify(events)
  return { url: URL_, headers: { 'content-type': 'application/json', ...sendgridSignatureHeaders(o.key ?? SIM_SENDGRID_WEBHOOK_KEY, body, o.at ?? NOW) }, body }
}

/** An SNS message (SES event inside, unless `envelope.Type` says otherwise), signed SignatureVersion 2. */
export function snsMessage(event: unknown, envelope: Record<string, unknown> = {}, o: { at?: number; certUrl?: string; identity?: typeof SNS } = {}): ReceiptRequest {
  const message = { Type: 'Notification', MessageId: 'b5c0d7a0-0000-4000-8000-000000000001', TopicArn: TOPIC, Message: JSON.stringify(event), ...envelope }
  const signed = signSnsMessage(message, o.identity ?? SNS, o.certUrl ?? CERT_URL, o.at ?? NOW)
  return { url: URL_, headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': String(message.Type) }, body: JSON.stringify(signed) }
}

/** The ReceiptError a request is refused with (fails the test when it is accepted). */
export function refusal(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials = CREDS, now = NOW): ReceiptError {
  try {
    parseReceipt(vendor, req, creds, now)
  } catch (e) {
    if (e instanceof ReceiptError) return e
    throw e
  }
  throw new Error(`${vendor} receipt was accepted`)
}
