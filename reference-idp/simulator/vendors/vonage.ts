import { randomHex, randomUuid } from '../random'
import { bearer, dig, form, header, json, midway, str } from './common'
import { seconds, verifyJwt } from './jwt'
import type { Credentials, Dialect, FailureOutcome, Reply, SendIntent } from './types'

/**
 * Vonage SMS API (`vonage`): form-encoded (or JSON) with api_key/api_secret in the body;
 * always HTTP 200 with per-message `status` ("0" ok, "1" throttled, "4" bad credentials,
 * "5" internal error); form-encoded delivery receipts, signed when posted (`timestamp`, `sig`).
 * An outage is the only non-200: the edge answers 503 with an HTML page, as load balancers do.
 *
 * Vonage Voice API (`vonage-voice`): JSON with the application's JWT as bearer (RS256, checked
 * with the application's public key), 201 `{uuid, status:"started"}`,
 * RFC 7807-style errors, JSON call events to `event_url` signed with a JWT when posted.
 */

/** Vonage writes numbers without the leading '+'; devices are keyed by E.164. */
const toE164 = (n: string) => (n.startsWith('+') ? n : `+${n}`)
const bare = (n: string) => n.replace(/^\+/, '')
const VALID_NUMBER = /^\+?[1-9]\d{6,14}$/

function smsStatus(status: string, errorText: string): Reply {
  return { status: 200, body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] } }
}

const OUTAGE_PAGE = '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>'

/** Vonage timestamps: "2026-11-23 10:15:00" and SCTS "2611231015" (YYMMDDHHmm). */
const vonageTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
const scts = (ms: number) => new Date(ms).toISOString().replace(/\D/g, '').slice(2, 12)

export const vonageSms: Dialect = {
  vendor: 'vonage',
  pattern: /^\/vonage\/sms\/json$/,
  parse(req, creds) {
    const isJson = /json/i.test(header(req.headers, 'content-type') ?? '')
    const raw = isJson ? json(req.body) : form(req.body)
    const p = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
    const field = (k: string) => (p[k] === undefined ? undefined : String(p[k]))
    if (!field('api_key')) return { ok: false, reply: smsStatus('2', 'Missing api_key') }
    if (field('api_key') !== creds.vonage.apiKey || field('api_secret') !== creds.vonage.apiSecret)
      return { ok: false, reply: smsStatus('4', 'Bad Credentials') }
    const to = field('to')
    if (!to) return { ok: false, reply: smsStatus('2', 'Missing to param') }
    if (!VALID_NUMBER.test(to)) return { ok: false, reply: smsStatus('3', 'Invalid to param') }
    if (!field('from')) return { ok: false, reply: smsStatus('2', 'Missing from param') }
    const text = field('text')
    if (!text) return { ok: false, reply: smsStatus('2', 'Missing text param') }
    return {
      ok: true,
      intent: { device: 'phone', to: toE164(to), from: field('from'), text, callbackUrl: field('callback'), clientRef: field('client-ref') },
    }
  },
  newId: (rand) => randomHex(rand, 16).toUpperCase(),
  accepted(intent, ctx) {
    const message: Record<string, string> = {
      to: bare(intent.to),
      'message-id': ctx.id,
      status: '0',
      'remaining-balance': '100.00000000',
      'message-price': '0.06840000',
      network: '23410',
    }
    if (intent.clientRef) message['client-ref'] = intent.clientRef
    return { status: 200, body: { 'message-count': '1', messages: [message] } }
  },
  failure(outcome: FailureOutcome) {
    if (outcome.kind === 'throttled') return smsStatus('1', 'Throttled')
    if (outcome.cause === 'outage') return { status: 503, headers: { 'content-type': 'text/html' }, body: OUTAGE_PAGE }
    return smsStatus('5', 'Internal Error')
  },
  receipts({ id, intent, delivery, acceptedAt, creds, rand }) {
    const event = (offsetMs: number, status: string, errCode: string) => {
      const payload: Record<string, string> = {
        msisdn: bare(intent.to),
        to: intent.from ?? '',
        'network-code': '23410',
        messageId: id,
        price: '0.06840000',
        status,
        scts: scts(acceptedAt + offsetMs),
        'err-code': errCode,
        'api-key': creds.vonage.apiKey,
        'message-timestamp': vonageTime(acceptedAt + offsetMs),
      }
      if (intent.clientRef) payload['client-ref'] = intent.clientRef
      return { offsetMs, encoding: 'form' as const, payload }
    }
    if (delivery.status === 'failed') return [event(delivery.delayMs, 'rejected', '6')]
    const accepted = event(midway(delivery.delayMs, 1_000), 'accepted', '0')
    if (delivery.status === 'delivered') return [accepted, event(delivery.delayMs, 'delivered', '0')]
    const [status, code] = ([['failed', '2'], ['failed', '3'], ['failed', '11'], ['expired', '1']] as const)[Math.floor(rand() * 4)]
    return [accepted, event(delivery.delayMs, status, code)]
  },
}

function problem(status: number, kind: string, title: string, detail: string, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: `https://developer.nexmo.com/api-errors#${kind}`, title, detail, instance: randomUuid(Math.random), ...extra },
  }
}

/**
 * Voice API calls carry the application's JWT (RS256, signed with the application's private
 * key): application_id must be this application, iat present, exp (when set) in the future.
 */
function applicationJwtValid(token: string | undefined, creds: Credentials['vonage'], nowMs: number): boolean {
  const jwt = verifyJwt(token, creds.applicationPublicKey, 'RS256')
  if (!jwt.ok || jwt.claims.application_id !== creds.applicationId || seconds(jwt.claims.iat) === undefined) return false
  const exp = seconds(jwt.claims.exp)
  return exp === undefined || exp * 1000 > nowMs
}

interface VoiceBody {
  to?: { type?: string; number?: string }[]
  from?: { type?: string; number?: string }
  ncco?: { action?: string; text?: string }[]
  answer_url?: string[]
  event_url?: string[]
}

export const vonageVoice: Dialect = {
  vendor: 'vonage-voice',
  pattern: /^\/vonage\/v1\/calls$/,
  parse(req, creds) {
    if (!applicationJwtValid(bearer(req.headers), creds.vonage, req.now ?? Date.now()))
      return { ok: false, reply: problem(401, 'unauthorized', 'Unauthorized', 'You did not provide correct credentials.') }
    const body = json(req.body) as VoiceBody | undefined
    const invalid = (name: string, reason: string) => ({
      ok: false as const,
      reply: problem(400, 'validation', 'Bad Request', 'The request failed due to validation errors', { invalid_parameters: [{ name, reason }] }),
    })
    if (!body || typeof body !== 'object') return invalid('body', 'Is not valid JSON')
    const to = str(dig(body, 'to', 0, 'number'))
    if (!to || !VALID_NUMBER.test(to)) return invalid('to', 'Is required and must be a phone endpoint')
    const from = str(dig(body, 'from', 'number'))
    if (!from) return invalid('from', 'Is required')
    const talk = (body.ncco ?? []).filter((a) => a?.action === 'talk' && typeof a.text === 'string').map((a) => a.text)
    if (!talk.length && !body.answer_url?.length) return invalid('ncco', 'Either ncco or answer_url is required')
    const text = talk.length ? talk.join(' ') : '(NCCO fetched from answer_url)'
    return { ok: true, intent: { device: 'phone', to: toE164(to), from, text, callbackUrl: str(dig(body, 'event_url', 0)) } }
  },
  newId: (rand) => randomUuid(rand),
  accepted(_intent: SendIntent, ctx) {
    return { status: 201, body: { uuid: ctx.id, status: 'started', direction: 'outbound', conversation_uuid: `CON-${ctx.id}` } }
  },
  failure(outcome) {
    if (outcome.kind === 'throttled')
      return { ...problem(429, 'throttled', 'Too Many Requests', 'Rate limit exceeded'), headers: { 'content-type': 'application/problem+json', 'Retry-After': String(outcome.retryAfterSeconds) } }
    return outcome.cause === 'outage'
      ? problem(503, 'service-unavailable', 'Service Unavailable', 'The service is temporarily unavailable')
      : problem(500, 'internal-error', 'Internal Server Error', 'An internal error occurred')
  },
  receipts({ id, intent, delivery, acceptedAt, rand }) {
    const event = (offsetMs: number, status: string, extra: Record<string, unknown> = {}) => ({
      offsetMs,
      encoding: 'json' as const,
      payload: {
        from: bare(intent.from ?? ''),
        to: bare(intent.to),
        uuid: id,
        conversation_uuid: `CON-${id}`,
        status,
        direction: 'outbound',
        timestamp: new Date(acceptedAt + offsetMs).toISOString(),
        ...extra,
      },
    })
    const ringing = event(midway(delivery.delayMs, 2_000), 'ringing')
    if (delivery.status === 'failed') return [event(delivery.delayMs, 'failed')]
    if (delivery.status === 'undeliverable') return [ringing, event(delivery.delayMs, ['busy', 'timeout', 'unanswered'][Math.floor(rand() * 3)])]
    const answeredAt = Math.round(delivery.delayMs * 0.7)
    return [
      ringing,
      event(answeredAt, 'answered'),
      event(delivery.delayMs, 'completed', {
        duration: String(Math.max(1, Math.round((delivery.delayMs - answeredAt) / 1000))),
        start_time: new Date(acceptedAt + answeredAt).toISOString(),
        end_time: new Date(acceptedAt + delivery.delayMs).toISOString(),
        rate: '0.01200000',
        price: '0.00120000',
      }),
    ]
  },
}
