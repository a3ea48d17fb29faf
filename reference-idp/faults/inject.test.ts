import { describe, expect, it } from 'vitest'
import { IdpFaultRequest } from '../../contract'
import { createFallbackChain } from '../subprocessors/failover'
import type { OutboundMessage, SendResult, Subprocessor } from '../subprocessors/types'
import { faultySubprocessor, type InjectDeps } from './inject'
import { createFaultRegistry } from './registry'

const T0 = new Date('2026-12-06T10:00:00Z')
const msg: OutboundMessage = { channel: 'sms', to: '+15550000001', text: 'code', idempotencyKey: 'k', region: 'eu-west' }

/** A vendor that always works, counting its calls. */
function vendor(id: string): Subprocessor & { calls: number } {
  const v = {
    id, channels: ['sms'] as const, calls: 0,
    async send(): Promise<SendResult> {
      v.calls++
      return { ok: true, provider: id, reason: 'ok', httpStatusClass: '2xx', latencyMs: 20, costMicros: 7900, providerMessageId: `${id}-m` }
    },
  }
  return v
}

function deps(over: Partial<InjectDeps> = {}) {
  let now = T0
  const slept: number[] = []
  const registry = createFaultRegistry({ now: () => now })
  const touched: string[] = []
  const d: InjectDeps = {
    faults: registry.rawFaults, now: () => now, rand: () => 0, sleep: async (ms) => void slept.push(ms),
    subject: async () => ({ userGroup: 'customer', synthetic: false }), touched: (f) => void touched.push(f.id), ...over,
  }
  return { d, registry, slept, touched, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) }
}
const add = (r: ReturnType<typeof createFaultRegistry>, body: object) => r.addFault(IdpFaultRequest.parse({ vendor: 'twilio', channel: 'sms', duration_seconds: 60, ...body }))

describe('faultySubprocessor: a fault looks to the chain exactly like the vendor failing', () => {
  it.each([
    ['error', {}, { ok: false, reason: 'http_5xx', httpStatusClass: '5xx', costMicros: 0 }, []],
    ['rate_limit', {}, { ok: false, reason: 'rate_limited', httpStatusClass: '4xx', retryAfterSeconds: 1 }, []],
    ['timeout', {}, { ok: false, reason: 'timeout', httpStatusClass: 'none', latencyMs: 3000 }, [3000]],
    ['latency', { latency_ms: 800 }, { ok: true, reason: 'ok', latencyMs: 820 }, [800]],
    ['latency', { latency_ms: 5000 }, { ok: false, reason: 'timeout', latencyMs: 3000 }, [3000]],
  ])('%s %o', async (kind, extra, result, slept) => {
    const t = deps()
    const real = vendor('twilio')
    add(t.registry, { kind, ...extra })
    const r = await faultySubprocessor(real, 'twilio', 3000, t.d).send(msg)
    expect(r).toMatchObject({ provider: 'twilio', ...result })
    expect(t.slept).toEqual(slept)
    expect(real.calls).toBe(kind === 'latency' && (extra as { latency_ms: number }).latency_ms < 3000 ? 1 : 0)
    expect(t.touched).toHaveLength(1)
  })

  it('no fault, another vendor, an out-of-scope user or an expired fault: the real call, untouched', async () => {
    const t = deps({ subject: async () => ({ userGroup: 'admin', synthetic: false }) })
    const real = vendor('twilio')
    const s = faultySubprocessor(real, 'twilio', 3000, t.d)
    expect((await s.send(msg)).ok).toBe(true)
    add(t.registry, { kind: 'error', vendor: 'vonage' })
    add(t.registry, { kind: 'error', scope: { user_group: 'customer' } })
    expect((await s.send(msg)).ok).toBe(true)
    add(t.registry, { kind: 'error' })
    expect((await s.send(msg)).ok).toBe(false)
    t.advance(60)
    expect((await s.send(msg)).ok).toBe(true)
    expect(real.calls).toBe(3)
    expect(t.touched).toHaveLength(1)
  })

  it('inside a fallback chain: the breaker opens on injected errors and the next vendor takes the codes', async () => {
    const t = deps()
    const twilio = vendor('twilio')
    const vonage = vendor('vonage')
    const transitions: string[] = []
    const chain = createFallbackChain({
      chain: () => ({ vendors: ['twilio', 'vonage'], thenFactors: ['totp'] }),
      adapters: new Map([['twilio', faultySubprocessor(twilio, 'twilio', 3000, t.d)], ['vonage', vonage]]),
      breaker: () => ({ failureRatio: 0.5, minimumRequests: 2, openSeconds: 30, halfOpenProbes: 1 }),
      now: () => T0.getTime(),
      onTransition: (id, tr) => void transitions.push(`${id}:${tr.to}:${tr.reason}`),
    })
    add(t.registry, { kind: 'error' })
    const results = [await chain.send(msg), await chain.send(msg), await chain.send(msg)]
    expect(results.map((r) => r.provider)).toEqual(['vonage', 'vonage', 'vonage'])
    expect(results[0].fallbacks).toEqual([{ from: 'twilio', to: 'vonage', reason: 'provider_error' }])
    expect(results[2].attempts?.[0]).toMatchObject({ provider: 'twilio', reason: 'circuit_open' })
    expect(transitions).toEqual(['twilio:open:failure_threshold'])
    expect(twilio.calls).toBe(0)
  })

  it('a drain skips the vendor like an open breaker, without calling it', async () => {
    const twilio = vendor('twilio')
    const vonage = vendor('vonage')
    let drained = true
    const chain = createFallbackChain({
      chain: () => ({ vendors: ['twilio', 'vonage'], thenFactors: [] }),
      adapters: new Map([['twilio', twilio], ['vonage', vonage]]),
      breaker: () => ({ failureRatio: 0.5, minimumRequests: 2, openSeconds: 30, halfOpenProbes: 1 }),
      now: () => T0.getTime(), onTransition: () => {}, drained: (id) => drained && id === 'twilio',
    })
    expect((await chain.send(msg)).fallbacks).toEqual([{ from: 'twilio', to: 'vonage', reason: 'circuit_open' }])
    drained = false
    expect((await chain.send(msg)).provider).toBe('twilio')
    expect([twilio.calls, vonage.calls]).toEqual([1, 1])
  })
})
