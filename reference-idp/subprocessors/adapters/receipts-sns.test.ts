import { sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSnsSigningIdentity } from '../../simulator/vendors/sns-cert'
import { snsStringToSign } from '../../simulator/vendors/webhook-signing'
import { parseReceipt, readReceipt } from './receipts'
import { CERT_URL, CREDS, NOW, SNS, TOPIC, refusal as refuse, snsMessage } from '../../../test/fixtures/receipts'
import { SnsCertificateCache, snsCanonicalString } from './receipts-sns'
import type { ReceiptCredentials, ReceiptRequest } from './types'

const refusal = (req: ReceiptRequest, creds: ReceiptCredentials = CREDS) => refuse('ses', req, creds)

const delivery = { eventType: 'Delivery', mail: { messageId: 'm1', destination: ['someone@example.test'] } }
const edit = (r: ReceiptRequest, f: (m: Record<string, unknown>) => void) => {
  const m = JSON.parse(r.body) as Record<string, unknown>
  f(m)
  return { ...r, body: JSON.stringify(m) }
}

describe('SNS string to sign', () => {
  it('is the example of the AWS guide (Notification with Subject)', async () => {
    const m = { Type: 'Notification', MessageId: '4d4dc071-ddbf-465d-bba8-08f81c89da64', TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P', Subject: 'My subject', Message: 'My Test Message', Timestamp: '2019-01-31T04:37:04.321Z', SignatureVersion: '1', UnsubscribeURL: 'x' }
    const want = 'Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\nTimestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n'
    expect(snsCanonicalString(m)).toBe(want)
    expect(snsStringToSign(m)).toBe(want)
  })

  it('covers SubscribeURL and Token of confirmations, and nothing of unknown types', async () => {
    const m = { Type: 'SubscriptionConfirmation', Message: 'm', MessageId: 'i', SubscribeURL: 'u', Timestamp: 't', Token: 'k', TopicArn: 'a' }
    expect(snsCanonicalString(m)).toBe('Message\nm\nMessageId\ni\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\nTopicArn\na\nType\nSubscriptionConfirmation\n')
    expect(snsCanonicalString({ Type: 'Other', Message: 'm' })).toBe('')
  })
})

describe('SNS message signatures (SES events)', () => {
  it('SignatureVersion 2 and 1 are accepted', async () => {
    expect(await parseReceipt('ses', snsMessage(delivery), CREDS, NOW)).toMatchObject([{ providerMessageId: 'm1', status: 'delivered' }])
    const v1 = edit(snsMessage(delivery), (m) => {
      m.SignatureVersion = '1'
      m.Signature = sign('sha1', Buffer.from(snsStringToSign(m)), SNS.privateKey).toString('base64')
    })
    expect(await parseReceipt('ses', v1, CREDS, NOW)).toHaveLength(1)
  })

  const other = createSnsSigningIdentity(NOW)
  it.each([
    ['an altered Message', () => edit(snsMessage(delivery), (m) => (m.Message = String(m.Message).replace('Delivery', 'Bounce'))), 'bad_signature', /does not verify with the certificate/],
    ['a signature by another key under the allowed URL', () => snsMessage(delivery, {}, { identity: other }), 'bad_signature', /does not verify/],
    ['an unknown SignatureVersion', () => edit(snsMessage(delivery), (m) => (m.SignatureVersion = '3')), 'bad_signature', /expected 1 or 2/],
    ['a SigningCertURL not on the allow list', () => snsMessage(delivery, {}, { certUrl: 'https://evil.test/SimpleNotificationService-x.pem' }), 'untrusted_certificate', /not on the allow list/],
    ['no Signature', () => edit(snsMessage(delivery), (m) => delete m.Signature), 'missing_signature', /Signature or SigningCertURL missing/],
    ['an old Timestamp (replay)', () => snsMessage(delivery, {}, { at: NOW - 3_600_000 }), 'stale_timestamp', /SNS Timestamp is 3600 s old/],
  ])('refuses %s', async (_name, req, code, message) => {
    const err = await refusal(req())
    expect(err).toMatchObject({ vendor: 'ses', code })
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('example.test')
  })

  it('refuses everything without certificates configured', async () => {
    expect(await refusal(snsMessage(delivery), { ses: { topicArn: TOPIC } })).toMatchObject({ code: 'no_credentials' })
  })
})

describe('SnsCertificateCache', () => {
  const PREFIX = 'http://127.0.0.1:8090/sns/'
  const cache = (fetchImpl: typeof fetch, now = () => NOW) => new SnsCertificateCache({ allow: [PREFIX, 'https://sns.eu-west-1.amazonaws.com/'], fetch: fetchImpl, now, retryAfterMs: 60_000 })

  it.each([
    ['http://127.0.0.1:8090/sns/SimpleNotificationService-abc.pem', true],
    [CERT_URL, true],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem', false],
    ['http://127.0.0.1:8091/sns/SimpleNotificationService-abc.pem', false],
    ['https://127.0.0.1:8090/sns/SimpleNotificationService-abc.pem', false],
    ['http://127.0.0.1:8090/other/SimpleNotificationService-abc.pem', false],
    ['http://127.0.0.1:8090/sns/../faults/x.pem', false],
    ['http://127.0.0.1:8090/sns/SimpleNotificationService-abc.pem?x=1', false],
    ['http://user:pw@127.0.0.1:8090/sns/SimpleNotificationService-abc.pem', false],
    ['http://127.0.0.1:8090/sns/SimpleNotificationService-abc.txt', false],
    ['not a url', false],
  ])('%s allowed: %s', async (url, want) => {
    expect(cache(fetch).allowed(url)).toBe(want)
  })

  it('fetches an allowed certificate once, never a disallowed one, and readReceipt then verifies', async () => {
    const url = `${PREFIX}SimpleNotificationService-abc.pem`
    const fetched: string[] = []
    const fake = (async (u: string | URL | Request) => {
      fetched.push(String(u))
      return new Response(SNS.certificatePem)
    }) as typeof fetch
    const c = cache(fake)
    const creds = { ses: { topicArn: TOPIC, certificates: c } }
    const req = snsMessage(delivery, {}, { certUrl: url })
    expect(await readReceipt('ses', req, creds, NOW)).toMatchObject([{ status: 'delivered' }])
    expect(await readReceipt('ses', req, creds, NOW)).toHaveLength(1)
    await expect(readReceipt('ses', snsMessage(delivery, {}, { certUrl: 'https://evil.test/SimpleNotificationService-x.pem' }), creds, NOW)).rejects.toMatchObject({ code: 'untrusted_certificate' })
    expect(fetched).toEqual([url])
  })

  it('keeps no answer that is not a certificate, and retries a failed URL only after a while', async () => {
    let t = NOW
    let body = 'not a certificate'
    let calls = 0
    const fake = (async () => {
      calls++
      return new Response(body)
    }) as unknown as typeof fetch
    const c = cache(fake, () => t)
    const url = `${PREFIX}SimpleNotificationService-abc.pem`
    const req = snsMessage(delivery, {}, { certUrl: url })
    await c.prepare(req.body)
    expect(c.get(url)).toBeUndefined()
    body = SNS.certificatePem
    await c.prepare(req.body)
    expect(calls).toBe(1) // within retryAfterMs of the failure
    t += 61_000
    await c.prepare(req.body)
    expect([calls, c.get(url)]).toEqual([2, SNS.certificatePem])
  })
})
