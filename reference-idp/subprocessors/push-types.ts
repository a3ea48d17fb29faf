import type { Platform } from '../../dashboards/schema/registry'
import type { SendResult } from './types'

/** A device platform: it decides the push vendor (an APNs token is not an FCM token). */
export type PushPlatform = Platform

/**
 * One push notification. `token` is a device identifier (personal data under the registry's
 * `device_token`): adapters send it, nobody logs it. `data` values are strings (FCM requires it)
 * and carry no user identifier and no number to match (see factors/push.ts).
 */
export interface PushMessage {
  platform: PushPlatform
  token: string
  title: string
  body: string
  data: Record<string, string>
  /** Stable per logical send (the challenge id); APNs takes it as `apns-id`. */
  idempotencyKey: string
  region: string
  /** Seconds the vendor may hold an undeliverable push before dropping it (the challenge TTL). */
  ttlSeconds?: number
}

/**
 * The interface every push vendor sits behind, the push twin of `Subprocessor`: a result in the
 * shape of `mfa.provider.request`, and from a chain every attempt and fallback.
 */
export interface PushSender {
  readonly id: string
  readonly platforms: readonly PushPlatform[]
  send(message: PushMessage, signal?: AbortSignal): Promise<SendResult>
}

export interface FcmCredentials {
  /** OAuth 2 access token of the Firebase service account (minted and refreshed by the caller). */
  accessToken: string
  projectId: string
}

export interface ApnsCredentials {
  /** Provider authentication token: an ES256 JWT from the .p8 key, refreshed by the caller every < 60 min. */
  providerToken: string
  /** `apns-topic`: the app's bundle id. */
  topic: string
}

export interface PushCredentials {
  fcm?: FcmCredentials
  apns?: ApnsCredentials
}
