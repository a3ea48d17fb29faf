import { describe, expect, it } from 'vitest'
import { twilioSignature } from '../../simulator/vendors/common'
import { ReceiptError, parseReceipt, twilioRequestSignature } from './receipts'
import { CREDS, NOW, sendgridBatch, snsMessage, vonageDlr, vonageEvent } from '../../../test/fixtures/receipts'

const TOKEN = 'test-auth-token'
const URL_ = 'https://idp.test/webhooks/twilio'

function twilioReq(params: Record<string, string>, url = URL_, token = TOKEN) {
  const body = new URLSearchParams(params).toString()
  return { url, headers: { 'X-Twilio-Signature': twilioRequestSignature(token, url, Object.entries(params)), 'content-type': 'application/x-www-form-urlencoded' }, body }
}

describe('twilio receipts', () => {
  it('our signature agrees with the simulator’s independent one', async () => {
    const p = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+4915100000000', AccountSid: 'AC1', ErrorCode: '' }
    expect(twilioRequestSignature(TOKEN, URL_, Object.entries(p))).toBe(twilioSignature(TOKEN, URL_, p))
  })

  it.each([
    [{ MessageSid: 'SM1', MessageStatus: 'delivered' }, [{ providerMessageId: 'SM1', status: 'delivered', vendorStatus: 'delivered' }]],
    [{ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }, [{ status: 'undeliverable', vendorStatus: 'undelivered 30003' }]],
    [{ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30008' }, [{ status: 'failed' }]],
    [{ MessageSid: 'SM1', MessageStatus: 'sent' }, []],
    [{ CallSid: 'CA1', CallStatus: 'completed', Timestamp: 'Mon, 23 Nov 2026 10:00:00 +0000' }, [{ providerMessageId: 'CA1', status: 'delivered', vendorTimestampMs: Date.parse('2026-11-23T10:00:00Z') }]],
    [{ CallSid: 'CA1', CallStatus: 'no-answer' }, [{ status: 'undeliverable' }]],
    [{ CallSid: 'CA1', CallStatus: 'ringing' }, []],
  ])('%j', async (params, want) => {
    const got = await parseReceipt('twilio', twilioReq(params), { twilio: { authToken: TOKEN } })
    expect(got).toHaveLength(want.length)
    want.forEach((w, i) => expect(got[i]).toMatchObject({ provider: 'twilio', ...w }))
  })

  it.each([
    ['a tampered body', (r: ReturnType<typeof twilioReq>) => ({ ...r, body: r.body.replace('undelivered', 'delivered') }), 'bad_signature'],
    ['another URL', (r: ReturnType<typeof twilioReq>) => ({ ...r, url: 'https://evil.test/webhooks/twilio' }), 'bad_signature'],
    ['no header', (r: ReturnType<typeof twilioReq>) => ({ ...r, headers: {} }), 'missing_signature'],
  ])('refuses %s', async (_n, tamper, code) => {
    const req = tamper(twilioReq({ MessageSid: 'SM1', MessageStatus: 'undelivered', To: '+4915100000000' }))
    const err = await parseReceipt('twilio', req, { twilio: { authToken: TOKEN } }).then(
      () => undefined,
      (e: unknown) => e as ReceiptError,
    )
    expect(err).toBeInstanceOf(ReceiptError)
    expect(err).toMatchObject({ vendor: 'twilio', code })
    expect(err!.message).toMatch(/^twilio receipt refused: .*X-Twilio-Signature/)
    expect(err!.message).not.toContain('+4915100000000')
  })

  it('refuses when no auth token is configured', async () => {
    await expect(parseReceipt('twilio-voice', twilioReq({ CallSid: 'CA1', CallStatus: 'completed' }))).rejects.toThrow(/^twilio-voice receipt refused: no auth token/)
  })
})

describe('other vendors (signed as the simulator signs them)', () => {
  const mail = (event: Record<string, unknown>) => ({ mail: { messageId: 'm1' }, ...event })

  it.each([
    ['vonage', vonageDlr({ messageId: 'ABC', status: 'delivered', 'err-code': '0', 'message-timestamp': '2026-11-23 10:15:00' }), [{ providerMessageId: 'ABC', status: 'delivered', vendorStatus: 'delivered 0', vendorTimestampMs: Date.parse('2026-11-23T10:15:00Z') }]],
    ['vonage', vonageDlr({ messageId: 'ABC', status: 'failed', 'err-code': '3' }), [{ status: 'undeliverable', vendorStatus: 'failed 3' }]],
    ['vonage', vonageDlr({ messageId: 'ABC', status: 'rejected', 'err-code': '6' }), [{ status: 'failed' }]],
    ['vonage', vonageDlr({ messageId: 'ABC', status: 'accepted', 'err-code': '0' }), []],
    ['vonage-voice', vonageEvent({ uuid: 'u1', status: 'completed', timestamp: '2026-11-23T10:00:00.000Z' }), [{ providerMessageId: 'u1', status: 'delivered', vendorTimestampMs: Date.parse('2026-11-23T10:00:00Z') }]],
    ['vonage-voice', vonageEvent({ uuid: 'u1', status: 'busy' }), [{ status: 'undeliverable' }]],
    ['vonage-voice', vonageEvent({ uuid: 'u1', status: 'ringing' }), []],
    ['ses', snsMessage(mail({ eventType: 'Delivery', delivery: { timestamp: '2026-11-23T10:00:01.000Z' } })), [{ providerMessageId: 'm1', status: 'delivered', vendorTimestampMs: Date.parse('2026-11-23T10:00:01Z') }]],
    ['ses', snsMessage(mail({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' } })), [{ status: 'undeliverable', vendorStatus: 'Bounce Permanent', vendorTimestampMs: NOW }]],
    ['ses', snsMessage(mail({ eventType: 'Bounce', bounce: { bounceType: 'Transient' } })), [{ status: 'failed' }]],
    ['ses', snsMessage(mail({ eventType: 'DeliveryDelay' })), []],
    ['ses', snsMessage('confirm?', { Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns.test', Token: 't' }), []],
    [
      'sendgrid',
      sendgridBatch([
        { sg_message_id: 'abc.filterdrecv-1', event: 'processed', timestamp: 1 },
        { sg_message_id: 'abc.filterdrecv-1', event: 'delivered', timestamp: 1795000000 },
        { sg_message_id: 'def.filterdrecv-1', event: 'bounce', type: 'bounce', status: '5.1.1' },
        { sg_message_id: 'ghi.filterdrecv-1', event: 'bounce', type: 'blocked' },
        { sg_message_id: 'jkl.filterdrecv-1', event: 'dropped' },
      ]),
      [
        { providerMessageId: 'abc', status: 'delivered', vendorTimestampMs: 1795000000_000 },
        { providerMessageId: 'def', status: 'undeliverable', vendorStatus: 'bounce 5.1.1' },
        { providerMessageId: 'ghi', status: 'failed' },
        { providerMessageId: 'jkl', status: 'failed' },
      ],
    ],
  ])('%s %#', async (vendor, r, want) => {
    const got = await parseReceipt(vendor, r, CREDS, NOW)
    expect(got).toHaveLength(want.length)
    want.forEach((w, i) => expect(got[i]).toMatchObject({ provider: vendor, ...w }))
  })

  it.each([
    ['sendgrid', sendgridBatch('not json'), 'malformed', 'sendgrid receipt refused: body is not JSON (expected a JSON array of events)'],
    ['sendgrid', sendgridBatch({ event: 'delivered' }), 'malformed', 'sendgrid receipt refused: expected a JSON array of events'],
    ['vonage', vonageDlr({ status: 'delivered' }), 'malformed', 'vonage receipt refused: expected messageId and status'],
    ['ses', snsMessage(mail({ eventType: 'Delivery' }), { TopicArn: 'arn:aws:sns:eu-west-1:1:other' }), 'wrong_topic', 'ses receipt refused: SNS TopicArn is not the configured topic'],
    ['sinch', vonageDlr({}), 'unknown_vendor', 'sinch receipt refused: no receipt parser; known: twilio, twilio-voice, vonage, vonage-voice, ses, sendgrid'],
  ])('%s: %s → %s', async (vendor, r, code, message) => {
    await expect(parseReceipt(vendor, r, CREDS, NOW)).rejects.toThrow(expect.objectContaining({ code, message }))
  })
})
