import { describe, expect, it } from 'vitest'
import { decide } from './decide'
import { type Fault, type FaultKind } from './faults'
import { DEFAULT_PROFILES, cleanProfile } from './profiles'
import { seededRand } from './random'

const NOW = Date.parse('2026-11-23T10:00:00Z')
const twilio = DEFAULT_PROFILES.twilio
const clean = cleanProfile(twilio)

let n = 0
function fault(kind: FaultKind, value = kind === 'delivery_loss' ? 1 : 0): Fault {
  return { id: `f${n++}`, vendor: 'twilio', region: '*', kind, value, durationSeconds: 60, createdAt: NOW - 1000, expiresAt: NOW + 59_000 }
}

describe('decide', () => {
  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const r = seededRand(seed)
      return Array.from({ length: 200 }, () => decide(twilio, [], r, NOW))
    }
    expect(run(11)).toEqual(run(11))
    expect(run(11)).not.toEqual(run(12))
  })

  it.each([
    { faults: [], expect: 'accepted' },
    { faults: [fault('blackhole'), fault('outage'), fault('error_rate', 1)], expect: 'blackhole' },
    { faults: [fault('outage'), fault('rate_limit', 0), fault('error_rate', 1)], expect: 'server_error:outage' },
    { faults: [fault('rate_limit', 0), fault('error_rate', 1)], expect: 'throttled' },
    { faults: [fault('rate_limit', 5)], load: 4, expect: 'accepted' },
    { faults: [fault('rate_limit', 5)], load: 5, expect: 'throttled' },
    { faults: [fault('rate_limit', 50), fault('rate_limit', 5)], load: 10, expect: 'throttled' },
    { faults: [fault('error_rate', 1)], expect: 'server_error:error_rate' },
    { faults: [fault('error_rate', 0)], expect: 'accepted' },
    { faults: [fault('latency', 2_000)], expect: 'accepted' },
    { faults: [fault('delivery_loss', 1)], expect: 'accepted' },
  ])('precedence: $expect', ({ faults, load, expect: want }) => {
    const d = decide(clean, faults, seededRand(1), NOW, { requestsLastSecond: load ?? 0 })
    const o = d.httpOutcome
    expect(o.kind === 'server_error' ? `${o.kind}:${o.cause}` : o.kind).toBe(want)
    if (o.kind !== 'accepted') expect(d.delivery).toBe('never')
  })

  it('adds latency faults to the drawn API latency (summed)', () => {
    const base = decide(clean, [], seededRand(5), NOW).apiLatencyMs
    const slowed = decide(clean, [fault('latency', 1_500), fault('latency', 500)], seededRand(5), NOW).apiLatencyMs
    expect(slowed - base).toBe(2_000)
  })

  it('throttling says when to retry and at what limit', () => {
    const d = decide(clean, [fault('rate_limit', 3)], seededRand(1), NOW, { requestsLastSecond: 3 })
    expect(d.httpOutcome).toEqual({ kind: 'throttled', retryAfterSeconds: 1, limitRps: 3 })
  })

  it('delivery_loss accepts but never delivers or receipts', () => {
    const r = seededRand(2)
    const ds = Array.from({ length: 1_000 }, () => decide(clean, [fault('delivery_loss', 1)], r, NOW))
    expect(ds.every((d) => d.httpOutcome.kind === 'accepted' && d.delivery === 'never' && d.reason === 'delivery_loss')).toBe(true)
  })

  it('partial delivery_loss drops about that share', () => {
    const r = seededRand(4)
    const ds = Array.from({ length: 5_000 }, () => decide(clean, [fault('delivery_loss', 0.25)], r, NOW))
    const lost = ds.filter((d) => d.delivery === 'never').length / ds.length
    expect(lost).toBeGreaterThan(0.22)
    expect(lost).toBeLessThan(0.28)
  })

  it('honours an error_rate fault roughly over many draws', () => {
    const r = seededRand(8)
    const ds = Array.from({ length: 5_000 }, () => decide(clean, [fault('error_rate', 0.3)], r, NOW))
    const errors = ds.filter((d) => d.httpOutcome.kind === 'server_error').length / ds.length
    expect(errors).toBeGreaterThan(0.27)
    expect(errors).toBeLessThan(0.33)
  })

  it('realistic SMS baseline: a few percent lost, failed or unreceipted, the rest delivered with receipts', () => {
    const r = seededRand(21)
    const ds = Array.from({ length: 20_000 }, () => decide(twilio, [], r, NOW))
    const share = (pred: (d: (typeof ds)[number]) => boolean) => ds.filter(pred).length / ds.length
    expect(share((d) => d.httpOutcome.kind === 'server_error')).toBeLessThan(0.01)
    const never = share((d) => d.httpOutcome.kind === 'accepted' && d.delivery === 'never')
    expect(never).toBeGreaterThan(0.005)
    expect(never).toBeLessThan(0.02)
    const unreceipted = share((d) => d.delivery !== 'never' && !d.delivery.receipted)
    expect(unreceipted).toBeGreaterThan(0.005)
    expect(unreceipted).toBeLessThan(0.02)
    const delivered = share((d) => d.delivery !== 'never' && d.delivery.status === 'delivered')
    expect(delivered).toBeGreaterThan(0.94)
    expect(delivered).toBeLessThan(0.98)
    const delays = ds.flatMap((d) => (d.delivery !== 'never' ? [d.delivery.delayMs] : [])).sort((a, b) => a - b)
    const median = delays[Math.floor(delays.length / 2)]
    expect(median).toBeGreaterThan(3_500)
    expect(median).toBeLessThan(4_600)
  })

  it.each(['fcm', 'apns'] as const)('%s never sends receipts but still delivers', (vendor) => {
    const r = seededRand(6)
    const ds = Array.from({ length: 500 }, () => decide(cleanProfile(DEFAULT_PROFILES[vendor]), [], r, NOW))
    expect(ds.every((d) => d.delivery !== 'never' && d.delivery.status === 'delivered' && !d.delivery.receipted)).toBe(true)
  })

  it('clean baseline delivers and receipts everything', () => {
    const r = seededRand(10)
    const ds = Array.from({ length: 2_000 }, () => decide(clean, [], r, NOW))
    expect(ds.every((d) => d.httpOutcome.kind === 'accepted' && d.delivery !== 'never' && d.delivery.status === 'delivered' && d.delivery.receipted)).toBe(true)
  })
})
