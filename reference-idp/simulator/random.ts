/**
 * Seeded randomness for the provider simulator. Everything that decides what happens to a
 * message draws from a `Rand` passed in, so a seed replays the same run.
 */

/** A source of uniform numbers in [0, 1). */
export type Rand = () => number

/** mulberry32: tiny, fast, good enough for simulation (not for secrets). */
export function seededRand(seed: number): Rand {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal draw (Box-Muller; u1 kept away from 0 so the log is finite). */
export function normal(rand: Rand): number {
  const u1 = 1 - rand()
  const u2 = rand()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/**
 * Latency model: log-normal around `medianMs` (sigma is the log-space spread), and with
 * probability `tailProb` the draw is multiplied by `tailMultiplier` — the slow tail real
 * vendors show (carrier queues, retries) that a plain log-normal underestimates.
 */
export interface LatencyModel {
  medianMs: number
  sigma: number
  tailProb: number
  tailMultiplier: number
  maxMs: number
}

export function drawLatency(model: LatencyModel, rand: Rand): number {
  const base = model.medianMs * Math.exp(model.sigma * normal(rand))
  const tail = rand() < model.tailProb ? model.tailMultiplier : 1
  return Math.min(model.maxMs, Math.max(0, Math.round(base * tail)))
}

/** Hex id of `length` characters from the given source (ids are not secrets here). */
export function randomHex(rand: Rand, length: number): string {
  let out = ''
  while (out.length < length) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0')
  return out.slice(0, length)
}

/** RFC 4122-shaped id (version 4 bits set) from the given source. */
export function randomUuid(rand: Rand): string {
  const h = randomHex(rand, 32).split('')
  h[12] = '4'
  h[16] = '89ab'[parseInt(h[16], 16) & 3]
  const s = h.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}
