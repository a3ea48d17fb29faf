import type { ReasonOf } from '../../../contract'
import type { Clock } from '../../../contract/clock'

/** Public types of the vendor adapters (HTTP clients of each sub-processor's send API). */

/** What every adapter factory takes besides its vendor's credentials. */
export interface AdapterOptions<Credentials> {
  /**
   * The vendor API root: `https://api.twilio.com`, or the simulator's `${url}/twilio`. Paths
   * below it are the vendor's own (`/2010-04-01/Accounts/{sid}/Messages.json`).
   */
  baseUrl: string
  /**
   * Region to send in; defaults to the message's. Sent as `X-Sim-Region` (the simulator's
   * region selector); against a real vendor pass a region-pinned `baseUrl` instead.
   */
  region?: string
  credentials: Credentials
  timeoutMs: number
  /** Cost of one accepted message (the registry's `costMicrosPerMessage`). */
  costMicros: number
  /** Per-message delivery receipt URL, for vendors that take one. */
  statusCallbackUrl?: string
  /** Sender: phone number or alphanumeric id (SMS/voice), address (e-mail). */
  from?: string
  /**
   * Retry once, with jitter, when the connection could not even be opened (nothing was sent).
   * Set only for vendors whose registry entry is `retryable` and whose send API is idempotent;
   * see `IDEMPOTENT_SEND` in create.ts.
   */
  retryConnectOnce?: boolean
  fetch?: typeof fetch
  /** Monotonic milliseconds, for `latencyMs`. */
  now?: () => number
  /**
   * The caller's clock (epoch ms) for what carries a time to the vendor: JWT `iat`/`exp` of
   * minted tokens and when they are renewed, APNs expiry, SigV4's date. Default the system clock.
   */
  clock?: Pick<Clock, 'now'>
  /** Uniform [0, 1) source for the retry jitter. */
  random?: () => number
}

export interface TwilioCredentials {
  accountSid: string
  authToken: string
}

export interface VonageSmsCredentials {
  apiKey: string
  apiSecret: string
}

export interface VonageVoiceCredentials {
  /** The Vonage application's id (a UUID): the `application_id` of its JWTs. */
  applicationId: string
  /** The application's private key (PKCS#8 PEM, RSA): signs a JWT per call (vonage-jwt.ts). */
  privateKey: string
}

export interface SesCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface SendGridCredentials {
  apiKey: string
}

/** Everything `createAdapters` may need, keyed by account (Twilio serves SMS and voice alike). */
export interface AdapterCredentials {
  twilio?: TwilioCredentials
  vonage?: VonageSmsCredentials & Partial<VonageVoiceCredentials>
  ses?: SesCredentials
  sendgrid?: SendGridCredentials
}

/**
 * What one HTTP exchange with a vendor came to, before it is judged: the vendor-neutral input
 * of `toSendResult`.
 */
export type VendorOutcome =
  | {
      kind: 'response'
      status: number
      providerMessageId?: string
      /** Vendor-level verdict carried in a 2xx body (Vonage SMS `messages[].status`). */
      vendorReason?: 'rate_limited' | 'client_error' | 'server_error'
      retryAfterSeconds?: number
      /** A push vendor says the device token no longer exists (the app was uninstalled or reinstalled). */
      tokenGone?: boolean
    }
  | { kind: 'timeout' }
  | { kind: 'network_error' }

export type DeliveryStatus = Extract<ReasonOf<'mfa.provider.delivery'>, 'delivered' | 'failed' | 'undeliverable'>

/** One final delivery outcome from a vendor's receipt webhook. */
export interface DeliveryReceipt {
  provider: string
  providerMessageId: string
  status: DeliveryStatus
  /** When the vendor says it happened (epoch ms), if the receipt carries a time. */
  vendorTimestampMs?: number
  /** The vendor's own status and error code ("undelivered 30003"): bounded, no personal data. */
  vendorStatus?: string
}

/** Vonage's signature method for SMS API signatures (dashboard setting; Vonage's default is md5hash). */
export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512'

/** SNS signing certificates (PEM) by SigningCertURL; only allow-listed URLs ever resolve. */
export interface SnsCertificates {
  get(url: string): string | undefined
  /** Fetch the certificate a message names, if allowed and not known yet (before parsing it). */
  prepare?(body: string): Promise<void>
}

/** Secrets and keys needed to verify signed receipts; a vendor without them is refused. */
export interface ReceiptCredentials {
  twilio?: { authToken: string }
  /**
   * Vonage's signature secret: the `sig` of SMS DLRs (with `signatureMethod`, default sha256
   * HMAC) and the HS256 JWT of voice events. With `apiKey`, JWTs of other accounts are refused.
   */
  vonage?: { signatureSecret: string; signatureMethod?: VonageSignatureMethod; apiKey?: string }
  /** SendGrid's event webhook verification key: base64 DER SubjectPublicKeyInfo as SendGrid shows it, or PEM. */
  sendgrid?: { publicKey: string }
  /** `topicArn`: when set, SES notifications from any other SNS topic are refused. */
  ses?: { topicArn?: string; certificates?: SnsCertificates }
  /** How far a signed timestamp may be from now, either way (seconds); default 300. */
  maxSkewSeconds?: number
}

export interface ReceiptRequest {
  /** The full URL the vendor posted to, as the vendor saw it (Twilio signs it). */
  url: string
  headers: Record<string, string | undefined>
  body: string
}
