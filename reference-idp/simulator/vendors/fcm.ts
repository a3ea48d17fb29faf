import { randomHex } from '../random'
import { bearer, dig, json, str } from './common'
import { accessTokenValid } from './fcm-oauth'
import type { Dialect, Reply } from './types'

/**
 * Firebase Cloud Messaging HTTP v1 (`fcm`): an OAuth2 bearer token from the service-account
 * exchange (fcm-oauth.ts), unexpired, `{message:{token, notification,
 * data}}` → 200 `{name: "projects/{id}/messages/{id}"}`; errors `{"error":{code, message,
 * status, details:[{errorCode}]}}`. No per-message receipts: the device's answer is the only
 * delivery signal. A token starting with `unregistered` answers 404 UNREGISTERED (an
 * uninstalled app), so lost-device paths can be exercised.
 */

function fcmError(code: number, status: string, message: string, errorCode?: string, headers?: Record<string, string>): Reply {
  const details = errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : undefined
  return { status: code, headers, body: { error: { code, message, status, ...(details ? { details } : {}) } } }
}

export const fcm: Dialect = {
  vendor: 'fcm',
  pattern: /^\/fcm\/v1\/projects\/([^/]+)\/messages:send$/,
  parse(req, creds) {
    if (!accessTokenValid(bearer(req.headers), creds.fcm, req.now ?? Date.now()))
      return {
        ok: false,
        reply: fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'THIRD_PARTY_AUTH_ERROR'),
      }
    const body = json(req.body)
    const invalid = (message: string) => ({ ok: false as const, reply: fcmError(400, 'INVALID_ARGUMENT', message, 'INVALID_ARGUMENT') })
    const token = str(dig(body, 'message', 'token'))
    if (!token) return invalid('Recipient of the message is not set.')
    if (token.startsWith('unregistered'))
      return { ok: false, reply: fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED') }
    const data = dig(body, 'message', 'data') ?? {}
    if (typeof data !== 'object' || data === null) return invalid("Invalid value at 'message.data'")
    for (const [k, v] of Object.entries(data)) if (typeof v !== 'string') return invalid(`Invalid value at 'message.data[${k}].value' (TYPE_STRING)`)
    const title = str(dig(body, 'message', 'notification', 'title'))
    const text = str(dig(body, 'message', 'notification', 'body')) ?? ''
    return { ok: true, intent: { device: 'push', to: token, subject: title, text, data: data as Record<string, string> } }
  },
  newId: (rand) => `0:${Date.now()}${randomHex(rand, 6)}%${randomHex(rand, 16)}`,
  accepted(_intent, ctx) {
    return { status: 200, body: { name: `projects/${ctx.params[0]}/messages/${ctx.id}` } }
  },
  failure(outcome) {
    if (outcome.kind === 'throttled')
      return fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric messages.', 'QUOTA_EXCEEDED', { 'Retry-After': String(outcome.retryAfterSeconds) })
    return outcome.cause === 'outage'
      ? fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE')
      : fcmError(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL')
  },
}
