import type { IncomingHttpHeaders } from 'node:http'
import type { Delivery, HttpOutcome } from '../decide'
import type { VendorId } from '../profiles'
import type { Rand } from '../random'
import { SIM_SENDGRID_WEBHOOK_KEY } from './webhook-keys'

/** Test credentials each simulated vendor accepts. */
export interface Credentials {
  twilio: { accountSid: string; authToken: string }
  /** `signatureSecret` signs DLRs (`sig`) and voice events (JWT), as Vonage's signed webhooks do. */
  vonage: { apiKey: string; apiSecret: string; applicationJwt: string; signatureSecret: string }
  ses: { accessKeyId: string }
  /** `webhookSigningKey`: base64 PKCS#8 DER of the event webhook's ECDSA P-256 key. */
  sendgrid: { apiKey: string; webhookSigningKey: string }
  fcm: { accessToken: string }
  apns: { providerToken: string }
}

export const DEFAULT_CREDENTIALS: Credentials = {
  twilio: { accountSid: 'AC00000000000000000000000000000001', authToken: 'sim-twilio-auth-token' },
  vonage: { apiKey: 'simkey01', apiSecret: 'sim-vonage-secret', applicationJwt: 'sim-vonage-jwt', signatureSecret: 'sim-vonage-signature-secret' },
  ses: { accessKeyId: 'AKIASIMULATOR0000001' },
  sendgrid: { apiKey: 'SG.sim-sendgrid-key', webhookSigningKey: SIM_SENDGRID_WEBHOOK_KEY },
  fcm: { accessToken: 'sim-fcm-access-token' },
  apns: { providerToken: 'sim-apns-provider-token' },
}

export interface SimRequest {
  method: string
  /** Route parameters captured by the dialect's pattern. */
  params: string[]
  headers: IncomingHttpHeaders
  body: string
}

/** A vendor-shaped HTTP answer; an object body is sent as JSON. */
export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export type DeviceKind = 'phone' | 'mailbox' | 'push'

/** What the request asks for, in vendor-neutral terms. */
export interface SendIntent {
  device: DeviceKind
  /** E.164 number, e-mail address or push token. Never logged. */
  to: string
  from?: string
  /** SMS body, call transcript, e-mail text or push body. */
  text: string
  /** E-mail subject or push title. */
  subject?: string
  /** Push data fields (e.g. the number-matching value). */
  data?: Record<string, string>
  callbackUrl?: string
  clientRef?: string
  /** SendGrid custom_args, echoed on every event. */
  customArgs?: Record<string, string>
}

export type Parsed = { ok: true; intent: SendIntent } | { ok: false; reply: Reply }

export interface RateInfo {
  limit: number
  remaining: number
  resetEpochSeconds: number
}

export interface ReplyContext {
  id: string
  now: number
  region: string
  rate: RateInfo
  creds: Credentials
  /** Route parameters of the request (e.g. the FCM project id). */
  params: string[]
}

export type FailureOutcome = Exclude<HttpOutcome, { kind: 'accepted' } | { kind: 'blackhole' }>

/**
 * One webhook call. `json-array` items to the same URL that fall due close together are
 * posted as one batch (SendGrid's event webhook).
 */
export interface ReceiptEvent {
  offsetMs: number
  encoding: 'form' | 'json' | 'json-array'
  payload: unknown
  headers?: Record<string, string>
}

export interface ReceiptContext {
  id: string
  intent: SendIntent
  delivery: Delivery
  acceptedAt: number
  webhookUrl: string
  region: string
  creds: Credentials
  rand: Rand
}

export interface Dialect {
  vendor: VendorId
  /** Matched against the path after the optional `/r/{region}` prefix. */
  pattern: RegExp
  parse(req: SimRequest, creds: Credentials): Parsed
  /** The vendor's message id; may reuse a caller-supplied one (APNs `apns-id`). */
  newId(rand: Rand, intent: SendIntent): string
  accepted(intent: SendIntent, ctx: ReplyContext): Reply
  failure(outcome: FailureOutcome, ctx: ReplyContext): Reply
  /** Receipt timeline relative to acceptance; absent for vendors without receipts. */
  receipts?(ctx: ReceiptContext): ReceiptEvent[]
}
