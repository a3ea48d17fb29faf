/**
 * Per-key request limits (per client address here): a sliding window approximated by two
 * fixed windows, the way most edge limiters do it, in bounded memory. Pure apart from `now`.
 */
export interface Limit { perMinute: number }

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number }

export function createRateLimiter(limit: Limit, now: () => number, maxKeys = 100_000) {
  const windowMs = 60_000
  let current = new Map<string, number>()
  let previous = new Map<string, number>()
  let windowStart = Math.floor(now() / windowMs) * windowMs
  const roll = (t: number) => {
    const start = Math.floor(t / windowMs) * windowMs
    if (start === windowStart) return
    previous = start - windowStart === windowMs ? current : new Map()
    current = new Map()
    windowStart = start
  }
  return {
    take(key: string): Take {
      const t = now()
      roll(t)
      const elapsed = (t - windowStart) / windowMs
      const used = (previous.get(key) ?? 0) * (1 - elapsed) + (current.get(key) ?? 0)
      if (used >= limit.perMinute) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - elapsed) * 60)) }
      if (current.size >= maxKeys && !current.has(key)) return { ok: false, retryAfterSeconds: 1 } // memory guard under a flood of addresses
      current.set(key, (current.get(key) ?? 0) + 1)
      return { ok: true }
    },
  }
}

/** Progressive delay after wrong second-factor codes: 0, 250 ms, 500 ms, 1 s, 2 s … capped. */
export function progressiveDelayMs(failuresSoFar: number, baseMs: number, capMs = 4_000): number {
  if (failuresSoFar <= 0 || baseMs <= 0) return 0
  return Math.min(capMs, baseMs * 2 ** (failuresSoFar - 1))
}
