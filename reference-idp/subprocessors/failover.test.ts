import { describe, expect, it } from 'vitest'
import { createFallbackChain, fallbackReason } from './failover'
import type { SendResult, Subprocessor } from './types'

const result = (provider: string, reason: SendResult['reason']): SendResult => ({
  ok: reason === 'ok', provider, reason, httpStatusClass: reason === 'ok' ? '2xx' : reason === 'http_4xx' ? '4xx' : reason === 'http_5xx' ? '5xx' : 'none', latencyMs: 5, costMicros: reason === 'ok' ? 7900 : 0,
})

/** A vendor whose answers are scripted; counts its calls. */
function vendor(id: string, script: () => SendResult['reason']): Subprocessor & { calls: number } {
  const v = { id, channels: ['sms'] as const, calls: 0, async send() { v.calls++; return result(id, script()) } }
  return v
}

const msg = { channel: 'sms' as const, to: '+4915100000000', text: 'x', idempotencyKey: 'k', region: 'eu-west' }
const cfg = { failureRatio: 0.5, minimumRequests: 2, openSeconds: 30, halfOpenProbes: 1 }

function setup(primary: () => SendResult['reason'], secondary: () => SendResult['reason']) {
  let now = 0
  const a = vendor('twilio', primary)
  const b = vendor('vonage', secondary)
  const transitions: string[] = []
  const chain = createFallbackChain({
    chain: () => ({ vendors: ['twilio', 'vonage'], thenFactors: ['totp', 'voice'] }),
    adapters: new Map([['twilio', a], ['vonage', b]]),
    breaker: () => cfg,
    now: () => now,
    onTransition: (id, t) => transitions.push(`${id}:${t.from}→${t.to}`),
  })
  return { chain, a, b, transitions, tick: (ms: number) => (now += ms) }
}

describe('fallbackReason', () => {
  it.each([
    ['ok', undefined], ['http_4xx', undefined], ['http_5xx', 'provider_error'], ['network_error', 'provider_error'],
    ['timeout', 'provider_timeout'], ['rate_limited', 'rate_limited'], ['circuit_open', 'circuit_open'],
  ] as const)('%s → %s', (reason, expected) => expect(fallbackReason(result('v', reason))).toBe(expected))
})

describe('fallback chain', () => {
  it('the primary answers: one attempt, no fallback', async () => {
    const { chain, b } = setup(() => 'ok', () => 'ok')
    const r = await chain.send(msg)
    expect([r.ok, r.provider, r.attempts?.length, r.fallbacks, b.calls]).toEqual([true, 'twilio', 1, [], 0])
  })

  it('a primary outage moves to the secondary, then the breaker opens and skips the primary', async () => {
    const { chain, a, transitions } = setup(() => 'http_5xx', () => 'ok')
    const first = await chain.send(msg)
    expect(first.provider).toBe('vonage')
    expect(first.fallbacks).toEqual([{ from: 'twilio', to: 'vonage', reason: 'provider_error' }])
    await chain.send(msg) // second failure: ratio 1 ≥ 0.5 with 2 requests → open
    expect(transitions).toEqual(['twilio:closed→open'])
    const third = await chain.send(msg)
    expect(a.calls).toBe(2)
    expect(third.attempts?.map((x) => `${x.provider}:${x.reason}`)).toEqual(['twilio:circuit_open', 'vonage:ok'])
    expect(third.fallbacks).toEqual([{ from: 'twilio', to: 'vonage', reason: 'circuit_open' }])
  })

  it('half-open recovery after the fault reverts', async () => {
    let primary: SendResult['reason'] = 'http_5xx'
    const { chain, transitions, tick } = setup(() => primary, () => 'ok')
    await chain.send(msg)
    await chain.send(msg)
    primary = 'ok'
    tick(31_000)
    const r = await chain.send(msg)
    expect(r.provider).toBe('twilio')
    expect(transitions).toEqual(['twilio:closed→open', 'twilio:open→half_open', 'twilio:half_open→closed'])
    expect(chain.circuit('twilio')).toBe('closed')
  })

  it('a rejected number (4xx) is not the vendor failing: no fallback, breaker untouched', async () => {
    const { chain, b, transitions } = setup(() => 'http_4xx', () => 'ok')
    for (let i = 0; i < 3; i++) expect((await chain.send(msg)).reason).toBe('http_4xx')
    expect([b.calls, transitions]).toEqual([0, []])
  })

  it('every vendor down: the result says which factors to offer instead', async () => {
    const { chain } = setup(() => 'timeout', () => 'rate_limited')
    const r = await chain.send(msg)
    expect([r.ok, r.thenFactors, r.fallbacks?.length, r.attempts?.length]).toEqual([false, ['totp', 'voice'], 1, 2])
  })
})
