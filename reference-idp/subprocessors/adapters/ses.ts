import { systemClock } from '../../../contract/clock'
import type { Subprocessor } from '../types'
import { defineAdapter, field, joinUrl, jsonBody, requireFrom } from './http'
import { signV4 } from './sigv4'
import type { AdapterOptions, SesCredentials } from './types'

/**
 * Amazon SES v2 SendEmail (`POST /v2/email/outbound-emails`): JSON, SigV4-signed for service
 * `ses` in the sending region, 200 `{MessageId}`; errors typed by `x-amzn-ErrorType`, 429
 * TooManyRequestsException. No per-message callback: events (Send, DeliveryDelay, Delivery,
 * Bounce) go to the configuration set's SNS topic, set up once per account.
 *
 * SendEmail takes no idempotency token (unlike many AWS create calls), so the adapter never
 * retries a sent request.
 */

export type SesOptions = AdapterOptions<SesCredentials> & {
  subject?: string
  /** Configuration set whose event destination publishes delivery events to SNS. */
  configurationSetName?: string
}

/** Our region names to AWS's; an AWS region name passes through. */
const AWS_REGIONS: Record<string, string> = { 'eu-west': 'eu-west-1', 'us-east': 'us-east-1' }
export const awsRegion = (region: string) => AWS_REGIONS[region] ?? region

export const DEFAULT_SUBJECT = 'Your sign-in code'

export function createSes(o: SesOptions): Subprocessor {
  const from = requireFrom('ses', o, 'a verified sender address')
  const creds = o.credentials
  if (!creds?.accessKeyId || !creds.secretAccessKey) throw new Error('ses: credentials.accessKeyId and credentials.secretAccessKey: required')
  const url = joinUrl(o.baseUrl, '/v2/email/outbound-emails')
  return defineAdapter(o, {
    id: 'ses',
    channels: ['email'],
    request(message, region) {
      const payload: Record<string, unknown> = {
        FromEmailAddress: from,
        Destination: { ToAddresses: [message.to] },
        Content: { Simple: { Subject: { Data: o.subject ?? DEFAULT_SUBJECT, Charset: 'UTF-8' }, Body: { Text: { Data: message.text, Charset: 'UTF-8' } } } },
      }
      if (o.configurationSetName) payload.ConfigurationSetName = o.configurationSetName
      const body = JSON.stringify(payload)
      const headers = { 'content-type': 'application/json' }
      const signed = signV4({ method: 'POST', url, headers, body }, { ...creds, region: awsRegion(region), service: 'ses', now: new Date((o.clock ?? systemClock).now()) })
      return { url, headers: { ...headers, ...signed }, body }
    },
    read: (reply) => ({ providerMessageId: reply.status < 300 ? field(jsonBody(reply.body), 'MessageId') : undefined }),
  })
}
