import { systemClock } from '../../../contract/clock'
import type { Subprocessor } from '../types'
import { type ReadOutcome, type VendorReply, defineAdapter, field, joinUrl, jsonBody, requireFrom } from './http'
import type { AdapterOptions, VonageSmsCredentials, VonageVoiceCredentials } from './types'
import { vonageApplicationJwts } from './vonage-jwt'

/**
 * Vonage SMS API (`POST /sms/json`) and Voice API (`POST /v1/calls`).
 *
 * SMS: form-encoded with `api_key`/`api_secret` in the body, numbers without '+'. The answer is
 * HTTP 200 even when the message was refused: the verdict is `messages[0].status` ("0" sent,
 * "1" throttled, "5" internal error, others are problems with the request or account). Only the
 * edge's outage page is a non-200. `callback` takes the per-message delivery receipt URL,
 * `client-ref` our idempotency key (echoed on the receipt, for correlation).
 *
 * Voice: JSON with an application JWT as bearer (RS256 from the application's private key,
 * minted per call by vonage-jwt.ts), `ncco` talk action, `event_url` for call
 * events; 201 `{uuid}`, RFC 7807 errors, 429 with `Retry-After`.
 *
 * Neither is idempotent (no idempotency key; `client-ref` is not deduplicated), so the
 * adapters never retry a sent request.
 */

export type VonageSmsOptions = AdapterOptions<VonageSmsCredentials>
export type VonageVoiceOptions = AdapterOptions<VonageVoiceCredentials>

const bare = (n: string) => n.replace(/^\+/, '')

/** Vonage enforces its throughput per second (30 messages/s per key by default) and says no more. */
const THROTTLE_RETRY_SECONDS = 1

/** What a Vonage SMS `status` says about the send (developer.vonage.com SMS API error codes). */
export function vonageSmsVerdict(status: string | undefined): ReadOutcome['vendorReason'] | 'ok' {
  if (status === '0') return 'ok'
  if (status === '1') return 'rate_limited'
  // 5 internal error; absent: an unreadable 200 is the vendor's fault, not the message's.
  if (status === '5' || status === undefined) return 'server_error'
  // 2/3 missing or invalid parameters, 4 bad credentials, 6 unroutable, 7 barred number,
  // 8 account barred, 9 quota exceeded, 15 invalid sender, 29 non-whitelisted destination…
  return 'client_error'
}

function readSms(reply: VendorReply): ReadOutcome {
  if (reply.status !== 200) return {}
  // A long text is split into parts, each with its own id; a code fits one part, so the first names it.
  const body = jsonBody(reply.body)
  const verdict = vonageSmsVerdict(field(body, 'messages', 0, 'status'))
  if (verdict === 'ok') return { providerMessageId: field(body, 'messages', 0, 'message-id') }
  return verdict === 'rate_limited' ? { vendorReason: verdict, retryAfterSeconds: THROTTLE_RETRY_SECONDS } : { vendorReason: verdict }
}

export function createVonageSms(o: VonageSmsOptions): Subprocessor {
  const from = requireFrom('vonage', o, 'a number or alphanumeric sender id')
  const { apiKey, apiSecret } = o.credentials ?? {}
  if (!apiKey || !apiSecret) throw new Error('vonage: credentials.apiKey and credentials.apiSecret: required')
  const url = joinUrl(o.baseUrl, '/sms/json')
  return defineAdapter(o, {
    id: 'vonage',
    channels: ['sms'],
    request(message) {
      const p: Record<string, string> = { api_key: apiKey, api_secret: apiSecret, from: bare(from), to: bare(message.to), text: message.text }
      if (o.statusCallbackUrl) p.callback = o.statusCallbackUrl
      // client-ref is at most 100 characters.
      p['client-ref'] = message.idempotencyKey.slice(0, 100)
      return { url, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(p).toString() }
    },
    read: readSms,
  })
}

export function createVonageVoice(o: VonageVoiceOptions): Subprocessor {
  const from = requireFrom('vonage-voice', o, 'a Vonage voice number')
  const c = o.credentials
  if (!c?.applicationId || !c.privateKey) throw new Error('vonage-voice: credentials.applicationId and credentials.privateKey: required')
  const jwt = vonageApplicationJwts({ applicationId: c.applicationId, privateKey: c.privateKey, clock: o.clock ?? systemClock })
  const url = joinUrl(o.baseUrl, '/v1/calls')
  return defineAdapter(o, {
    id: 'vonage-voice',
    channels: ['voice'],
    authorize: async () => `Bearer ${await jwt()}`,
    request(message) {
      const body: Record<string, unknown> = {
        to: [{ type: 'phone', number: bare(message.to) }],
        from: { type: 'phone', number: bare(from) },
        ncco: [{ action: 'talk', text: message.text, loop: 2 }],
      }
      if (o.statusCallbackUrl) Object.assign(body, { event_url: [o.statusCallbackUrl], event_method: 'POST' })
      return { url, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }
    },
    read: (reply) => ({ providerMessageId: reply.status < 300 ? field(jsonBody(reply.body), 'uuid') : undefined }),
  })
}
