import type { Subprocessor } from '../types'
import { defineAdapter, joinUrl, requireFrom } from './http'
import { DEFAULT_SUBJECT } from './ses'
import type { AdapterOptions, SendGridCredentials } from './types'

/**
 * SendGrid v3 Mail Send (`POST /v3/mail/send`): JSON with the API key as bearer, 202 with an
 * empty body and the message id in `X-Message-Id`; errors `{"errors":[{field, message}]}`,
 * 429 with `X-RateLimit-Reset` (epoch seconds). No per-message callback: the event webhook is
 * set per account. Open and click tracking are switched off (the registry promises it).
 *
 * Mail Send has no idempotency key and delivers every POST, so the adapter never retries a
 * sent request.
 */

export type SendGridOptions = AdapterOptions<SendGridCredentials> & { subject?: string }

export function createSendGrid(o: SendGridOptions): Subprocessor {
  const from = requireFrom('sendgrid', o, 'a verified sender address')
  const apiKey = o.credentials?.apiKey
  if (!apiKey) throw new Error('sendgrid: credentials.apiKey: required')
  const url = joinUrl(o.baseUrl, '/v3/mail/send')
  return defineAdapter(o, {
    id: 'sendgrid',
    channels: ['email'],
    request(message) {
      const body = {
        personalizations: [{ to: [{ email: message.to }] }],
        from: { email: from },
        subject: o.subject ?? DEFAULT_SUBJECT,
        content: [{ type: 'text/plain', value: message.text }],
        // Echoed on every event webhook item: correlation without the recipient address.
        custom_args: { factorwatch_ref: message.idempotencyKey },
        tracking_settings: { click_tracking: { enable: false }, open_tracking: { enable: false } },
      }
      return { url, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }
    },
    read(reply) {
      if (reply.status < 300) return { providerMessageId: reply.headers.get('x-message-id') ?? undefined }
      // Real SendGrid states the wait as the reset time of the window, not as Retry-After.
      const reset = Number(reply.headers.get('x-ratelimit-reset'))
      if (reply.status === 429 && !reply.headers.get('retry-after') && Number.isFinite(reset) && reset > 0)
        return { retryAfterSeconds: Math.max(0, Math.ceil(reset - Date.now() / 1000)) }
      return {}
    },
  })
}
