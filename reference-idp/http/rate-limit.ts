/**
 * Per-key request limits (per client address here): a sliding window approximated by two
 * fixed windows, the way most edge limiters do it, in bounded memory. Pure apart from `now`.
 */
/** So many per minute, or so many per window of `windowSeconds` (sign-ups: a few per 10 minutes). */
export type Limit = { perMinute: number } | { perWindow: number; windowSeconds: number }

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number }

export function createRateLimiter(limit: Limit, now: () => number, maxKeys = 100_000) {
  const windowMs = 'perMinute' in limit ? 60_000 : limit.windowSeconds * 1000
  const max = 'perMinute' in limit ? limit.perMinute : limit.perWindow
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
  /**
   * Windows from now (at `elapsed` into this one) until the count falls below the limit: this
   * window's own count holds until it becomes the previous one, which then fades linearly.
   */
  const untilBelow = (prev: number, cur: number, elapsed: number): number => {
    if (cur < max) return Math.max(0, 1 - (max - cur) / prev - elapsed)
    return 1 - elapsed + (1 - max / cur)
  }
  return {
    take(key: string): Take {
      const t = now()
      roll(t)
      const elapsed = (t - windowStart) / windowMs
      const used = (previous.get(key) ?? 0) * (1 - elapsed) + (current.get(key) ?? 0)
      if (used >= max) return { ok: false, retryAfterSeconds: Math.floor((untilBelow(previous.get(key) ?? 0, current.get(key) ?? 0, elapsed) * windowMs) / 1000) + 1 }
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
