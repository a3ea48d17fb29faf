import type { HttpStatusClass, ReasonOf } from '../../contract'

/** A channel a sub-processor delivers one-time codes over. */
export type OobChannel = 'sms' | 'voice' | 'email'

/** One message to deliver. `to` is personal data: adapters send it, nobody logs it. */
export interface OutboundMessage {
  channel: OobChannel
  to: string
  /** The text to deliver (contains the code; never logged). */
  text: string
  /** Stable per logical send, so a retried call cannot deliver twice where the vendor honours it. */
  idempotencyKey: string
  region: string
}

/** What one vendor call came to; the shape of `mfa.provider.request`. */
export interface SendResult {
  ok: boolean
  provider: string
  reason: ReasonOf<'mfa.provider.request'>
  httpStatusClass: HttpStatusClass
  latencyMs: number
  costMicros: number
  providerMessageId?: string
  /** Seconds the vendor asked us to wait (429 Retry-After). */
  retryAfterSeconds?: number
  /** Push only: the vendor says the device token is gone (FCM 404 UNREGISTERED, APNs 410 Unregistered). */
  tokenGone?: boolean
  /** Set by a fallback chain: every vendor call (or circuit-open skip) in order, the last one included. */
  attempts?: SendResult[]
  /** Set by a fallback chain: each move to the next vendor, with why. */
  fallbacks?: FallbackStep[]
  /** Set by a fallback chain when no vendor could take the message: factors to offer instead. */
  thenFactors?: string[]
}

export interface FallbackStep { from: string; to: string; reason: ReasonOf<'mfa.fallback'> }

/**
 * The adapter interface every SMS, voice and e-mail vendor sits behind. Implementations: the
 * in-process adapter below (tests, offline demo) and the vendor adapters of the sub-processor
 * layer (breakers, fallback, receipts).
 */
export interface Subprocessor {
  readonly id: string
  readonly channels: readonly OobChannel[]
  send(message: OutboundMessage, signal?: AbortSignal): Promise<SendResult>
}
