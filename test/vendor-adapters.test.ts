import { X509Certificate, generateKeyPairSync } from 'node:crypto'
import { type IncomingHttpHeaders, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../reference-idp/simulator/index'
import { createSnsSigningIdentity } from '../reference-idp/simulator/vendors/sns-cert'
import { ReceiptError, createAdapters, createTwilioSms, parseReceipt, receiptCredentials } from '../reference-idp/subprocessors/adapters/index'
import { simulatorReceiptSecrets, simulatorSendCredentials } from '../reference-idp/simulator/idp-settings'
import type { DeliveryReceipt, ReceiptCredentials } from '../reference-idp/subprocessors/adapters/index'
import { type Registry, loadRegistry } from '../dashboards/schema/registry'
import type { OobChannel, Subprocessor } from '../reference-idp/subprocessors/types'
import { freePort, until } from './support/processes'

/**
 * The vendor adapters against the real provider simulator over HTTP: vendor-shaped sends, the
 * simulated devices, injected faults, and receipts posted back to a local webhook.
 */

interface Hit {
  url: string
  headers: IncomingHttpHeaders
  body: string
}

async function webhookReceiver() {
  const hits: Hit[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      hits.push({ url: `${url}${req.url ?? ''}`, headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) }
}

/** Short adapter timeouts keep the timeout cases quick; everything else comes from the registry. */
const TIMEOUT_MS = 400
const fast = { medianMs: 15, sigma: 0.01, tailProb: 0, tailMultiplier: 1 }
const quick = { api: fast, delivery: { ...fast, medianMs: 150 }, receiptLagMs: 20 }
const creds = simulatorSendCredentials()
// Every vendor's receipts are signed and verified: the simulator's secrets, keys and SNS certificate.
let receiptCreds: ReceiptCredentials

let sim: Simulator
let hook: Awaited<ReturnType<typeof webhookReceiver>>
let registry: Registry
let adapters: Map<string, Subprocessor>

beforeAll(async () => {
  hook = await webhookReceiver()
  sim = await startSimulator({
    port: 0,
    seed: 42,
    baseline: 'clean',
    receiptBatchWindowMs: 30,
    receiptRetryDelaysMs: [100],
    profiles: { twilio: quick, 'twilio-voice': quick, vonage: quick, 'vonage-voice': quick, ses: quick, sendgrid: quick },
  })
  // SES and SendGrid take no per-message callback: their event destinations are per account.
  for (const vendor of ['ses', 'sendgrid'])
    await fetch(`${sim.url}/webhooks/${vendor}`, { method: 'PUT', body: JSON.stringify({ url: `${hook.url}/webhooks/${vendor}` }) })
  const loaded = loadRegistry()
  registry = { ...loaded, vendors: loaded.vendors.map((v) => ({ ...v, timeoutMs: TIMEOUT_MS })) }
  adapters = createAdapters({ providerUrl: sim.url, registry, webhookBaseUrl: hook.url, credentials: creds })
  receiptCreds = receiptCredentials(simulatorReceiptSecrets(sim.url))
  // SES receipts name the simulator's certificate: fetch it once, so the sync parser can verify them.
  await receiptCreds.ses!.certificates!.prepare!(JSON.stringify({ SigningCertURL: sim.webhookKeys.snsSigningCertUrl }))
})

afterAll(async () => {
  await sim?.close()
  await hook?.close()
})

interface Case {
  id: string
  channel: OobChannel
  to: string
  device: 'phone' | 'mailbox'
  idPattern: RegExp
  /** HTTP class of a throttled answer (Vonage SMS says "throttled" inside a 200). */
  throttledClass: '2xx' | '4xx'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const CASES: Case[] = [
  { id: 'twilio', channel: 'sms', to: '+4915120000001', device: 'phone', idPattern: /^SM[0-9a-f]{32}$/, throttledClass: '4xx' },
  { id: 'twilio-voice', channel: 'voice', to: '+4915120000002', device: 'phone', idPattern: /^CA[0-9a-f]{32}$/, throttledClass: '4xx' },
  { id: 'vonage', channel: 'sms', to: '+4915120000003', device: 'phone', idPattern: /^[0-9A-F]{16}$/, throttledClass: '2xx' },
  { id: 'vonage-voice', channel: 'voice', to: '+4915120000004', device: 'phone', idPattern: UUID, throttledClass: '4xx' },
  { id: 'ses', channel: 'email', to: 'ses-user@example.test', device: 'mailbox', idPattern: /^0102[0-9a-f]{12}-[0-9a-f-]{36}-000000$/, throttledClass: '4xx' },
  { id: 'sendgrid', channel: 'email', to: 'sendgrid-user@example.test', device: 'mailbox', idPattern: /^[A-Za-z0-9_-]{22}$/, throttledClass: '4xx' },
]

let seq = 0
const message = (c: Case, code: string) => ({ channel: c.channel, to: c.to, text: `Your FactorWatch code is ${code}`, idempotencyKey: `flow-${++seq}`, region: 'eu-west' })

async function deviceMessages(c: Case): Promise<{ id: string; text: string; code: string | null }[]> {
  const res = await fetch(`${sim.url}/devices/${c.device}/${encodeURIComponent(c.to)}/messages`)
  return ((await res.json()) as { messages: { id: string; text: string; code: string | null }[] }).messages
}

const receiptsAt = async (vendor: string): Promise<DeliveryReceipt[]> =>
  (await Promise.all(hook.hits
    .filter((h) => new URL(h.url).pathname === `/webhooks/${vendor}`)
    .map((h) => parseReceipt(vendor, { url: h.url, headers: h.headers as Record<string, string>, body: h.body }, receiptCreds)))).flat()

async function withFault<T>(fault: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  const res = await fetch(`${sim.url}/faults`, { method: 'POST', body: JSON.stringify({ durationSeconds: 30, ...fault }) })
  expect(res.status).toBe(201)
  const { id } = (await res.json()) as { id: string }
  try {
    return await run()
  } finally {
    await fetch(`${sim.url}/faults/${id}`, { method: 'DELETE' })
  }
}

it('createAdapters builds one adapter per sms/voice/email vendor of the registry, none for push', async () => {
  expect([...adapters.keys()].sort()).toEqual(CASES.map((c) => c.id).sort())
  for (const c of CASES) expect(adapters.get(c.id)!.channels).toEqual([c.channel])
})

describe.each(CASES)('$id', (c) => {
  const adapter = () => adapters.get(c.id)!
  const cost = () => registry.vendors.find((v) => v.id === c.id)!.costMicrosPerMessage

  it('sends: vendor message id, the text on the device, a delivered receipt naming the message', async () => {
    const code = String(314150 + CASES.indexOf(c))
    const r = await adapter().send(message(c, code))
    expect(r).toMatchObject({ ok: true, provider: c.id, reason: 'ok', httpStatusClass: '2xx', costMicros: cost() })
    expect(r.providerMessageId).toMatch(c.idPattern)
    expect(r.latencyMs).toBeGreaterThanOrEqual(0)

    const received = await until(`${c.id} message on the ${c.device}`, async () => (await deviceMessages(c)).find((m) => m.id === r.providerMessageId))
    expect(received.code).toBe(code)
    expect(received.text).toContain(`code is ${code}`)

    const delivered = await until(`${c.id} delivered receipt`, async () => (await receiptsAt(c.id)).find((x) => x.providerMessageId === r.providerMessageId && x.status === 'delivered'))
    expect(delivered.provider).toBe(c.id)
    // Intermediate statuses (sent, processed, Send, ringing…) never come out as receipts.
    expect((await receiptsAt(c.id)).filter((x) => x.providerMessageId === r.providerMessageId)).toEqual([delivered])
  })

  it('outage → http_5xx, nothing charged', async () => {
    const r = await withFault({ vendor: c.id, kind: 'outage' }, () => adapter().send(message(c, '111111')))
    expect(r).toMatchObject({ ok: false, reason: 'http_5xx', httpStatusClass: '5xx', costMicros: 0 })
    expect(r.providerMessageId).toBeUndefined()
  })

  it('rate limiting → rate_limited with retryAfterSeconds', async () => {
    const r = await withFault({ vendor: c.id, kind: 'rate_limit', value: 0 }, () => adapter().send(message(c, '222222')))
    expect(r).toMatchObject({ ok: false, reason: 'rate_limited', httpStatusClass: c.throttledClass, costMicros: 0, retryAfterSeconds: 1 })
  })

  it.each([
    ['latency beyond the timeout', { kind: 'latency', value: 1_500 }],
    ['blackhole', { kind: 'blackhole' }],
  ])('%s → timeout after the registry timeout', async (_name, fault) => {
    const r = await withFault({ vendor: c.id, ...fault }, () => adapter().send(message(c, '333333')))
    expect(r).toMatchObject({ ok: false, reason: 'timeout', httpStatusClass: 'none', costMicros: 0 })
    expect(r.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
    expect(r.latencyMs).toBeLessThan(TIMEOUT_MS + 400)
  })
})

it('a refused connection → network_error with class none', async () => {
  const port = await freePort()
  const dead = createTwilioSms({ baseUrl: `http://127.0.0.1:${port}/twilio`, credentials: creds.twilio!, timeoutMs: 1_000, costMicros: 1, from: '+15005550006' })
  const r = await dead.send(message(CASES[0], '444444'))
  expect(r).toMatchObject({ ok: false, reason: 'network_error', httpStatusClass: 'none', costMicros: 0 })
})

describe('twilio signature', () => {
  const signedHit = () => until('a signed twilio callback', () => hook.hits.find((h) => h.url.endsWith('/webhooks/twilio') && h.headers['x-twilio-signature']))
  const refusal = async (h: Hit) => {
    try {
      await parseReceipt('twilio', { url: h.url, headers: h.headers as Record<string, string>, body: h.body }, receiptCreds)
    } catch (e) {
      return e
    }
    throw new Error('receipt was accepted')
  }

  it('a genuine callback from the simulator verifies', async () => {
    const h = await signedHit()
    await expect(parseReceipt('twilio', { url: h.url, headers: h.headers as Record<string, string>, body: h.body }, receiptCreds)).resolves.toBeDefined()
  })

  it('a tampered signature, status or URL is refused, naming the vendor and why', async () => {
    const h = await signedHit()
    const sig = h.headers['x-twilio-signature'] as string
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)
    const tampered: Hit[] = [
      { ...h, headers: { ...h.headers, 'x-twilio-signature': flipped } },
      { ...h, body: h.body.replace(/MessageStatus=(\w+)/, (_m, s: string) => `MessageStatus=${s === 'delivered' ? 'failed' : 'delivered'}`) },
      { ...h, url: h.url.replace('/webhooks/twilio', '/webhooks/other') },
    ]
    expect(tampered[1].body).not.toBe(h.body)
    for (const t of tampered) {
      const err = await refusal(t)
      expect(err).toBeInstanceOf(ReceiptError)
      expect(err).toMatchObject({ vendor: 'twilio', code: 'bad_signature' })
      expect((err as Error).message).toMatch(/^twilio receipt refused: X-Twilio-Signature does not match/)
      expect((err as Error).message).not.toMatch(/\+49151/)
    }
    await expect(parseReceipt('twilio', { url: h.url, headers: h.headers as Record<string, string>, body: h.body }, { twilio: { authToken: 'wrong' } })).rejects.toThrow(ReceiptError)
  })
})

describe('vonage, sendgrid and ses signatures (timestamped: replays are refused too)', () => {
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  const otherCert = createSnsSigningIdentity(Date.now()).certificatePem
  const withoutHeader = (h: Hit, name: string): Hit => ({ ...h, headers: Object.fromEntries(Object.entries(h.headers).filter(([k]) => k !== name)) })
  const cases: {
    vendor: string
    signed: (h: Hit) => boolean
    altered: (h: Hit) => Hit
    unsigned: (h: Hit) => Hit
    wrongKey: () => ReceiptCredentials
  }[] = [
    {
      vendor: 'vonage',
      signed: (h) => h.body.includes('sig='),
      altered: (h) => ({ ...h, body: h.body.replace(/(^|&)status=\w+/, '$1status=expired') }),
      unsigned: (h) => ({ ...h, body: h.body.replace(/&sig=\w+/, '') }),
      wrongKey: () => ({ vonage: { signatureSecret: 'not-the-signature-secret' } }),
    },
    {
      vendor: 'vonage-voice',
      signed: (h) => Boolean(h.headers.authorization),
      altered: (h) => ({ ...h, body: h.body.replace(/"status":"\w+"/, '"status":"failed"') }),
      unsigned: (h) => withoutHeader(h, 'authorization'),
      wrongKey: () => ({ vonage: { signatureSecret: 'not-the-signature-secret' } }),
    },
    {
      vendor: 'sendgrid',
      signed: (h) => Boolean(h.headers['x-twilio-email-event-webhook-signature']),
      altered: (h) => ({ ...h, body: h.body.replace(/"event":"\w+"/, '"event":"dropped"') }),
      unsigned: (h) => withoutHeader(h, 'x-twilio-email-event-webhook-signature'),
      wrongKey: () => ({ sendgrid: { publicKey: otherKey } }),
    },
    {
      vendor: 'ses',
      signed: (h) => h.body.includes('"SigningCertURL"'),
      altered: (h) => ({ ...h, body: h.body.replace(/\\"eventType\\":\\"\w+/, '\\"eventType\\":\\"Bounce') }),
      unsigned: (h) => ({ ...h, body: h.body.replace(/"Signature":"[^"]+",/, '') }),
      wrongKey: () => ({ ses: { certificates: new Map([[sim.webhookKeys.snsSigningCertUrl, otherCert]]) } }),
    },
  ]
  const asReq = (h: Hit) => ({ url: h.url, headers: h.headers as Record<string, string>, body: h.body })
  const refusal = async (vendor: string, h: Hit, c: ReceiptCredentials, now = Date.now()) => {
    try {
      await parseReceipt(vendor, asReq(h), c, now)
    } catch (e) {
      return e
    }
    throw new Error(`${vendor} receipt was accepted`)
  }

  it.each(cases)('$vendor: the simulator signs every receipt and they verify; forgeries are refused with their reason', async (c) => {
    const h = await until(`a signed ${c.vendor} receipt`, () => hook.hits.find((x) => new URL(x.url).pathname === `/webhooks/${c.vendor}` && c.signed(x)))
    await expect(parseReceipt(c.vendor, asReq(h), receiptCreds)).resolves.toBeDefined()
    expect(c.altered(h).body).not.toBe(h.body)
    expect(await refusal(c.vendor, c.altered(h), receiptCreds)).toMatchObject({ vendor: c.vendor, code: 'bad_signature' })
    expect(await refusal(c.vendor, h, c.wrongKey())).toMatchObject({ vendor: c.vendor, code: 'bad_signature' })
    expect(await refusal(c.vendor, c.unsigned(h), receiptCreds)).toMatchObject({ vendor: c.vendor, code: 'missing_signature' })
    // The same genuine request replayed ten minutes later.
    expect(await refusal(c.vendor, h, receiptCreds, Date.now() + 10 * 60_000)).toMatchObject({ vendor: c.vendor, code: 'stale_timestamp' })
    expect(await refusal(c.vendor, h, {})).toMatchObject({ vendor: c.vendor, code: 'no_credentials' })
    expect((await refusal(c.vendor, c.altered(h), receiptCreds) as Error).message).not.toMatch(/\+49151|example\.test/)
  })

  it('ses: a SigningCertURL off the allow list is refused even when its certificate signed the message', async () => {
    const h = hook.hits.find((x) => new URL(x.url).pathname === '/webhooks/ses' && x.body.includes('"SigningCertURL"'))!
    const moved = { ...h, body: h.body.replace(/"SigningCertURL":"[^"]+"/, '"SigningCertURL":"https://evil.test/SimpleNotificationService-x.pem"') }
    expect(await refusal('ses', moved, receiptCreds)).toMatchObject({ code: 'untrusted_certificate' })
  })

  it('the simulator serves its SNS certificate and SendGrid public key (as SendGrid’s API does)', async () => {
    const cert = await fetch(sim.webhookKeys.snsSigningCertUrl)
    expect(cert.status).toBe(200)
    expect(new X509Certificate(await cert.text()).subject).toBe('CN=sns.amazonaws.com')
    const key = await fetch(`${sim.url}/sendgrid/v3/user/webhooks/event/settings/signed/sim-event-webhook`, { headers: { authorization: `Bearer ${creds.sendgrid!.apiKey}` } })
    expect(await key.json()).toMatchObject({ public_key: sim.webhookKeys.sendgridPublicKey })
    expect(sim.webhookKeys.sendgridPublicKey).toBe(receiptCreds.sendgrid!.publicKey)
    expect((await fetch(`${sim.url}/sendgrid/v3/user/webhooks/event/settings/signed`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401)
  })
})
