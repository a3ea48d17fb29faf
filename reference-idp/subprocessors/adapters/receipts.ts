import { createHmac } from 'node:crypto'
import { ReceiptError, header } from './receipts-error'
import { verifySns } from './receipts-sns'
import { sameText, verifySendGrid, verifyVonageJwt, verifyVonageSms } from './receipts-verify'
import type { DeliveryReceipt, DeliveryStatus, ReceiptCredentials, ReceiptRequest } from './types'

/**
 * Delivery receipt webhooks, each vendor's shape to one list of final outcomes. Intermediate
 * statuses (queued, sent, ringing, processed, deferred, DeliveryDelay…) yield nothing: only a
 * final verdict is a receipt. Errors name the vendor and what is wrong, never a payload value.
 *
 * Every vendor's signature is verified before anything is read: Twilio's X-Twilio-Signature,
 * Vonage's `sig` (SMS) and Authorization JWT (voice), SendGrid's ECDSA event webhook signature,
 * SNS message signatures (SES). Signed timestamps must be within `maxSkewSeconds` of now. A
 * vendor whose credentials are not configured is refused, never accepted unsigned. Not done:
 * confirming SNS subscriptions (SubscriptionConfirmation is verified, then ignored).
 */

export { ReceiptError } from './receipts-error'
export type { ReceiptErrorCode } from './receipts-error'

export const RECEIPT_VENDORS = ['twilio', 'twilio-voice', 'vonage', 'vonage-voice', 'ses', 'sendgrid'] as const

/**
 * Twilio's request signature (twilio.com/docs/usage/webhooks/webhooks-security): HMAC-SHA1
 * keyed with the auth token over the full URL followed by every POST parameter name and value,
 * sorted by name (then value, for repeated names), base64.
 */
export function twilioRequestSignature(authToken: string, url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  return createHmac('sha1', authToken).update(url + sorted.map(([k, v]) => k + v).join(''), 'utf8').digest('base64')
}

function verifyTwilio(vendor: string, req: ReceiptRequest, params: [string, string][], creds: ReceiptCredentials): void {
  const token = creds.twilio?.authToken
  if (!token) throw new ReceiptError(vendor, 'no_credentials', 'no auth token configured to verify X-Twilio-Signature')
  const got = header(req.headers, 'x-twilio-signature')
  if (!got) throw new ReceiptError(vendor, 'missing_signature', 'X-Twilio-Signature header missing')
  if (!sameText(got, twilioRequestSignature(token, req.url, params)))
    throw new ReceiptError(vendor, 'bad_signature', 'X-Twilio-Signature does not match the URL and parameters (wrong auth token, URL or altered body)')
}

const TWILIO_MESSAGE: Record<string, DeliveryStatus> = { delivered: 'delivered', read: 'delivered', undelivered: 'undeliverable', failed: 'failed', canceled: 'failed' }
const TWILIO_CALL: Record<string, DeliveryStatus> = { completed: 'delivered', busy: 'undeliverable', 'no-answer': 'undeliverable', failed: 'failed', canceled: 'failed' }

function twilio(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials): DeliveryReceipt[] {
  const params = [...new URLSearchParams(req.body)]
  verifyTwilio(vendor, req, params, creds)
  const p = Object.fromEntries(params)
  const [id, raw, table] = p.CallSid && !p.MessageSid ? [p.CallSid, p.CallStatus, TWILIO_CALL] : [p.MessageSid, p.MessageStatus, TWILIO_MESSAGE]
  if (!id || !raw) throw new ReceiptError(vendor, 'malformed', 'expected MessageSid and MessageStatus, or CallSid and CallStatus')
  const status = table[raw]
  if (!status) return []
  const at = p.Timestamp ? Date.parse(p.Timestamp) : NaN
  return [receipt(vendor, id, status, [raw, p.ErrorCode].filter(Boolean).join(' '), at)]
}

function receipt(provider: string, providerMessageId: string, status: DeliveryStatus, vendorStatus: string, atMs: number): DeliveryReceipt {
  const r: DeliveryReceipt = { provider, providerMessageId, status, vendorStatus }
  if (Number.isFinite(atMs)) r.vendorTimestampMs = atMs
  return r
}

function jsonOf(vendor: string, body: string, expected: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    throw new ReceiptError(vendor, 'malformed', `body is not JSON (expected ${expected})`)
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined)

/** Vonage SMS DLR: form-encoded, or JSON when the account is set to POST-JSON. */
const VONAGE_DLR: Record<string, DeliveryStatus> = { delivered: 'delivered', rejected: 'failed', failed: 'undeliverable', expired: 'undeliverable' }

function vonageSms(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): DeliveryReceipt[] {
  const isJson = /json/i.test(header(req.headers, 'content-type') ?? '') || req.body.trimStart().startsWith('{')
  const raw = isJson ? jsonOf(vendor, req.body, 'a delivery receipt object') : Object.fromEntries(new URLSearchParams(req.body))
  if (!isObject(raw)) throw new ReceiptError(vendor, 'malformed', 'expected a delivery receipt object')
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) if (text(v) !== undefined) params[k] = text(v)!
  verifyVonageSms(vendor, params, creds, nowMs)
  const id = text(raw.messageId)
  const rawStatus = text(raw.status)
  if (!id || !rawStatus) throw new ReceiptError(vendor, 'malformed', 'expected messageId and status')
  const status = VONAGE_DLR[rawStatus]
  if (!status) return []
  // "2026-11-23 10:15:00", UTC.
  const ts = text(raw['message-timestamp'])
  const at = ts ? Date.parse(`${ts.replace(' ', 'T')}Z`) : NaN
  return [receipt(vendor, id, status, [rawStatus, text(raw['err-code'])].filter(Boolean).join(' '), at)]
}

const VONAGE_CALL: Record<string, DeliveryStatus> = {
  completed: 'delivered',
  busy: 'undeliverable',
  timeout: 'undeliverable',
  unanswered: 'undeliverable',
  failed: 'failed',
  rejected: 'failed',
  cancelled: 'failed',
}

async function vonageVoice(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): Promise<DeliveryReceipt[]> {
  await verifyVonageJwt(vendor, req, creds, nowMs)
  const raw = jsonOf(vendor, req.body, 'a call event object')
  if (!isObject(raw) || !text(raw.uuid) || !text(raw.status)) throw new ReceiptError(vendor, 'malformed', 'expected a call event with uuid and status')
  const status = VONAGE_CALL[text(raw.status)!]
  return status ? [receipt(vendor, text(raw.uuid)!, status, text(raw.status)!, Date.parse(text(raw.timestamp) ?? ''))] : []
}

function ses(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): DeliveryReceipt[] {
  const envelope = jsonOf(vendor, req.body, 'an SNS message')
  if (!isObject(envelope) || typeof envelope.Type !== 'string') throw new ReceiptError(vendor, 'malformed', 'expected an SNS message with Type')
  verifySns(vendor, envelope, creds, nowMs)
  const topic = creds.ses?.topicArn
  if (topic && envelope.TopicArn !== topic) throw new ReceiptError(vendor, 'wrong_topic', 'SNS TopicArn is not the configured topic')
  // SubscriptionConfirmation / UnsubscribeConfirmation carry no delivery outcome.
  if (envelope.Type !== 'Notification') return []
  const event = jsonOf(vendor, String(envelope.Message ?? ''), 'an SES event in Message')
  if (!isObject(event) || !isObject(event.mail) || !text(event.mail.messageId)) throw new ReceiptError(vendor, 'malformed', 'expected an SES event with mail.messageId')
  const type = text(event.eventType ?? event.notificationType)
  const id = text(event.mail.messageId)!
  const at = (detail: unknown) => Date.parse(text(isObject(detail) ? detail.timestamp : undefined) ?? text(envelope.Timestamp) ?? '')
  if (type === 'Delivery') return [receipt(vendor, id, 'delivered', type, at(event.delivery))]
  if (type === 'Bounce') {
    const kind = text(isObject(event.bounce) ? event.bounce.bounceType : undefined) ?? 'Undetermined'
    return [receipt(vendor, id, kind === 'Permanent' ? 'undeliverable' : 'failed', `Bounce ${kind}`, at(event.bounce))]
  }
  if (type === 'Reject' || type === 'Rendering Failure') return [receipt(vendor, id, 'failed', type, at(undefined))]
  return []
}

function sendgrid(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials, nowMs: number): DeliveryReceipt[] {
  verifySendGrid(vendor, req, creds, nowMs)
  const events = jsonOf(vendor, req.body, 'a JSON array of events')
  if (!Array.isArray(events)) throw new ReceiptError(vendor, 'malformed', 'expected a JSON array of events')
  return events.flatMap((e): DeliveryReceipt[] => {
    if (!isObject(e)) return []
    // sg_message_id is the X-Message-Id of the send, a dot, and the filter that processed it.
    const id = text(e.sg_message_id)?.split('.')[0]
    const name = text(e.event)
    if (!id || !name) return []
    const status: DeliveryStatus | undefined =
      name === 'delivered' ? 'delivered' : name === 'dropped' ? 'failed' : name === 'bounce' ? (e.type === 'blocked' ? 'failed' : 'undeliverable') : undefined
    if (!status) return []
    const seconds = Number(e.timestamp)
    return [receipt(vendor, id, status, [name, text(e.status)].filter(Boolean).join(' '), seconds > 0 ? seconds * 1000 : NaN)]
  })
}

/**
 * Final delivery outcomes in one webhook request; rejects with a ReceiptError when it must be
 * refused. `nowMs` judges signed timestamps (replays). SES needs its SigningCertURL's
 * certificate known already: use readReceipt, which fetches it first.
 */
export async function parseReceipt(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials = {}, nowMs: number = Date.now()): Promise<DeliveryReceipt[]> {
  switch (vendor) {
    case 'twilio':
    case 'twilio-voice':
      return twilio(vendor, req, creds)
    case 'vonage':
      return vonageSms(vendor, req, creds, nowMs)
    case 'vonage-voice':
      return vonageVoice(vendor, req, creds, nowMs)
    case 'ses':
      return ses(vendor, req, creds, nowMs)
    case 'sendgrid':
      return sendgrid(vendor, req, creds, nowMs)
    default:
      throw new ReceiptError(vendor, 'unknown_vendor', `no receipt parser; known: ${RECEIPT_VENDORS.join(', ')}`)
  }
}

/** parseReceipt after fetching what verification needs (the SNS certificate a message names, if allowed). */
export async function readReceipt(vendor: string, req: ReceiptRequest, creds: ReceiptCredentials = {}, nowMs?: number): Promise<DeliveryReceipt[]> {
  if (vendor === 'ses') await creds.ses?.certificates?.prepare?.(req.body)
  return parseReceipt(vendor, req, creds, nowMs ?? Date.now())
}
