import { randomHex, randomUuid } from '../random'
import { EMAIL, dig, header, json, midway, str } from './common'
import type { Dialect, Reply, ReceiptContext, ReceiptEvent } from './types'

/**
 * Amazon SES v2 (`ses`): `POST /v2/email/outbound-emails` signed with SigV4 (the simulator
 * checks only the access key id in the Credential scope), 200 `{MessageId}`, errors typed by
 * the `x-amzn-ErrorType` header. Events are published through SNS: the webhook receives the SNS
 * envelope (`Type: Notification`, `Message` = the SES event as a JSON string) — Send, then
 * DeliveryDelay for slow deliveries, then Delivery or Bounce (Transient / Permanent). Each SNS
 * message is signed when posted (SignatureVersion 2, the simulator's own SigningCertURL).
 */

const AWS_REGION: Record<string, string> = { 'eu-west': 'eu-west-1', 'us-east': 'us-east-1' }
const awsRegion = (r: string) => AWS_REGION[r] ?? r
const ACCOUNT = '000000000000'

function awsError(status: number, type: string, message: string, extra: Record<string, string> = {}): Reply {
  return { status, headers: { 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUuid(Math.random), ...extra }, body: { __type: type, message } }
}

interface SesBody {
  FromEmailAddress?: string
  Destination?: { ToAddresses?: string[] }
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } } }
}

/** SES delays longer than this get a DeliveryDelay event first. */
const DELAY_EVENT_AFTER_MS = 5_000

export const ses: Dialect = {
  vendor: 'ses',
  pattern: /^\/ses\/v2\/email\/outbound-emails$/,
  parse(req, creds) {
    const auth = header(req.headers, 'authorization')
    if (!auth) return { ok: false, reply: awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token') }
    const key = /Credential=([^/,\s]+)\//.exec(auth)?.[1]
    if (!auth.startsWith('AWS4-HMAC-SHA256') || key !== creds.ses.accessKeyId)
      return { ok: false, reply: awsError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.') }
    const body = json(req.body) as SesBody | undefined
    const bad = (message: string) => ({ ok: false as const, reply: awsError(400, 'BadRequestException', message) })
    if (!body || typeof body !== 'object') return bad('Request body is not valid JSON')
    const from = str(body.FromEmailAddress)
    if (!from) return bad('FromEmailAddress is required')
    const to = str(dig(body, 'Destination', 'ToAddresses', 0))
    if (!to || !EMAIL.test(to)) return bad('Destination.ToAddresses must contain a valid address')
    const subject = str(dig(body, 'Content', 'Simple', 'Subject', 'Data'))
    const text = str(dig(body, 'Content', 'Simple', 'Body', 'Text', 'Data')) ?? str(dig(body, 'Content', 'Simple', 'Body', 'Html', 'Data'))
    if (!subject || !text) return bad('Content.Simple requires Subject.Data and Body.Text.Data or Body.Html.Data')
    return { ok: true, intent: { device: 'mailbox', to, from, subject, text } }
  },
  newId: (rand) => `0102${randomHex(rand, 12)}-${randomUuid(rand)}-000000`,
  accepted(_intent, ctx) {
    return { status: 200, headers: { 'x-amzn-RequestId': ctx.id.slice(17, 53) }, body: { MessageId: ctx.id } }
  },
  failure(outcome) {
    if (outcome.kind === 'throttled') return awsError(429, 'TooManyRequestsException', 'Too Many Requests', { 'Retry-After': String(outcome.retryAfterSeconds) })
    return outcome.cause === 'outage'
      ? awsError(503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.')
      : awsError(500, 'InternalFailure', 'The request processing has failed because of an unknown error.')
  },
  receipts(ctx) {
    const { delivery } = ctx
    const events: ReceiptEvent[] = [sns(ctx, 50, 'Send', {})]
    if (delivery.delayMs > DELAY_EVENT_AFTER_MS)
      events.push(
        sns(ctx, midway(delivery.delayMs, 3_000), 'DeliveryDelay', {
          deliveryDelay: {
            timestamp: iso(ctx, midway(delivery.delayMs, 3_000)),
            delayType: 'TransientCommunicationFailure',
            expirationTime: iso(ctx, 24 * 3600_000),
            delayedRecipients: [{ emailAddress: ctx.intent.to, status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1 connection timed out' }],
          },
        }),
      )
    if (delivery.status === 'delivered')
      events.push(
        sns(ctx, delivery.delayMs, 'Delivery', {
          delivery: {
            timestamp: iso(ctx, delivery.delayMs),
            processingTimeMillis: delivery.delayMs,
            recipients: [ctx.intent.to],
            smtpResponse: '250 2.6.0 Message received',
            reportingMTA: `a8-1.smtp-out.${awsRegion(ctx.region)}.amazonses.com`,
          },
        }),
      )
    else {
      const permanent = delivery.status === 'undeliverable'
      events.push(
        sns(ctx, delivery.delayMs, 'Bounce', {
          bounce: {
            bounceType: permanent ? 'Permanent' : 'Transient',
            bounceSubType: permanent ? 'General' : 'MailboxFull',
            bouncedRecipients: [
              permanent
                ? { emailAddress: ctx.intent.to, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }
                : { emailAddress: ctx.intent.to, action: 'failed', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' },
            ],
            timestamp: iso(ctx, delivery.delayMs),
            feedbackId: `0102${randomHex(ctx.rand, 12)}-${randomUuid(ctx.rand)}-000000`,
          },
        }),
      )
    }
    return events
  },
}

const iso = (ctx: ReceiptContext, offsetMs: number) => new Date(ctx.acceptedAt + offsetMs).toISOString()

function sns(ctx: ReceiptContext, offsetMs: number, eventType: string, detail: Record<string, unknown>): ReceiptEvent {
  const topicArn = `arn:aws:sns:${awsRegion(ctx.region)}:${ACCOUNT}:ses-events`
  const snsId = randomUuid(ctx.rand)
  const message = {
    eventType,
    mail: {
      timestamp: new Date(ctx.acceptedAt).toISOString(),
      source: ctx.intent.from,
      sendingAccountId: ACCOUNT,
      messageId: ctx.id,
      destination: [ctx.intent.to],
      headersTruncated: false,
      tags: {},
    },
    ...detail,
  }
  return {
    offsetMs,
    encoding: 'json',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': snsId,
      'x-amz-sns-topic-arn': topicArn,
    },
    payload: {
      Type: 'Notification',
      MessageId: snsId,
      TopicArn: topicArn,
      Message: JSON.stringify(message),
      // Replaced by the publish time when posted, then signed (SignatureVersion, Signature,
      // SigningCertURL): see webhook-signing.ts.
      Timestamp: iso(ctx, offsetMs),
    },
  }
}
