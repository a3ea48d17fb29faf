import type { Subprocessor } from '../types'
import { type VendorReply, defineAdapter, field, joinUrl, jsonBody, requireFrom } from './http'
import type { AdapterOptions, TwilioCredentials } from './types'

/**
 * Twilio Programmable Messaging and Programmable Voice (`/2010-04-01/Accounts/{sid}/…`):
 * form-encoded POST with HTTP basic auth AccountSid:AuthToken, 201 with the resource `sid`
 * (`SM…` message, `CA…` call), errors `{code, message, more_info, status}`, 429 code 20429 with
 * `Retry-After`. `StatusCallback` takes the per-message receipt URL.
 *
 * Not idempotent: Twilio documents that retrying a message or call create after an error may
 * deliver twice (twilio.com/docs/errors/20500), so the adapter never retries a sent request.
 */

export type TwilioOptions = AdapterOptions<TwilioCredentials>

const API = '2010-04-01'

function checkCredentials(id: string, c: TwilioCredentials): void {
  if (!/^AC[0-9a-f]{32}$/i.test(c?.accountSid ?? '')) throw new Error(`${id}: credentials.accountSid: expected AC followed by 32 hex digits`)
  if (!c.authToken) throw new Error(`${id}: credentials.authToken: required`)
}

function twilio(id: 'twilio' | 'twilio-voice', resource: 'Messages' | 'Calls', o: TwilioOptions, params: (to: string, text: string) => Record<string, string>): Subprocessor {
  checkCredentials(id, o.credentials)
  const { accountSid, authToken } = o.credentials
  const url = joinUrl(o.baseUrl, `/${API}/Accounts/${encodeURIComponent(accountSid)}/${resource}.json`)
  const authorization = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64')
  return defineAdapter(o, {
    id,
    channels: resource === 'Messages' ? ['sms'] : ['voice'],
    request(message) {
      const p = params(message.to, message.text)
      if (o.statusCallbackUrl) p.StatusCallback = o.statusCallbackUrl
      return {
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(p).toString(),
      }
    },
    read: (reply: VendorReply) => ({ providerMessageId: reply.status < 300 ? field(jsonBody(reply.body), 'sid') : undefined }),
  })
}

/** SMS. `from` is a Twilio number, an alphanumeric sender id, or a messaging service `MG…`. */
export function createTwilioSms(o: TwilioOptions): Subprocessor {
  const from = requireFrom('twilio', o, 'a Twilio number, sender id or messaging service SID MG…')
  const sender: Record<string, string> = /^MG[0-9a-f]{32}$/i.test(from) ? { MessagingServiceSid: from } : { From: from }
  return twilio('twilio', 'Messages', o, (To, Body) => ({ To, ...sender, Body }))
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
const xml = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c])

/** Voice: the text is read out by inline TwiML `<Say>`, twice, so a callee who missed it hears it again. */
export function createTwilioVoice(o: TwilioOptions): Subprocessor {
  const From = requireFrom('twilio-voice', o, 'a Twilio voice number in E.164')
  return twilio('twilio-voice', 'Calls', o, (To, text) => ({
    To,
    From,
    Twiml: `<Response><Say loop="2">${xml(text)}</Say></Response>`,
  }))
}
