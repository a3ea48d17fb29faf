import { header, json } from './common'
import { seconds, verifyJwt } from './jwt'
import { randomUuid } from '../random'
import type { Credentials, Dialect, Reply } from './types'

/**
 * Apple Push Notification service (`apns`): `POST /3/device/{token}` with `authorization:
 * bearer <provider token>` and `apns-*` headers. The provider token is an ES256 JWT (header kid =
 * the key id, claims iss = the team id, iat) verified with the team key's public half; one
 * issued more than an hour ago is 403 ExpiredProviderToken, a bad one 403 InvalidProviderToken → 200, empty body, `apns-id` header; errors
 * `{reason}`. No delivery receipts. A token starting with `dead` answers 410 Unregistered
 * (with `timestamp`), as for an app removed from the device.
 */

const reason = (status: number, r: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Reply => ({
  status,
  headers,
  body: { reason: r, ...extra },
})

const MAX_PAYLOAD_BYTES = 4096
/** APNs refuses a provider token whose iat is more than an hour old. */
const MAX_TOKEN_AGE_SECONDS = 3600

/** The provider token's verdict: undefined when good, else the 403 reason. */
function providerTokenProblem(token: string, creds: Credentials['apns'], nowMs: number): 'InvalidProviderToken' | 'ExpiredProviderToken' | undefined {
  const jwt = verifyJwt(token, creds.publicKey, 'ES256')
  if (!jwt.ok || jwt.header.kid !== creds.keyId || jwt.claims.iss !== creds.teamId) return 'InvalidProviderToken'
  const iat = seconds(jwt.claims.iat)
  if (iat === undefined) return 'InvalidProviderToken'
  return nowMs / 1000 - iat > MAX_TOKEN_AGE_SECONDS ? 'ExpiredProviderToken' : undefined
}

export const apns: Dialect = {
  vendor: 'apns',
  pattern: /^\/apns\/3\/device\/([^/]+)$/,
  parse(req, creds) {
    const auth = header(req.headers, 'authorization')
    if (!auth) return { ok: false, reply: reason(403, 'MissingProviderToken') }
    const problem = providerTokenProblem(auth.replace(/^bearer\s+/i, ''), creds.apns, req.now ?? Date.now())
    if (problem) return { ok: false, reply: reason(403, problem) }
    if (!header(req.headers, 'apns-topic')) return { ok: false, reply: reason(400, 'MissingTopic') }
    const pushType = header(req.headers, 'apns-push-type') ?? 'alert'
    if (!['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity'].includes(pushType))
      return { ok: false, reply: reason(400, 'InvalidPushType') }
    const token = req.params[0]
    if (!/^[0-9a-f]{64,200}$/i.test(token)) return { ok: false, reply: reason(400, 'BadDeviceToken') }
    if (token.toLowerCase().startsWith('dead')) return { ok: false, reply: reason(410, 'Unregistered', { timestamp: req.now ?? Date.now() }) }
    if (!req.body) return { ok: false, reply: reason(400, 'PayloadEmpty') }
    if (Buffer.byteLength(req.body) > MAX_PAYLOAD_BYTES) return { ok: false, reply: reason(413, 'PayloadTooLarge') }
    const payload = json(req.body)
    if (!payload || typeof payload !== 'object') return { ok: false, reply: reason(400, 'PayloadEmpty') }
    const { aps, ...custom } = payload as { aps?: { alert?: string | { title?: string; body?: string } } } & Record<string, unknown>
    const alert = aps?.alert
    const title = typeof alert === 'object' ? alert.title : undefined
    const text = typeof alert === 'string' ? alert : (alert?.body ?? '')
    const data = Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
    const apnsId = header(req.headers, 'apns-id')
    return { ok: true, intent: { device: 'push', to: token.toLowerCase(), subject: title, text, data, clientRef: apnsId } }
  },
  newId: (rand, intent) => intent.clientRef ?? randomUuid(rand).toUpperCase(),
  accepted(_intent, ctx) {
    // newId reused the caller's apns-id when one was sent, as APNs does.
    return { status: 200, headers: { 'apns-id': ctx.id } }
  },
  failure(outcome) {
    if (outcome.kind === 'throttled') return reason(429, 'TooManyRequests', {}, { 'Retry-After': String(outcome.retryAfterSeconds) })
    return outcome.cause === 'outage' ? reason(503, 'ServiceUnavailable') : reason(500, 'InternalServerError')
  },
}
