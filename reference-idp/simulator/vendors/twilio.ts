import { randomHex } from '../random'
import { E164, basicAuth, form, midway, twilioSignature, twimlSay } from './common'
import type { Credentials, Dialect, FailureOutcome, Reply, ReplyContext, SendIntent, SimRequest } from './types'

/**
 * Twilio Programmable Messaging (`twilio`) and Calls (`twilio-voice`): form-encoded requests
 * with HTTP basic auth (AccountSid:AuthToken), JSON answers, errors `{code, message,
 * more_info, status}`, form-encoded status callbacks signed with X-Twilio-Signature.
 */

const API = '2010-04-01'

function twilioError(status: number, code: number, message: string, headers?: Record<string, string>): Reply {
  return { status, headers, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } }
}

function authenticate(req: SimRequest, creds: Credentials): Reply | undefined {
  const auth = basicAuth(req.headers)
  const { accountSid, authToken } = creds.twilio
  if (!auth || auth.user !== accountSid || auth.password !== authToken || req.params[0] !== accountSid)
    return twilioError(401, 20003, 'Authenticate')
  return undefined
}

function failure(outcome: FailureOutcome): Reply {
  if (outcome.kind === 'throttled')
    return twilioError(429, 20429, 'Too Many Requests', {
      'Retry-After': String(outcome.retryAfterSeconds),
      'Twilio-Reached-Rate-Limit': 'true',
    })
  return outcome.cause === 'outage'
    ? twilioError(503, 20503, 'Service Unavailable')
    : twilioError(500, 20500, 'Internal Server Error')
}

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000')

function signed(creds: Credentials, url: string, params: Record<string, string>) {
  return { 'X-Twilio-Signature': twilioSignature(creds.twilio.authToken, url, params) }
}

export const twilioSms: Dialect = {
  vendor: 'twilio',
  pattern: /^\/twilio\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/,
  parse(req, creds) {
    const denied = authenticate(req, creds)
    if (denied) return { ok: false, reply: denied }
    const p = form(req.body)
    if (!p.To) return { ok: false, reply: twilioError(400, 21604, "A 'To' phone number is required.") }
    if (!E164.test(p.To)) return { ok: false, reply: twilioError(400, 21211, `The 'To' number is not a valid phone number.`) }
    if (!p.From && !p.MessagingServiceSid) return { ok: false, reply: twilioError(400, 21603, "A 'From' phone number is required.") }
    if (!p.Body) return { ok: false, reply: twilioError(400, 21602, 'Message body is required.') }
    if (p.Body.length > 1600) return { ok: false, reply: twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.') }
    return { ok: true, intent: { device: 'phone', to: p.To, from: p.From ?? p.MessagingServiceSid, text: p.Body, callbackUrl: p.StatusCallback } }
  },
  newId: (rand) => `SM${randomHex(rand, 32)}`,
  accepted(intent: SendIntent, ctx: ReplyContext): Reply {
    const accountSid = ctx.creds.twilio.accountSid
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        api_version: API,
        body: intent.text,
        date_created: rfc2822(ctx.now),
        date_sent: null,
        date_updated: rfc2822(ctx.now),
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: intent.from ?? null,
        messaging_service_sid: intent.from?.startsWith('MG') ? intent.from : null,
        num_media: '0',
        num_segments: String(Math.max(1, Math.ceil(intent.text.length / 153))),
        price: null,
        price_unit: 'USD',
        sid: ctx.id,
        status: intent.from?.startsWith('MG') ? 'accepted' : 'queued',
        to: intent.to,
        uri: `/${API}/Accounts/${accountSid}/Messages/${ctx.id}.json`,
      },
    }
  },
  failure,
  receipts({ id, intent, delivery, webhookUrl, creds, rand }) {
    const base = { AccountSid: creds.twilio.accountSid, ApiVersion: API, From: intent.from ?? '', To: intent.to, MessageSid: id, SmsSid: id }
    const event = (offsetMs: number, status: string, errorCode?: string) => {
      const payload: Record<string, string> = { ...base, MessageStatus: status, SmsStatus: status }
      if (errorCode) payload.ErrorCode = errorCode
      return { offsetMs, encoding: 'form' as const, payload, headers: signed(creds, webhookUrl, payload) }
    }
    const finalAt = delivery.delayMs
    if (delivery.status === 'failed') return [event(finalAt, 'failed', '30008')]
    const sent = event(midway(delivery.delayMs, 1_000), 'sent')
    if (delivery.status === 'delivered') return [sent, event(finalAt, 'delivered')]
    return [sent, event(finalAt, 'undelivered', ['30003', '30005', '30006'][Math.floor(rand() * 3)])]
  },
}

export const twilioVoice: Dialect = {
  vendor: 'twilio-voice',
  pattern: /^\/twilio\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/,
  parse(req, creds) {
    const denied = authenticate(req, creds)
    if (denied) return { ok: false, reply: denied }
    const p = form(req.body)
    if (!p.To) return { ok: false, reply: twilioError(400, 21201, "No 'To' number is specified") }
    if (!E164.test(p.To)) return { ok: false, reply: twilioError(400, 21211, `Invalid 'To' Phone Number`) }
    if (!p.From) return { ok: false, reply: twilioError(400, 21213, "No 'From' number is specified") }
    if (!p.Twiml && !p.Url) return { ok: false, reply: twilioError(400, 21205, 'Url or Twiml parameter is required.') }
    const text = p.Twiml ? twimlSay(p.Twiml) : `(TwiML fetched from Url)`
    return { ok: true, intent: { device: 'phone', to: p.To, from: p.From, text, callbackUrl: p.StatusCallback } }
  },
  newId: (rand) => `CA${randomHex(rand, 32)}`,
  accepted(intent, ctx) {
    const accountSid = ctx.creds.twilio.accountSid
    return {
      status: 201,
      body: {
        sid: ctx.id,
        account_sid: accountSid,
        api_version: API,
        date_created: rfc2822(ctx.now),
        direction: 'outbound-api',
        from: intent.from,
        to: intent.to,
        status: 'queued',
        duration: null,
        price: null,
        uri: `/${API}/Accounts/${accountSid}/Calls/${ctx.id}.json`,
      },
    }
  },
  failure,
  receipts({ id, intent, delivery, webhookUrl, creds, rand }) {
    // Twilio only calls StatusCallback for `completed` unless more events are requested;
    // busy / no-answer / failed are completed-class terminal statuses.
    const status =
      delivery.status === 'delivered' ? 'completed' : delivery.status === 'failed' ? 'failed' : rand() < 0.5 ? 'busy' : 'no-answer'
    const payload: Record<string, string> = {
      AccountSid: creds.twilio.accountSid,
      ApiVersion: API,
      CallSid: id,
      CallStatus: status,
      CallDuration: status === 'completed' ? String(Math.max(1, Math.round(delivery.delayMs / 3000))) : '0',
      Direction: 'outbound-api',
      From: intent.from ?? '',
      To: intent.to,
      Called: intent.to,
      Caller: intent.from ?? '',
      SequenceNumber: '0',
    }
    return [{ offsetMs: delivery.delayMs, encoding: 'form', payload, headers: signed(creds, webhookUrl, payload) }]
  },
}
