import { createHmac, randomBytes } from 'node:crypto'
import { form, sameText } from './common'
import { seconds, verifyJwt } from './jwt'
import type { Credentials, Reply } from './types'

/**
 * Google's OAuth 2.0 token endpoint for service accounts (RFC 7523 JWT bearer grant), as FCM
 * callers use it: `POST /oauth2/token` form-encoded `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * and `assertion=<RS256 JWT>` with iss = the service account's e-mail, scope containing
 * https://www.googleapis.com/auth/firebase.messaging, aud = the token URI, iat and exp at most
 * an hour apart → 200 `{access_token, expires_in, token_type: "Bearer"}`; errors 400
 * `{error, error_description}` (invalid_grant, invalid_scope, unsupported_grant_type).
 *
 * Access tokens are stateless: the expiry and an HMAC of it under a key made per simulator
 * process, so the FCM dialect checks one without shared state.
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'
export const TOKEN_PATH = '/oauth2/token'
/** Google answers 3599: an hour less the second the exchange took. */
const TOKEN_SECONDS = 3599

const tokenKey = randomBytes(32)
const mac = (exp: number) => createHmac('sha256', tokenKey).update(`fcm-access/${exp}`).digest('base64url')

/** An access token valid until `expSeconds` (epoch seconds). */
export const issueAccessToken = (expSeconds: number) => `ya29.sim.${expSeconds}.${mac(expSeconds)}`

/** Whether the FCM endpoint takes `token` at `nowMs`: one this process issued and not expired, or the configured long-lived one. */
export function accessTokenValid(token: string | undefined, creds: Credentials['fcm'], nowMs: number): boolean {
  if (!token) return false
  if (sameText(token, creds.accessToken)) return true
  const m = /^ya29\.sim\.(\d{1,12})\.([\w-]+)$/.exec(token)
  return Boolean(m && sameText(m[2], mac(Number(m[1]))) && Number(m[1]) * 1000 > nowMs)
}

const oauthError = (error: string, description: string): Reply => ({ status: 400, body: { error, error_description: description } })

/**
 * One token request. `tokenUrl` is this endpoint's URL as the caller reached it (the assertion's
 * aud must name it, as Google's must name https://oauth2.googleapis.com/token).
 */
export function exchangeAssertion(creds: Credentials['fcm'], body: string, tokenUrl: string, nowMs: number): Reply {
  const p = form(body)
  if (p.grant_type !== JWT_BEARER_GRANT) return oauthError('unsupported_grant_type', `Invalid grant_type: ${p.grant_type ?? ''}`.trim())
  if (!p.assertion) return oauthError('invalid_request', 'Missing required parameter: assertion')
  const jwt = verifyJwt(p.assertion, creds.publicKey, 'RS256')
  if (!jwt.ok) return oauthError('invalid_grant', `Invalid JWT Signature. (${jwt.why})`)
  const c = jwt.claims
  if (c.iss !== creds.clientEmail) return oauthError('invalid_grant', 'Invalid email or User ID')
  if (c.aud !== tokenUrl) return oauthError('invalid_grant', `Invalid JWT: aud must be ${tokenUrl}`)
  const scopes = typeof c.scope === 'string' ? c.scope.split(' ') : []
  if (!scopes.includes(FCM_SCOPE)) return oauthError('invalid_scope', `scope must include ${FCM_SCOPE}`)
  const iat = seconds(c.iat)
  const exp = seconds(c.exp)
  const now = nowMs / 1000
  if (iat === undefined || exp === undefined || exp <= iat || exp - iat > 3600 || exp <= now)
    return oauthError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.')
  const expires = Math.floor(now) + TOKEN_SECONDS
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: { access_token: issueAccessToken(expires), expires_in: TOKEN_SECONDS, token_type: 'Bearer' } }
}
