import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type { Clock } from '../../../contract/clock'
import { signingKey } from './signing-keys'

/**
 * Vonage application JWTs (developer.vonage.com, "Authentication: JSON Web Tokens"), the
 * bearer credential of the Voice API: RS256, signed with the application's private key, claims
 * `application_id`, `iat`, `jti` (unique per token) and `exp`. Minted per request, as Vonage's
 * SDKs do, so no token outlives its call by more than `ttlSeconds`.
 */

export const VONAGE_JWT_TTL_SECONDS = 15 * 60

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface VonageJwtOptions {
  applicationId: string
  /** The application's private.key (PKCS#8 PEM, RSA). */
  privateKey: string
  clock: Pick<Clock, 'now'>
  ttlSeconds?: number
}

export function vonageApplicationJwts(o: VonageJwtOptions): () => Promise<string> {
  if (!UUID.test(o.applicationId ?? '')) throw new Error('vonage-voice: credentials.applicationId: expected the application id (a UUID) from the Vonage dashboard')
  const key = signingKey('vonage-voice: credentials.privateKey', o.privateKey, 'rsa')
  const ttl = o.ttlSeconds ?? VONAGE_JWT_TTL_SECONDS
  return () => {
    const iat = Math.floor(o.clock.now() / 1000)
    return new SignJWT({ application_id: o.applicationId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setJti(randomUUID())
      .setExpirationTime(iat + ttl)
      .sign(key)
  }
}
