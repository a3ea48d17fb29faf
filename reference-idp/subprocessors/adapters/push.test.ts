import { describe, expect, it } from 'vitest'
import type { PushMessage } from '../push-types'
import { loadRegistry } from '../../../dashboards/schema/registry'
import { createApns } from './apns'
import { createFcm } from './fcm'
import { createPushAdapters, createPushChain } from './push-create'
import { simulatorPushCredentials } from '../../simulator/idp-settings'

type Call = { url: string; headers: Record<string, string>; body: string }

const creds = simulatorPushCredentials('https://sim.test')
const TOKEN_URI = creds.fcm.serviceAccount.tokenUri

/** A fetch that records the request and answers as told; the service account's token endpoint hands out `tok`. */
function stub(status: number, body = '', headers: Record<string, string> = {}) {
  const calls: Call[] = []
  const f = (async (url: string, init: RequestInit) => {
    if (url === TOKEN_URI) return Response.json({ access_token: 'tok', expires_in: 3599, token_type: 'Bearer' })
    calls.push({ url, headers: init.headers as Record<string, string>, body: String(init.body) })
    return new Response(status === 200 && !body ? null : body, { status, headers })
  }) as unknown as typeof fetch
  return { f, calls }
}

const msg = (platform: 'ios' | 'android'): PushMessage => ({
  platform, token: platform === 'ios' ? 'ab'.repeat(32) : 'fcm-token-0123456789abcdef', title: 'Sign-in request', body: 'Enter the number',
  data: { challenge_id: '6f1c2a8e-4d1b-4a43-9a55-6c1f3b0f9e21', kind: 'login' }, idempotencyKey: '6f1c2a8e-4d1b-4a43-9a55-6c1f3b0f9e21', region: 'eu-west', ttlSeconds: 60,
})
const base = { timeoutMs: 1000, costMicros: 0, now: () => 0 }

describe('FCM HTTP v1 adapter', () => {
  const fcm = (f: typeof fetch) => createFcm({ ...base, baseUrl: 'https://fcm.test', credentials: creds.fcm, fetch: f })
  it('sends token, notification and string data with the service account’s access token', async () => {
    const s = stub(200, JSON.stringify({ name: 'projects/factorwatch-sim/messages/0:123%abc' }))
    expect(await fcm(s.f).send(msg('android'))).toMatchObject({ ok: true, provider: 'fcm', reason: 'ok', providerMessageId: '0:123%abc' })
    expect(s.calls[0].url).toBe('https://fcm.test/v1/projects/factorwatch-sim/messages:send')
    expect(s.calls[0].headers.authorization).toBe('Bearer tok')
    expect(JSON.parse(s.calls[0].body).message).toMatchObject({ token: 'fcm-token-0123456789abcdef', data: { kind: 'login' }, android: { priority: 'high', ttl: '60s' } })
  })
  it.each([
    [429, { 'retry-after': '7' }, { reason: 'rate_limited', retryAfterSeconds: 7 }],
    [404, {}, { reason: 'http_4xx', httpStatusClass: '4xx' }], // UNREGISTERED: the device is gone, not the vendor
    [503, {}, { reason: 'http_5xx', httpStatusClass: '5xx' }],
  ])('HTTP %i', async (status, headers, expected) => expect(await fcm(stub(status, '{}', headers).f).send(msg('android'))).toMatchObject({ ok: false, ...expected }))
  it('refuses an iOS message', async () => expect(fcm(stub(200).f).send(msg('ios'))).rejects.toThrow('fcm: cannot send to platform ios'))
})

describe('APNs adapter', () => {
  const apns = (f: typeof fetch) => createApns({ ...base, baseUrl: 'https://apns.test', credentials: creds.apns, fetch: f })
  it('posts the alert with apns headers and reads apns-id', async () => {
    const s = stub(200, '', { 'apns-id': '6F1C2A8E-4D1B-4A43-9A55-6C1F3B0F9E21' })
    expect(await apns(s.f).send(msg('ios'))).toMatchObject({ ok: true, provider: 'apns', providerMessageId: '6F1C2A8E-4D1B-4A43-9A55-6C1F3B0F9E21' })
    expect(s.calls[0].url).toBe(`https://apns.test/3/device/${'ab'.repeat(32)}`)
    expect(s.calls[0].headers.authorization).toMatch(/^bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(s.calls[0].headers).toMatchObject({ 'apns-topic': 'test.factorwatch.authenticator', 'apns-push-type': 'alert', 'apns-id': msg('ios').idempotencyKey })
    expect(JSON.parse(s.calls[0].body)).toMatchObject({ aps: { alert: { title: 'Sign-in request' } }, challenge_id: msg('ios').data.challenge_id })
  })
  it('410 Unregistered is the message’s fault (no fallback)', async () => expect(await apns(stub(410, '{"reason":"Unregistered"}').f).send(msg('ios'))).toMatchObject({ ok: false, reason: 'http_4xx' }))
})

describe('push chain', () => {
  const registry = loadRegistry()
  for (const v of registry.vendors) if (v.id === 'fcm') v.breaker = { failureRatio: 0.5, minimumRequests: 2, openSeconds: 30, halfOpenProbes: 1 }
  it('routes by platform and opens the breaker of a failing vendor', async () => {
    const s = stub(503, '{}')
    const transitions: string[] = []
    let t = 0
    const chain = createPushChain({ registry, adapters: createPushAdapters('https://sim.test', registry, { fetch: s.f, credentials: creds }), now: () => t, onTransition: (id, x) => transitions.push(`${id}:${x.from}→${x.to}`) })
    await chain.send(msg('android'))
    const second = await chain.send(msg('android'))
    expect(second).toMatchObject({ ok: false, reason: 'http_5xx', thenFactors: ['totp', 'sms'] })
    expect(transitions).toEqual(['fcm:closed→open'])
    t = 1000
    expect((await chain.send(msg('android'))).attempts).toMatchObject([{ provider: 'fcm', reason: 'circuit_open' }])
    expect(s.calls).toHaveLength(2) // the open breaker kept the third call off the wire
    expect(s.calls.every((c) => c.url.startsWith('https://sim.test/fcm/'))).toBe(true)
    expect(chain.circuit('apns')).toBe('closed')
  })
})
