import { type IncomingHttpHeaders, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clockFrom } from '../contract/clock'
import { DEFAULT_CREDENTIALS as C, type Simulator, startSimulator, twilioSignature } from '../reference-idp/simulator/index'
import { startProcess, until } from './support/processes'

/** Provider simulator over real HTTP, with a local webhook receiver for receipts. */

interface Hit {
  path: string
  headers: IncomingHttpHeaders
  body: string
  at: number
}

async function webhookReceiver() {
  const hits: Hit[] = []
  let failNext = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (failNext > 0) {
        failNext--
        res.writeHead(500).end()
        return
      }
      hits.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    hits,
    failNextRequests: (n: number) => (failNext = n),
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const fast = { medianMs: 20, sigma: 0.01, tailProb: 0, tailMultiplier: 1 }
const ACCOUNT = C.twilio.accountSid
const basic = 'Basic ' + Buffer.from(`${ACCOUNT}:${C.twilio.authToken}`).toString('base64')

let sim: Simulator
let skew = 0 // the simulator's clock runs ahead of real time by this much (fault expiry); its waits stay real
let hook: Awaited<ReturnType<typeof webhookReceiver>>

beforeAll(async () => {
  hook = await webhookReceiver()
  sim = await startSimulator({
    port: 0,
    seed: 7,
    clock: clockFrom(() => Date.now() + skew),
    baseline: 'clean',
    defaultWebhook: `${hook.url}/default`,
    receiptRetryDelaysMs: [100, 200],
    receiptBatchWindowMs: 50,
    profiles: {
      twilio: { api: fast, delivery: { ...fast, medianMs: 300 }, receiptLagMs: 50 },
      'twilio-voice': { api: fast, delivery: { ...fast, medianMs: 300 }, receiptLagMs: 0 },
      vonage: { api: fast, delivery: { ...fast, medianMs: 300 }, receiptLagMs: 50 },
      ses: { api: fast, delivery: { ...fast, medianMs: 1_500 }, receiptLagMs: 50 },
      sendgrid: { api: fast, delivery: { ...fast, medianMs: 200 }, receiptLagMs: 50 },
      fcm: { api: fast, delivery: { ...fast, medianMs: 200 } },
    },
  })
})

afterAll(async () => {
  await sim?.close()
  await hook?.close()
})

function twilioSms(to: string, body: string, opts: { region?: string; callback?: string } = {}) {
  const prefix = opts.region ? `/r/${opts.region}` : ''
  return fetch(`${sim.url}${prefix}/twilio/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ To: to, From: '+15005550006', Body: body, StatusCallback: opts.callback ?? `${hook.url}/twilio` }),
  })
}

function vonageSms(to: string, text: string) {
  return fetch(`${sim.url}/vonage/sms/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: C.vonage.apiKey, api_secret: C.vonage.apiSecret, from: 'FactorWatch', to, text, callback: `${hook.url}/vonage`, 'client-ref': 'flow-1' }),
  })
}

function sendgridMail(to: string, text: string) {
  return fetch(`${sim.url}/sendgrid/v3/mail/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${C.sendgrid.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ personalizations: [{ to: [{ email: to }] }], from: { email: 'no-reply@factorwatch.test' }, subject: 'Your code', content: [{ type: 'text/plain', value: text }] }),
  })
}

async function addFault(body: Record<string, unknown>) {
  const res = await fetch(`${sim.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

const form = (h: Hit) => Object.fromEntries(new URLSearchParams(h.body))

describe('provider simulator API', () => {
  it('twilio: 201 with an SM sid, then a signed form-encoded delivered callback, and the code on the phone', async () => {
    const res = await twilioSms('+4915110000001', 'Your FactorWatch code is 314159')
    expect(res.status).toBe(201)
    const msg = (await res.json()) as { sid: string; status: string; error_code: null }
    expect(msg.sid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(msg.status).toBe('queued')
    const delivered = await until('twilio delivered callback', () =>
      hook.hits.find((h) => h.path === '/twilio' && form(h).MessageSid === msg.sid && form(h).MessageStatus === 'delivered'),
    )
    expect(delivered.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/)
    expect(form(delivered)).toMatchObject({ AccountSid: ACCOUNT, To: '+4915110000001', SmsStatus: 'delivered' })
    expect(delivered.headers['x-twilio-signature']).toBe(twilioSignature(C.twilio.authToken, `${hook.url}/twilio`, form(delivered)))
    expect(hook.hits.some((h) => form(h).MessageSid === msg.sid && form(h).MessageStatus === 'sent')).toBe(true)
    const phone = (await (await fetch(`${sim.url}/devices/phone/${encodeURIComponent('+4915110000001')}/messages`)).json()) as { messages: { id: string; code: string }[] }
    expect(phone.messages[0]).toMatchObject({ id: msg.sid, code: '314159' })
  })

  it('twilio: wrong credentials get 401 code 20003', async () => {
    const res = await fetch(`${sim.url}/twilio/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:wrong`).toString('base64') },
      body: new URLSearchParams({ To: '+4915110000001', From: '+15005550006', Body: 'x' }),
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 20003, status: 401 })
  })

  it('vonage: always 200 with status "0", then a form-encoded DLR', async () => {
    const res = await vonageSms('4915110000002', 'Code 271828')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { 'message-count': string; messages: Record<string, string>[] }
    expect(body['message-count']).toBe('1')
    expect(body.messages[0]).toMatchObject({ status: '0', to: '4915110000002', 'client-ref': 'flow-1' })
    const id = body.messages[0]['message-id']
    const dlr = await until('vonage DLR', () => hook.hits.find((h) => h.path === '/vonage' && form(h).messageId === id && form(h).status === 'delivered'))
    expect(form(dlr)).toMatchObject({ msisdn: '4915110000002', 'err-code': '0', 'client-ref': 'flow-1' })
    expect(form(dlr).scts).toMatch(/^\d{10}$/)
  })

  it('outage: vendor-shaped 503 in the faulted region only, reverting after its duration', async () => {
    const f = await addFault({ vendor: 'twilio', region: 'eu-west', kind: 'outage', durationSeconds: 1 })
    expect(f.status).toBe(201)
    expect(Date.parse(f.body.expiresAt) - Date.parse(f.body.createdAt)).toBe(1000)
    const down = await twilioSms('+4915110000003', 'code 111111', { region: 'eu-west' })
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({ code: 20503, status: 503, more_info: expect.stringContaining('20503') })
    const other = await fetch(`${sim.url}/twilio/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
      method: 'POST',
      headers: { authorization: basic, 'x-sim-region': 'us-east' },
      body: new URLSearchParams({ To: '+4915110000003', From: '+15005550006', Body: 'code 111111' }),
    })
    expect(other.status).toBe(201)
    skew += 1_000 // the fault's duration, on the simulator's clock
    expect((await twilioSms('+4915110000003', 'code 111111', { region: 'eu-west' })).status).toBe(201)
    expect(((await (await fetch(`${sim.url}/faults`)).json()) as { faults: unknown[] }).faults).toEqual([])
  })

  it('blackhole: the request hangs until the client times out', async () => {
    await addFault({ vendor: 'fcm', kind: 'blackhole', durationSeconds: 30 })
    const started = Date.now()
    const err = await fetch(`${sim.url}/fcm/v1/projects/demo/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${C.fcm.accessToken}` },
      body: JSON.stringify({ message: { token: 'tok-bh', data: { match: '12' } } }),
      signal: AbortSignal.timeout(400),
    }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).name).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(380)
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
  })

  it('rate_limit: twilio 429 + Retry-After, vonage status "1"', async () => {
    await addFault({ vendor: 'twilio', kind: 'rate_limit', value: 0, durationSeconds: 5 })
    await addFault({ vendor: 'vonage', kind: 'rate_limit', value: 0, durationSeconds: 5 })
    const t = await twilioSms('+4915110000004', 'code 222222')
    expect(t.status).toBe(429)
    expect(t.headers.get('retry-after')).toBe('1')
    expect(await t.json()).toMatchObject({ code: 20429, status: 429 })
    const v = await vonageSms('4915110000004', 'code 222222')
    expect(v.status).toBe(200)
    expect(await v.json()).toMatchObject({ messages: [{ status: '1', 'error-text': 'Throttled' }] })
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
  })

  it('rate_limit with a value lets that many requests a second through', async () => {
    await addFault({ vendor: 'twilio', region: 'us-east', kind: 'rate_limit', value: 2, durationSeconds: 5 })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await twilioSms('+4915110000005', 'code 333333', { region: 'us-east' })).status)
    expect(statuses).toEqual([201, 201, 429, 429])
    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
  })

  it('delivery_loss: 2xx but no receipt and nothing in the mailbox; receipts return once cleared', async () => {
    await addFault({ vendor: 'sendgrid', kind: 'delivery_loss', durationSeconds: 10 })
    const lost = await sendgridMail('lost@example.test', 'code 444444')
    expect(lost.status).toBe(202)
    const lostId = lost.headers.get('x-message-id')!
    expect(lostId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    await sleep(1_000)
    const sgHits = () => hook.hits.filter((h) => h.path === '/default' && h.body.startsWith('['))
    expect(sgHits().some((h) => h.body.includes(lostId))).toBe(false)
    const box = (await (await fetch(`${sim.url}/devices/mailbox/lost@example.test/messages`)).json()) as { messages: unknown[] }
    expect(box.messages).toEqual([])

    await fetch(`${sim.url}/faults`, { method: 'DELETE' })
    const ok = await sendgridMail('found@example.test', 'code 555555')
    const okId = ok.headers.get('x-message-id')!
    expect(ok.headers.get('x-ratelimit-limit')).toBe('600')
    const events = await until('sendgrid delivered event', () => {
      const all = sgHits().flatMap((h) => JSON.parse(h.body) as { event: string; sg_message_id: string }[])
      const mine = all.filter((e) => e.sg_message_id.startsWith(okId))
      return mine.some((e) => e.event === 'delivered') ? mine : undefined
    })
    expect(events.map((e) => e.event)).toEqual(['processed', 'delivered'])
  })

  it('mailbox shows the code only after the delivery delay (ses)', async () => {
    const sentAt = Date.now()
    const res = await fetch(`${sim.url}/ses/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${C.ses.accessKeyId}/20261123/eu-west-1/ses/aws4_request, SignedHeaders=host, Signature=00`, 'content-type': 'application/json' },
      body: JSON.stringify({
        FromEmailAddress: 'no-reply@factorwatch.test',
        Destination: { ToAddresses: ['user1@example.test'] },
        Content: { Simple: { Subject: { Data: 'Your sign-in code' }, Body: { Text: { Data: 'Enter 662607 to sign in.' } } } },
      }),
    })
    expect(res.status).toBe(200)
    const { MessageId } = (await res.json()) as { MessageId: string }
    const mailbox = async () => ((await (await fetch(`${sim.url}/devices/mailbox/user1@example.test/messages`)).json()) as { messages: { id: string; code: string }[] }).messages
    expect(await mailbox()).toEqual([])
    await sleep(700)
    expect(await mailbox()).toEqual([])
    const [m] = await until('mail in the mailbox', async () => ((await mailbox()).length ? mailbox() : undefined))
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_300)
    expect(m).toMatchObject({ id: MessageId, code: '662607' })
    const sns = await until('SES Delivery notification', () =>
      hook.hits.find((h) => h.headers['x-amz-sns-message-type'] === 'Notification' && h.body.includes(MessageId) && h.body.includes('\\"Delivery\\"')),
    )
    const note = JSON.parse(sns.body) as { Type: string; Message: string }
    expect(note.Type).toBe('Notification')
    expect(JSON.parse(note.Message)).toMatchObject({ eventType: 'Delivery', mail: { messageId: MessageId } })
  })

  it('push: FCM 200 name, notification data readable on the device, no receipts', async () => {
    const res = await fetch(`${sim.url}/fcm/v1/projects/demo/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${C.fcm.accessToken}` },
      body: JSON.stringify({ message: { token: 'Tok-Push-1', notification: { title: 'Sign in?', body: 'Pick the number' }, data: { number_match: '47' } } }),
    })
    expect(res.status).toBe(200)
    const { name } = (await res.json()) as { name: string }
    expect(name).toMatch(/^projects\/demo\/messages\/.+/)
    const n = await until('push notification', async () => {
      const list = ((await (await fetch(`${sim.url}/devices/push/Tok-Push-1/notifications`)).json()) as { notifications: { data: Record<string, string> }[] }).notifications
      return list[0]
    })
    expect(n.data.number_match).toBe('47')
  })

  it('receipts are retried while the webhook is down', async () => {
    hook.failNextRequests(2)
    const res = await fetch(`${sim.url}/twilio/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      method: 'POST',
      headers: { authorization: basic },
      body: new URLSearchParams({ To: '+4915110000009', From: '+15005550006', Twiml: '<Response><Say>Your code is 1 2 3 4 5 6</Say></Response>', StatusCallback: `${hook.url}/voice` }),
    })
    expect(res.status).toBe(201)
    const { sid } = (await res.json()) as { sid: string }
    expect(sid).toMatch(/^CA/)
    const cb = await until('voice callback after retries', () => hook.hits.find((h) => h.path === '/voice' && form(h).CallSid === sid))
    expect(form(cb).CallStatus).toBe('completed')
    const metrics = await (await fetch(`${sim.url}/metrics`)).text()
    expect(metrics).toContain('simulator_receipts_total{vendor="twilio-voice",result="retried"} 1')
    const phone = (await (await fetch(`${sim.url}/devices/phone/+4915110000009/messages`)).json()) as { messages: { channel: string; code: string }[] }
    expect(phone.messages[0]).toMatchObject({ channel: 'voice', code: '123456' })
  })

  it('GET /faults lists active faults, DELETE /faults/{id} and DELETE /faults clear them', async () => {
    const a = await addFault({ vendor: 'ses', kind: 'latency', value: 500, durationSeconds: 60 })
    const b = await addFault({ vendor: 'apns', region: 'us-east', kind: 'error_rate', value: 0.5, durationSeconds: 60 })
    let list = ((await (await fetch(`${sim.url}/faults`)).json()) as { faults: { id: string; kind: string; region: string }[] }).faults
    expect(list.map((f) => [f.id, f.kind, f.region])).toEqual([
      [a.body.id, 'latency', '*'],
      [b.body.id, 'error_rate', 'us-east'],
    ])
    expect((await fetch(`${sim.url}/faults/${a.body.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await fetch(`${sim.url}/faults/${a.body.id}`, { method: 'DELETE' })).status).toBe(404)
    list = ((await (await fetch(`${sim.url}/faults`)).json()) as { faults: typeof list }).faults
    expect(list.map((f) => f.id)).toEqual([b.body.id])
    const cleared = await fetch(`${sim.url}/faults`, { method: 'DELETE' })
    expect(await cleared.json()).toEqual({ cleared: 1 })
    expect(((await (await fetch(`${sim.url}/faults`)).json()) as { faults: unknown[] }).faults).toEqual([])
  })

  it.each([
    [{ vendor: 'twilio', kind: 'error_rate', durationSeconds: 5 }, 'value', 'invalid_request'],
    [{ vendor: 'twilio', kind: 'outage', durationSeconds: 'soon' }, 'durationSeconds', 'invalid_request'],
    [{ vendor: 'sinch', kind: 'outage', durationSeconds: 5 }, 'vendor', 'unknown_vendor'],
  ])('bad fault body %j → 400 naming %s', async (body, field, code) => {
    const r = await addFault(body)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({ code, field, message: expect.stringMatching(new RegExp(`^${field}: `)) })
    if (code === 'unknown_vendor') expect(r.body.error.message).toContain('twilio, vonage, twilio-voice, vonage-voice, ses, sendgrid, fcm, apns')
  })

  it('/vendors, /healthz and /metrics', async () => {
    const v = (await (await fetch(`${sim.url}/vendors`)).json()) as { vendors: { id: string; channel: string; regions: string[] }[] }
    expect(v.vendors.map((x) => x.id)).toEqual(['twilio', 'vonage', 'twilio-voice', 'vonage-voice', 'ses', 'sendgrid', 'fcm', 'apns'])
    expect(await (await fetch(`${sim.url}/healthz`)).json()).toEqual({ status: 'ok' })
    const metrics = await (await fetch(`${sim.url}/metrics`)).text()
    expect(metrics).toMatch(/simulator_requests_total\{vendor="twilio",region="eu-west",outcome="server_error",code="503"\} 1/)
    expect(metrics).toMatch(/simulator_requests_total\{vendor="vonage",region="eu-west",outcome="throttled",code="200"\} 1/)
    expect(metrics).not.toMatch(/\+49151|example\.test/)
  })
})

describe('lifecycle', () => {
  it('close() ends promptly while a blackholed request is hanging', async () => {
    const s = await startSimulator({ port: 0, baseline: 'clean' })
    await fetch(`${s.url}/faults`, { method: 'POST', body: JSON.stringify({ vendor: 'apns', kind: 'blackhole', durationSeconds: 60 }) })
    const hanging = fetch(`${s.url}/apns/3/device/${'ab'.repeat(32)}`, { method: 'POST', body: '{}' }).catch((e: Error) => e)
    await sleep(100)
    const started = Date.now()
    await s.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(await hanging).toBeInstanceOf(Error)
  })

  it('the process prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const p = await startProcess('simulator', 'reference-idp/simulator/main.ts', [], { SIMULATOR_PORT: '0', SIMULATOR_HOST: '127.0.0.1' }, [
      /provider-simulator listening on http:\/\/127\.0\.0\.1:\d+\n/,
    ])
    try {
      const url = /provider-simulator listening on (http:\/\/\S+)/.exec(p.output())![1]
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' })
    } finally {
      await p.stop()
    }
    expect(p.proc.exitCode).toBe(0)
  })
})
