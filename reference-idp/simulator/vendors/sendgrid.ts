import { randomHex } from '../random'
import type { Rand } from '../random'
import { EMAIL, bearer, dig, json, midway, str } from './common'
import type { Dialect, RateInfo, Reply, ReceiptContext, ReceiptEvent } from './types'

/**
 * SendGrid v3 Mail Send (`sendgrid`): Bearer API key, 202 with an empty body and
 * `X-Message-Id`, errors `{"errors":[{field, message}]}`, `X-RateLimit-*` on every answer.
 * The event webhook receives batched JSON arrays: processed → deferred (slow ones, with
 * `attempt`) → delivered or bounce; `dropped` instead of that sequence. Each batch is signed
 * when posted (X-Twilio-Email-Event-Webhook-Signature / -Timestamp).
 */

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const messageId = (rand: Rand) => Array.from({ length: 22 }, () => B64URL[Math.floor(rand() * 64)]).join('')

function rateHeaders(rate: RateInfo): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(rate.limit),
    'X-RateLimit-Remaining': String(Math.max(0, rate.remaining)),
    'X-RateLimit-Reset': String(rate.resetEpochSeconds),
  }
}

const errors = (status: number, field: string | null, message: string, headers?: Record<string, string>): Reply => ({
  status,
  headers,
  body: { errors: [{ field, message, help: null }] },
})

interface MailBody {
  personalizations?: { to?: { email?: string }[]; custom_args?: Record<string, string> }[]
  from?: { email?: string }
  subject?: string
  content?: { type?: string; value?: string }[]
  custom_args?: Record<string, string>
}

const DEFERRED_AFTER_MS = 5_000

export const sendgrid: Dialect = {
  vendor: 'sendgrid',
  pattern: /^\/sendgrid\/v3\/mail\/send$/,
  parse(req, creds) {
    if (bearer(req.headers) !== creds.sendgrid.apiKey)
      return { ok: false, reply: errors(401, null, 'The provided authorization grant is invalid, expired, or revoked') }
    const body = json(req.body) as MailBody | undefined
    const bad = (field: string | null, message: string) => ({ ok: false as const, reply: errors(400, field, message) })
    if (!body || typeof body !== 'object') return bad(null, 'Bad Request')
    const to = str(dig(body, 'personalizations', 0, 'to', 0, 'email'))
    if (!to) return bad('personalizations.0.to', 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.')
    if (!EMAIL.test(to)) return bad('personalizations.0.to.0.email', 'Does not contain a valid address.')
    const from = str(dig(body, 'from', 'email'))
    if (!from) return bad('from.email', 'The from email does not contain a valid address.')
    const subject = str(body.subject)
    if (!subject) return bad('subject', 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.')
    const text = str(dig(body, 'content', 0, 'value'))
    if (!text) return bad('content', 'Unless a valid template_id is provided, the content parameter is required.')
    const customArgs = { ...body.custom_args, ...body.personalizations?.[0]?.custom_args }
    return { ok: true, intent: { device: 'mailbox', to, from, subject, text, customArgs } }
  },
  newId: messageId,
  accepted(_intent, ctx) {
    return { status: 202, headers: { 'X-Message-Id': ctx.id, ...rateHeaders(ctx.rate) } }
  },
  failure(outcome, ctx) {
    const headers = rateHeaders(ctx.rate)
    if (outcome.kind === 'throttled') return errors(429, null, 'too many requests', { ...headers, 'Retry-After': String(outcome.retryAfterSeconds) })
    return outcome.cause === 'outage'
      ? errors(503, null, 'Service Unavailable', headers)
      : errors(500, null, 'Internal Server Error', headers)
  },
  receipts(ctx) {
    const { delivery } = ctx
    const event = (offsetMs: number, name: string, extra: Record<string, unknown> = {}): ReceiptEvent => ({
      offsetMs,
      encoding: 'json-array',
      payload: sgEvent(ctx, offsetMs, name, extra),
    })
    if (delivery.status === 'failed') return [event(delivery.delayMs, 'dropped', { reason: 'Bounced Address', status: '5.0.0' })]
    const events = [event(100, 'processed')]
    if (delivery.delayMs > DEFERRED_AFTER_MS)
      events.push(event(midway(delivery.delayMs, 3_000), 'deferred', { response: '421 4.4.1 try again later', attempt: '1' }))
    events.push(
      delivery.status === 'delivered'
        ? event(delivery.delayMs, 'delivered', { response: '250 2.0.0 OK', ip: '167.89.0.1', tls: 1 })
        : event(delivery.delayMs, 'bounce', { reason: '550 5.1.1 The email account that you tried to reach does not exist.', status: '5.1.1', type: 'bounce' }),
    )
    return events
  },
}

function sgEvent(ctx: ReceiptContext, offsetMs: number, name: string, extra: Record<string, unknown>) {
  return {
    email: ctx.intent.to,
    timestamp: Math.floor((ctx.acceptedAt + offsetMs) / 1000),
    'smtp-id': `<${ctx.id}@ismtpd0001p1>`,
    event: name,
    sg_event_id: randomHex(ctx.rand, 22),
    sg_message_id: `${ctx.id}.filterdrecv-0-1-0`,
    // Custom args ride along on every event: that is how senders correlate them.
    ...ctx.intent.customArgs,
    ...extra,
  }
}
