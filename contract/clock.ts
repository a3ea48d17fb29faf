/**
 * Time as one injected seam per process (DESIGN.md "Directions of imports"): each composition
 * root (IdP server, collector main, provider simulator, traffic generator) makes one `Clock` and
 * hands it to everything that reads time or waits. Decisions still take `now` as an argument;
 * the clock is what the thin shell around them reads. Imports nothing.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /**
   * Resolve after `ms` of this clock's time, or as soon as `signal` aborts (never rejects:
   * a caller that cares checks `signal.aborted` afterwards). `ms <= 0` resolves at once.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The wall clock and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => {
    if (ms <= 0 || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    })
  },
}

/**
 * A clock that reads `now` from elsewhere (a test's skewed or frozen time) and sleeps for real:
 * for callers that move time by hand but still let waits pass in real time.
 */
export const clockFrom = (now: () => number): Clock => ({ now, sleep: systemClock.sleep })

/** A clock that moves only when told: tests advance it instead of sleeping. */
export interface ManualClock extends Clock {
  /**
   * Move time forward by `ms`, waking sleepers in the order they are due (ties in the order
   * they went to sleep); each sees `now()` at its own due time, and what it does when woken
   * (including a new, shorter sleep) runs before the next one wakes. Resolves once time has
   * reached the target and every woken continuation has had its turn.
   */
  advance(ms: number): Promise<void>
  /** How many sleepers are waiting (tests check that something is asleep before advancing). */
  sleepers(): number
}

interface Sleeper { due: number; seq: number; wake: () => void }

/** Let continuations of resolved promises (and the I/O callbacks they start) run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

export function manualClock(startMs = 0): ManualClock {
  let t = startMs
  let seq = 0
  const waiting: Sleeper[] = []
  const remove = (s: Sleeper) => {
    const i = waiting.indexOf(s)
    if (i >= 0) waiting.splice(i, 1)
  }
  return {
    now: () => t,
    sleepers: () => waiting.length,
    sleep(ms, signal) {
      if (ms <= 0 || signal?.aborted) return Promise.resolve()
      return new Promise((resolve) => {
        const s: Sleeper = {
          due: t + ms, seq: seq++,
          wake: () => {
            remove(s)
            signal?.removeEventListener('abort', s.wake)
            resolve()
          },
        }
        waiting.push(s)
        signal?.addEventListener('abort', s.wake, { once: true })
      })
    },
    async advance(ms) {
      if (!(ms >= 0)) throw new Error(`advance: expected a duration of 0 ms or more, got ${ms}`)
      const target = t + ms
      for (;;) {
        const next = waiting.filter((s) => s.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0]
        if (!next) break
        t = Math.max(t, next.due)
        next.wake()
        await turn()
      }
      t = target
      await turn()
    },
  }
}
