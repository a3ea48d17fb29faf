import { describe, expect, it } from 'vitest'
import { drawLatency, normal, randomUuid, seededRand } from './random'

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]

describe('seeded randomness', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const a = seededRand(42)
    const b = seededRand(42)
    const c = seededRand(43)
    const sa = Array.from({ length: 5 }, a)
    expect(Array.from({ length: 5 }, b)).toEqual(sa)
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa)
    for (const x of sa) {
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
    }
  })

  it('Box-Muller draws have mean ~0 and variance ~1', () => {
    const r = seededRand(7)
    const xs = Array.from({ length: 20_000 }, () => normal(r))
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(variance).toBeGreaterThan(0.95)
    expect(variance).toBeLessThan(1.05)
  })

  it.each([
    { medianMs: 250, sigma: 0.4 },
    { medianMs: 4_000, sigma: 0.8 },
  ])('log-normal latency has the configured median ($medianMs ms)', ({ medianMs, sigma }) => {
    const r = seededRand(1)
    const xs = Array.from({ length: 20_000 }, () => drawLatency({ medianMs, sigma, tailProb: 0, tailMultiplier: 1, maxMs: 1e9 }, r))
    expect(quantile(xs, 0.5) / medianMs).toBeGreaterThan(0.95)
    expect(quantile(xs, 0.5) / medianMs).toBeLessThan(1.05)
    // p84 of a log-normal is median·e^sigma
    expect(quantile(xs, 0.8413) / (medianMs * Math.exp(sigma))).toBeGreaterThan(0.93)
    expect(quantile(xs, 0.8413) / (medianMs * Math.exp(sigma))).toBeLessThan(1.07)
  })

  it('the tail multiplies the slowest share and maxMs caps it', () => {
    const r = seededRand(3)
    const model = { medianMs: 100, sigma: 0.1, tailProb: 0.05, tailMultiplier: 10, maxMs: 800 }
    const xs = Array.from({ length: 10_000 }, () => drawLatency(model, r))
    const slow = xs.filter((x) => x > 500).length / xs.length
    expect(slow).toBeGreaterThan(0.04)
    expect(slow).toBeLessThan(0.06)
    expect(Math.max(...xs)).toBe(800)
  })

  it('uuids are well-formed version 4', () => {
    const r = seededRand(9)
    for (let i = 0; i < 50; i++) expect(randomUuid(r)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
