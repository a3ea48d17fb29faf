import { describe, expect, it } from 'vitest'
import type { OutboundMessage } from '../types'
import { createSendGrid } from './sendgrid'
import { type TwilioOptions, createTwilioSms } from './twilio'

/** The shared HTTP shell, through the Twilio adapter, against a stub fetch. */

const msg: OutboundMessage = { channel: 'sms', to: '+4915112345678', text: 'Your code is 123456', idempotencyKey: 'k1', region: 'eu-west' }
const creds = { accountSid: 'AC00000000000000000000000000000001', authToken: 'secret-token' }

const refused = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) })
const created = () => new Response(JSON.stringify({ sid: 'SMabc', status: 'queued' }), { status: 201, headers: { 'content-type': 'application/json' } })
/** A fetch that never answers, like a blackholed vendor, until its signal aborts. */
const hang: typeof fetch = (_u, init) =>
  new Promise((_r, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason), { once: true }))

function adapter(fetchImpl: typeof fetch, extra: Partial<TwilioOptions> = {}) {
  return createTwilioSms({ baseUrl: 'https://api.twilio.test', credentials: creds, timeoutMs: 200, costMicros: 79_000, from: '+15005550006', fetch: fetchImpl, random: () => 0, ...extra })
}

describe('vendor HTTP shell', () => {
  it('sends the vendor-shaped request', async () => {
    let seen: { url: string; init: RequestInit } | undefined
    const r = await adapter(async (url, init) => ((seen = { url: String(url), init: init! }), created()), { statusCallbackUrl: 'https://idp.test/webhooks/twilio' }).send(msg)
    expect(r).toMatchObject({ ok: true, reason: 'ok', providerMessageId: 'SMabc', costMicros: 79_000 })
    expect(seen!.url).toBe(`https://api.twilio.test/2010-04-01/Accounts/${creds.accountSid}/Messages.json`)
    const headers = seen!.init.headers as Record<string, string>
    expect(headers.authorization).toBe('Basic ' + Buffer.from(`${creds.accountSid}:${creds.authToken}`).toString('base64'))
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(headers['x-sim-region']).toBe('eu-west')
    expect(Object.fromEntries(new URLSearchParams(String(seen!.init.body)))).toEqual({
      To: msg.to, From: '+15005550006', Body: msg.text, StatusCallback: 'https://idp.test/webhooks/twilio',
    })
  })

  it('a messaging service SID is sent as MessagingServiceSid', async () => {
    let body = ''
    await adapter(async (_u, init) => ((body = String(init!.body)), created()), { from: 'MG' + 'a'.repeat(32) }).send(msg)
    expect(new URLSearchParams(body).get('MessagingServiceSid')).toBe('MG' + 'a'.repeat(32))
    expect(new URLSearchParams(body).has('From')).toBe(false)
  })

  it('times out after timeoutMs with class none', async () => {
    const started = Date.now()
    const r = await adapter(hang).send(msg)
    expect(r).toMatchObject({ ok: false, reason: 'timeout', httpStatusClass: 'none', costMicros: 0 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(r.latencyMs).toBeGreaterThanOrEqual(190)
  })

  it('a caller deadline that is a timeout counts as a timeout; any other caller abort is rethrown', async () => {
    expect(await adapter(hang, { timeoutMs: 5_000 }).send(msg, AbortSignal.timeout(50))).toMatchObject({ reason: 'timeout' })
    const c = new AbortController()
    const p = adapter(hang, { timeoutMs: 5_000 }).send(msg, c.signal)
    c.abort(new Error('flow cancelled'))
    await expect(p).rejects.toThrow('flow cancelled')
  })

  it.each([
    ['refused, retry enabled', true, [refused], 'ok', 2],
    ['refused twice, retry enabled', true, [refused, refused], 'network_error', 2],
    ['refused, retry disabled', false, [refused], 'network_error', 1],
    ['reset (request may have been sent), retry enabled', true, [reset], 'network_error', 1],
  ] as const)('%s → %s after %i call(s)', async (_name, retryConnectOnce, failures, reason, calls) => {
    let n = 0
    const r = await adapter(
      async () => {
        const fail = failures[n++]
        if (fail) throw fail()
        return created()
      },
      { retryConnectOnce },
    ).send(msg)
    expect(r.reason).toBe(reason)
    expect(r.httpStatusClass).toBe(reason === 'ok' ? '2xx' : 'none')
    expect(n).toBe(calls)
  })

  it('429 carries Retry-After; errors never echo the recipient or text', async () => {
    const r = await adapter(async () => new Response(JSON.stringify({ code: 20429, message: 'Too Many Requests', status: 429 }), { status: 429, headers: { 'retry-after': '7' } })).send(msg)
    expect(r).toEqual({ ok: false, provider: 'twilio', reason: 'rate_limited', httpStatusClass: '4xx', latencyMs: expect.any(Number), costMicros: 0, retryAfterSeconds: 7 })
    const wrong = adapter(async () => created()).send({ ...msg, channel: 'email' })
    await expect(wrong).rejects.toThrow('twilio: cannot send over channel email; serves sms')
    await expect(wrong).rejects.not.toThrow(msg.to)
  })

  it.each([
    [{ baseUrl: 'not a url' }, 'twilio: baseUrl: expected an absolute URL, got "not a url"'],
    [{ timeoutMs: 0 }, 'twilio: timeoutMs: expected a positive number, got 0'],
    [{ from: '' }, 'twilio: from: required'],
    [{ credentials: { accountSid: 'nope', authToken: 'x' } }, 'twilio: credentials.accountSid: expected AC followed by 32 hex digits'],
  ])('bad options %j are refused at creation', (extra, message) => {
    expect(() => adapter(async () => created(), extra as Partial<TwilioOptions>)).toThrow(message)
  })

  it('sendgrid: a 429 with only X-RateLimit-Reset (as documented) gives the wait until the reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 5
    const sg = createSendGrid({
      baseUrl: 'https://api.sendgrid.test', credentials: { apiKey: 'SG.x' }, timeoutMs: 200, costMicros: 400, from: 'no-reply@idp.test',
      fetch: async () => new Response(JSON.stringify({ errors: [{ field: null, message: 'too many requests' }] }), { status: 429, headers: { 'x-ratelimit-reset': String(reset) } }),
    })
    const r = await sg.send({ ...msg, channel: 'email', to: 'user@example.test' })
    expect(r.reason).toBe('rate_limited')
    expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(4)
    expect(r.retryAfterSeconds).toBeLessThanOrEqual(5)
  })
})
