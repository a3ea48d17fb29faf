import type { KeyObject } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Delivery, HttpOutcome } from '../decide'
import type { VendorId } from '../profiles'
import type { Rand } from '../random'
import { simApnsKey, simFcmServiceAccountKey, simVonageApplicationKey } from './sim-keys'
import { SIM_SENDGRID_WEBHOOK_KEY } from './webhook-keys'

/**
 * What each simulated vendor accepts: shared secrets, and for the vendors whose credential is
 * a signed JWT the account's public key (the private half stays with the customer; see
 * sim-keys.ts and idp-settings.ts).
 */
export interface Credentials {
  twilio: { accountSid: string; authToken: string }
  /**
   * `signatureSecret` signs DLRs (`sig`) and voice events (JWT), as Vonage's signed webhooks do.
   * Voice API calls carry an application JWT (RS256) verified with `applicationPublicKey`.
   */
  vonage: { apiKey: string; apiSecret: string; signatureSecret: string; applicationId: string; applicationPublicKey: KeyObject }
  ses: { accessKeyId: string }
  /** `webhookSigningKey`: base64 PKCS#8 DER of the event webhook's ECDSA P-256 key. */
  sendgrid: { apiKey: string; webhookSigningKey: string }
  /**
   * The Firebase project's service account: the token endpoint (POST /oauth2/token) verifies its
   * RS256 assertions with `publicKey` and hands out access tokens the FCM endpoint accepts.
   * `accessToken` is one more, long-lived token the FCM endpoint takes (for tests that call it
   * directly); the IdP is never given it.
   */
  fcm: { clientEmail: string; publicKey: KeyObject; accessToken: string }
  /** The team's APNs signing key: provider tokens are ES256 JWTs with kid = `keyId`, iss = `teamId`. */
  apns: { teamId: string; keyId: string; publicKey: KeyObject }
}

/** Public halves derived on first use (an RSA key takes a few hundred milliseconds). */
const lazy = <T extends object>(base: T, keys: Record<string, () => KeyObject>): T => {
  for (const [name, get] of Object.entries(keys)) Object.defineProperty(base, name, { get, enumerable: true })
  return base
}

export const DEFAULT_CREDENTIALS: Credentials = {
  twilio: { accountSid: 'AC00000000000000000000000000000001', authToken: 'sim-twilio-auth-token' },
  vonage: lazy(
    { apiKey: 'simkey01', apiSecret: 'sim-vonage-secret', signatureSecret: 'sim-vonage-signature-secret', applicationId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' },
    { applicationPublicKey: () => simVonageApplicationKey().publicKey },
  ) as Credentials['vonage'],
  ses: { accessKeyId: 'AKIASIMULATOR0000001' },
  sendgrid: { apiKey: 'SG.sim-sendgrid-key', webhookSigningKey: SIM_SENDGRID_WEBHOOK_KEY },
  fcm: lazy(
    { clientEmail: 'factorwatch-push@factorwatch-sim.iam.gserviceaccount.com', accessToken: 'sim-fcm-direct-access-token' },
    { publicKey: () => simFcmServiceAccountKey().publicKey },
  ) as Credentials['fcm'],
  apns: lazy({ teamId: 'FWSIMTEAM1', keyId: 'FWSIMKEY01' }, { publicKey: () => simApnsKey().publicKey }) as Credentials['apns'],
}

export interface SimRequest {
  method: string
  /** Route parameters captured by the dialect's pattern. */
  params: string[]
  headers: IncomingHttpHeaders
  body: string
  /** The simulator's time (epoch ms), for credentials that expire; the wall clock when absent. */
  now?: number
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
