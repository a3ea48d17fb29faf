import { systemClock } from '../../../contract/clock'
import type { FcmCredentials, PushSender } from '../push-types'
import { fcmAccessTokens } from './fcm-token'
import { field, joinUrl, jsonBody, type VendorReply } from './http'
import { definePushAdapter } from './push-http'
import type { AdapterOptions } from './types'

/**
 * Firebase Cloud Messaging HTTP v1 (`POST /v1/projects/{project}/messages:send`): OAuth 2
 * bearer token of the project's service account (exchanged and renewed by fcm-token.ts; a
 * token endpoint that cannot be reached or answers 5xx counts as FCM's failure), JSON `{message: {token, notification, data, android}}` → 200 `{name:
 * "projects/{p}/messages/{id}"}`; errors `{error: {code, message, status, details:
 * [{errorCode}]}}`, 429 RESOURCE_EXHAUSTED with `Retry-After`, 404 UNREGISTERED for an
 * uninstalled app (a 4xx: the chain does not move on, the device is gone).
 *
 * No idempotency key, but a push is idempotent where it matters: the app deduplicates by the
 * challenge id in `data`, so the not-connected retry may be enabled.
 */

export type FcmOptions = AdapterOptions<FcmCredentials>

/** The `errorCode`s in an FCM error body's `error.details` (e.g. UNREGISTERED). */
function fcmErrorCodes(body: string): string[] {
  const details = (jsonBody(body) as { error?: { details?: unknown } } | undefined)?.error?.details
  return Array.isArray(details) ? details.map((d) => (d as { errorCode?: unknown })?.errorCode).filter((c): c is string => typeof c === 'string') : []
}

export function createFcm(o: FcmOptions): PushSender {
  const c = o.credentials
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(c?.projectId ?? '')) throw new Error(`fcm: credentials.projectId: expected a Firebase project id, got "${c?.projectId}"`)
  const tokens = fcmAccessTokens({ account: c.serviceAccount, clock: o.clock ?? systemClock, fetch: o.fetch })
  const url = joinUrl(o.baseUrl, `/v1/projects/${encodeURIComponent(c.projectId)}/messages:send`)
  return definePushAdapter(o, {
    id: 'fcm',
    platforms: ['android'],
    authorize: async (signal) => `Bearer ${await tokens.token(signal)}`,
    request: (m) => ({
      url,
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body: JSON.stringify({
        message: {
          token: m.token,
          notification: { title: m.title, body: m.body },
          data: m.data,
          // High priority wakes the device now; a sign-in push is worthless after its TTL.
          android: { priority: 'high', ...(m.ttlSeconds ? { ttl: `${m.ttlSeconds}s` } : {}) },
        },
      }),
    }),
    read: (reply: VendorReply) => {
      if (reply.status < 300) return { providerMessageId: field(jsonBody(reply.body), 'name')?.split('/').pop() }
      // UNAUTHENTICATED: the access token was refused before its time; the next send exchanges a new one.
      if (reply.status === 401) tokens.invalidate()
      return { tokenGone: reply.status === 404 && fcmErrorCodes(reply.body).includes('UNREGISTERED') }
    },
  })
}
