import { systemClock } from '../../../contract/clock'
import type { ApnsCredentials, PushSender } from '../push-types'
import { apnsProviderTokens } from './apns-token'
import { joinUrl } from './http'
import { definePushAdapter } from './push-http'
import type { AdapterOptions } from './types'

/**
 * Apple Push Notification service (`POST /3/device/{token}`): `authorization: bearer <provider
 * token>` (an ES256 JWT from the team's .p8 key, minted and renewed every 50 minutes by
 * apns-token.ts), `apns-topic` (bundle id), `apns-push-type: alert`, `apns-priority: 10`,
 * `apns-expiration`, `apns-id` (a UUID; APNs echoes it) → 200 with empty body and `apns-id`;
 * errors `{reason}`, 410 Unregistered when the app was removed, 429 TooManyRequests.
 *
 * Real APNs speaks HTTP/2 only: against api.push.apple.com pass a `fetch` whose dispatcher
 * allows h2 (undici `new Agent({ allowH2: true })`); the simulator takes HTTP/1.1.
 * Duplicate-safe like FCM: the app deduplicates by the challenge id.
 */

export type ApnsOptions = AdapterOptions<ApnsCredentials>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function createApns(o: ApnsOptions): PushSender {
  const c = o.credentials
  if (!/^[A-Za-z0-9.-]+$/.test(c?.topic ?? '')) throw new Error(`apns: credentials.topic: expected the app's bundle id, got "${c?.topic}"`)
  const clock = o.clock ?? systemClock
  const tokens = apnsProviderTokens({ teamId: c.teamId, keyId: c.keyId, privateKey: c.privateKey, clock })
  return definePushAdapter(o, {
    id: 'apns',
    platforms: ['ios'],
    authorize: async () => `bearer ${await tokens.token()}`,
    request(m) {
      // Guarded here, not left to APNs: a bad token would 400 and look like our bug.
      if (!/^[0-9a-f]{64,200}$/i.test(m.token)) throw new Error('apns: token: expected 64-200 hex digits')
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'apns-topic': o.credentials.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        // 0 = deliver now or never; otherwise keep trying until the challenge is over.
        'apns-expiration': String(m.ttlSeconds ? Math.floor(clock.now() / 1000) + m.ttlSeconds : 0),
      }
      if (UUID.test(m.idempotencyKey)) headers['apns-id'] = m.idempotencyKey
      return {
        url: joinUrl(o.baseUrl, `/3/device/${m.token.toLowerCase()}`),
        headers,
        body: JSON.stringify({ aps: { alert: { title: m.title, body: m.body }, sound: 'default', 'interruption-level': 'time-sensitive' }, ...m.data }),
      }
    },
    // 410 Unregistered: the token stopped being valid (app removed); 400 BadDeviceToken is ours to fix, not the device's.
    read: (reply) => (reply.status < 300 ? { providerMessageId: reply.headers.get('apns-id') ?? undefined } : { tokenGone: reply.status === 410 }),
  })
}
