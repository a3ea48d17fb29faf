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

/** The fields of a Google service-account key file the FCM token exchange needs (camelCase of its JSON). */
export interface ServiceAccount {
  clientEmail: string
  /** PKCS#8 PEM of the RSA key (`private_key`). */
  privateKey: string
  privateKeyId?: string
  /** Where assertions are exchanged (`token_uri`): https://oauth2.googleapis.com/token for Google. */
  tokenUri: string
}

export interface FcmCredentials {
  projectId: string
  /** The Firebase project's service account: its OAuth access token is fetched and renewed by the adapter (fcm-token.ts). */
  serviceAccount: ServiceAccount
}

export interface ApnsCredentials {
  /** 10-character team id (the provider token's `iss`). */
  teamId: string
  /** 10-character id of the APNs signing key (the token's `kid`). */
  keyId: string
  /** The .p8 signing key (PKCS#8 PEM, EC P-256): provider tokens are minted and renewed by the adapter (apns-token.ts). */
  privateKey: string
  /** `apns-topic`: the app's bundle id. */
  topic: string
}

export interface PushCredentials {
  fcm?: FcmCredentials
  apns?: ApnsCredentials
}
