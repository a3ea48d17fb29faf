import { SignJWT } from 'jose'
import type { Clock } from '../../../contract/clock'
import { signingKey } from './signing-keys'

/**
 * APNs provider authentication tokens (developer.apple.com, "Establishing a token-based
 * connection to APNs"): an ES256 JWT whose header names the signing key (`kid`, the 10-character
 * key id) and whose claims are `iss` (the 10-character team id) and `iat`, signed with the
 * team's .p8 key. APNs refuses a token issued more than an hour ago (403 ExpiredProviderToken)
 * and one replaced more often than every 20 minutes (429 TooManyProviderTokenUpdates), so one
 * token is cached and every sender shares it until it is `refreshMs` old (50 minutes).
 */

export const APNS_MIN_REFRESH_MS = 20 * 60_000
export const APNS_MAX_TOKEN_AGE_MS = 60 * 60_000
export const APNS_REFRESH_MS = 50 * 60_000

export interface ApnsTokenOptions {
  teamId: string
  keyId: string
  /** The .p8 file's content (PKCS#8 PEM of an EC P-256 key). */
  privateKey: string
  /** The caller's clock (epoch ms): `iat`, and when to renew. */
  clock: Pick<Clock, 'now'>
  /** Age at which the token is replaced: 20 to under 60 minutes; default 50. */
  refreshMs?: number
}

/** Pure: must a token issued at `issuedAtMs` (undefined: none yet) be replaced at `nowMs`? */
export function apnsTokenDue(issuedAtMs: number | undefined, nowMs: number, refreshMs = APNS_REFRESH_MS): boolean {
  return issuedAtMs === undefined || nowMs - issuedAtMs >= refreshMs
}

const TEN_CHARS = /^[A-Z0-9]{10}$/

export interface ApnsTokenSource {
  /** The current provider token, minted when due; concurrent callers share one. */
  token(): Promise<string>
  /** When the current token was issued (epoch ms, whole seconds), for tests and diagnostics. */
  issuedAt(): number | undefined
}

export function apnsProviderTokens(o: ApnsTokenOptions): ApnsTokenSource {
  if (!TEN_CHARS.test(o.teamId ?? '')) throw new Error('apns: credentials.teamId: expected the 10-character team id from the Apple developer account')
  if (!TEN_CHARS.test(o.keyId ?? '')) throw new Error('apns: credentials.keyId: expected the 10-character id of the APNs key')
  const refreshMs = o.refreshMs ?? APNS_REFRESH_MS
  if (!(refreshMs >= APNS_MIN_REFRESH_MS && refreshMs < APNS_MAX_TOKEN_AGE_MS))
    throw new Error(`apns: refreshMs: expected 20 to under 60 minutes, got ${refreshMs} ms`)
  const key = signingKey('apns: credentials.privateKey', o.privateKey, 'ec-p256')
  let current: { issuedAtMs: number; token: Promise<string> } | undefined
  return {
    issuedAt: () => current?.issuedAtMs,
    token() {
      const now = o.clock.now()
      if (!current || apnsTokenDue(current.issuedAtMs, now, refreshMs)) {
        const iat = Math.floor(now / 1000)
        const token = new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: o.keyId }).setIssuer(o.teamId).setIssuedAt(iat).sign(key)
        current = { issuedAtMs: iat * 1000, token }
      }
      return current.token
    },
  }
}
