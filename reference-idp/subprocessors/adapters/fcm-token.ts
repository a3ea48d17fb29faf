import { SignJWT } from 'jose'
import type { Clock } from '../../../contract/clock'
import type { ServiceAccount } from '../push-types'
import { VendorAuthError, field, jsonBody } from './http'
import { signingKey } from './signing-keys'

/**
 * FCM's OAuth 2.0 access token from a service account (developers.google.com, "Using OAuth 2.0
 * for Server to Server Applications"; RFC 7523): an RS256 JWT with iss = the service account's
 * `client_email`, scope = firebase.messaging, aud = its `token_uri`, iat and exp (an hour
 * later), signed with its `private_key` (header kid = `private_key_id`), is exchanged at
 * token_uri (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion`) for
 * `{access_token, expires_in}`. The token is cached and renewed `marginMs` before it expires.
 */

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** Renew this long before expiry (Google's libraries use a few minutes). */
export const FCM_TOKEN_MARGIN_MS = 5 * 60_000

export interface FcmTokenOptions {
  account: ServiceAccount
  clock: Pick<Clock, 'now'>
  fetch?: typeof fetch
  marginMs?: number
}

/** Pure: is a token expiring at `expiresAtMs` still good to send with at `nowMs`? */
export const tokenFresh = (expiresAtMs: number | undefined, nowMs: number, marginMs = FCM_TOKEN_MARGIN_MS): boolean =>
  expiresAtMs !== undefined && nowMs < expiresAtMs - marginMs

export interface AccessTokenSource {
  /** A valid access token: the cached one, or one exchanged now (concurrent callers share the exchange). */
  token(signal?: AbortSignal): Promise<string>
  expiresAt(): number | undefined
  /** Forget the cached token (FCM answered 401 to it: revoked, or the key was rotated); the next send exchanges anew. */
  invalidate(): void
}

export function fcmAccessTokens(o: FcmTokenOptions): AccessTokenSource {
  const a = o.account
  if (!/^[^\s@]+@[^\s@]+$/.test(a?.clientEmail ?? '')) throw new Error('fcm: serviceAccount.client_email: expected the service account e-mail')
  if (!URL.canParse(a.tokenUri ?? '')) throw new Error('fcm: serviceAccount.token_uri: expected an absolute URL such as https://oauth2.googleapis.com/token')
  const key = signingKey('fcm: serviceAccount.private_key', a.privateKey, 'rsa')
  const f = o.fetch ?? fetch
  const marginMs = o.marginMs ?? FCM_TOKEN_MARGIN_MS
  let current: { token: string; expiresAtMs: number } | undefined
  let pending: Promise<string> | undefined

  async function exchange(signal?: AbortSignal): Promise<string> {
    const startedAt = o.clock.now()
    const iat = Math.floor(startedAt / 1000)
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(a.privateKeyId ? { kid: a.privateKeyId } : {}) })
      .setIssuer(a.clientEmail)
      .setAudience(a.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key)
    let res: Response
    try {
      res = await f(a.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
        signal,
        redirect: 'manual',
      })
    } catch (err) {
      if (signal?.aborted) throw err
      throw new VendorAuthError('fcm', `token endpoint unreachable (${(err as Error).message})`)
    }
    const body = jsonBody(await res.text())
    if (!res.ok) throw new VendorAuthError('fcm', `token endpoint answered ${res.status}${field(body, 'error') ? ` ${field(body, 'error')}` : ''}`, res.status)
    const token = field(body, 'access_token')
    const expiresIn = (body as { expires_in?: unknown } | undefined)?.expires_in
    if (!token || typeof expiresIn !== 'number' || !(expiresIn > 0)) throw new VendorAuthError('fcm', 'token endpoint answered 200 without access_token and expires_in', 502)
    // Counted from before the request: the token expires no earlier than we think.
    current = { token, expiresAtMs: startedAt + expiresIn * 1000 }
    return token
  }

  return {
    expiresAt: () => current?.expiresAtMs,
    invalidate: () => {
      current = undefined
    },
    token(signal) {
      if (current && tokenFresh(current.expiresAtMs, o.clock.now(), marginMs)) return Promise.resolve(current.token)
      pending ??= exchange(signal).finally(() => {
        pending = undefined
      })
      return pending
    },
  }
}
