import { describe, expect, it } from 'vitest'
import { seededRand } from '../random'
import { twilioSignature } from './common'
import { apns, fcm, sendgrid, ses, twilioSms, twilioVoice, vonageSms, vonageVoice } from './index'
import { DEFAULT_CREDENTIALS as C, type Dialect, type FailureOutcome, type ReplyContext } from './types'
import { providerToken } from '../../../test/fixtures/vendor-tokens'

const ctx: ReplyContext = {
  id: 'ID1',
  now: Date.parse('2026-11-23T10:00:00Z'),
  region: 'eu-west',
  rate: { limit: 10, remaining: 0, resetEpochSeconds: 1 },
  creds: C,
  params: ['proj'],
}
const req = (headers: Record<string, string>, body: unknown, params: string[] = []) => ({
  method: 'POST',
  params,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

describe('twilioSignature', () => {
  it("matches Twilio's documented example", () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' }
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=')
  })
})

describe('bad credentials get each vendor’s own answer', () => {
  it.each<[string, Dialect, ReturnType<typeof req>, number, unknown]>([
    ['twilio', twilioSms, req({ authorization: 'Basic ' + btoa(`${C.twilio.accountSid}:wrong`) }, 'To=%2B4915112345678', [C.twilio.accountSid]), 401, { code: 20003, status: 401 }],
    ['twilio-voice', twilioVoice, req({}, '', [C.twilio.accountSid]), 401, { code: 20003 }],
    ['vonage', vonageSms, req({}, 'api_key=simkey01&api_secret=nope&to=4915112345678&from=FW&text=hi'), 200, { messages: [{ status: '4', 'error-text': 'Bad Credentials' }] }],
    ['vonage-voice', vonageVoice, req({ authorization: 'Bearer nope' }, {}), 401, { title: 'Unauthorized' }],
    ['ses', ses, req({ authorization: 'AWS4-HMAC-SHA256 Credential=AKIAOTHER/20261123/eu-west-1/ses/aws4_request' }, {}), 403, { __type: 'UnrecognizedClientException' }],
    ['sendgrid', sendgrid, req({ authorization: 'Bearer nope' }, {}), 401, { errors: [{ field: null }] }],
    ['fcm', fcm, req({ authorization: 'Bearer nope' }, {}, ['proj']), 401, { error: { code: 401, status: 'UNAUTHENTICATED' } }],
    ['apns', apns, req({ authorization: 'bearer nope' }, {}, ['ab'.repeat(32)]), 403, { reason: 'InvalidProviderToken' }],
  ])('%s', (_name, dialect, request, status, body) => {
    const parsed = dialect.parse(request, C)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.reply.status).toBe(status)
    expect(parsed.reply.body).toMatchObject(body as object)
  })
})

describe('failure shapes', () => {
  const outage: FailureOutcome = { kind: 'server_error', cause: 'outage' }
  const throttled: FailureOutcome = { kind: 'throttled', retryAfterSeconds: 1, limitRps: 5 }
  it.each<[Dialect, number, number]>([
    [twilioSms, 503, 429],
    [twilioVoice, 503, 429],
    [vonageSms, 503, 200],
    [vonageVoice, 503, 429],
    [ses, 503, 429],
    [sendgrid, 503, 429],
    [fcm, 503, 429],
    [apns, 503, 429],
  ])('%#: outage %d, throttled %d', (dialect, outageStatus, throttledStatus) => {
    expect(dialect.failure(outage, ctx).status).toBe(outageStatus)
    const t = dialect.failure(throttled, ctx)
    expect(t.status).toBe(throttledStatus)
    if (throttledStatus === 429) expect(t.headers?.['Retry-After']).toBe('1')
    else expect(t.body).toMatchObject({ messages: [{ status: '1' }] })
  })

  it('SendGrid carries X-RateLimit-* headers on every answer', () => {
    expect(sendgrid.failure(throttled, ctx).headers).toMatchObject({ 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0' })
  })
})

describe('push payloads reach the device with their data fields', () => {
  it('FCM data and APNs custom keys', async () => {
    const f = fcm.parse(req({ authorization: `Bearer ${C.fcm.accessToken}` }, { message: { token: 'tok1', notification: { title: 'Sign in?', body: 'Tap the number' }, data: { match: '42' } } }, ['proj']), C)
    expect(f).toMatchObject({ ok: true, intent: { device: 'push', to: 'tok1', subject: 'Sign in?', data: { match: '42' } } })
    const token = 'ab'.repeat(32)
    const a = apns.parse(req({ authorization: `bearer ${await providerToken()}`, 'apns-topic': 'com.example' }, { aps: { alert: { title: 'Sign in?', body: 'b' } }, match: '17' }, [token]), C)
    expect(a).toMatchObject({ ok: true, intent: { device: 'push', to: token, data: { match: '17' } } })
  })

  it('uninstalled apps are unregistered', async () => {
    expect(apns.parse(req({ authorization: `bearer ${await providerToken()}`, 'apns-topic': 't' }, {}, ['dead' + 'a'.repeat(60)]), C)).toMatchObject({ ok: false, reply: { status: 410, body: { reason: 'Unregistered' } } })
    expect(fcm.parse(req({ authorization: `Bearer ${C.fcm.accessToken}` }, { message: { token: 'unregistered-1' } }, ['p']), C)).toMatchObject({ ok: false, reply: { status: 404 } })
  })
})

describe('receipt timelines end in the vendor’s final status', () => {
  const base = { id: 'M1', acceptedAt: ctx.now, webhookUrl: 'http://hook/x', region: 'eu-west', creds: C, rand: seededRand(1) }
  const intent = { device: 'phone' as const, to: '+4915112345678', from: '+15005550006', text: 'code 123456' }
  const mail = { device: 'mailbox' as const, to: 'a@example.com', from: 'no-reply@example.com', subject: 's', text: 't' }
  it.each<[Dialect, typeof intent | typeof mail, 'delivered' | 'failed' | 'undeliverable', (last: unknown) => void]>([
    [twilioSms, intent, 'delivered', (p) => expect(p).toMatchObject({ MessageSid: 'M1', MessageStatus: 'delivered' })],
    [twilioSms, intent, 'undeliverable', (p) => expect(p).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: expect.stringMatching(/^3000/) })],
    [twilioSms, intent, 'failed', (p) => expect(p).toMatchObject({ MessageStatus: 'failed' })],
    [twilioVoice, intent, 'delivered', (p) => expect(p).toMatchObject({ CallSid: 'M1', CallStatus: 'completed' })],
    [vonageSms, intent, 'delivered', (p) => expect(p).toMatchObject({ messageId: 'M1', status: 'delivered', 'err-code': '0', msisdn: '4915112345678' })],
    [vonageVoice, intent, 'undeliverable', (p) => expect((p as { status: string }).status).toMatch(/^(busy|timeout|unanswered)$/)],
    [ses, mail, 'delivered', (p) => expect(JSON.parse((p as { Message: string }).Message)).toMatchObject({ eventType: 'Delivery', mail: { messageId: 'M1' } })],
    [ses, mail, 'undeliverable', (p) => expect(JSON.parse((p as { Message: string }).Message)).toMatchObject({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' } })],
    [sendgrid, mail, 'delivered', (p) => expect(p).toMatchObject({ event: 'delivered', sg_message_id: expect.stringMatching(/^M1\./) })],
    [sendgrid, mail, 'failed', (p) => expect(p).toMatchObject({ event: 'dropped' })],
  ])('%#', (dialect, i, status, check) => {
    const events = dialect.receipts!({ ...base, intent: i, delivery: { status, delayMs: 8_000, receipted: true } })
    const offsets = events.map((e) => e.offsetMs)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    expect(offsets.at(-1)).toBe(8_000)
    check(events.at(-1)!.payload)
  })

  it('FCM and APNs have no receipts', () => {
    expect(fcm.receipts).toBeUndefined()
    expect(apns.receipts).toBeUndefined()
  })
})
