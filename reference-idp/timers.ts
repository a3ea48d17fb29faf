/**
 * The IdP's background jobs on timers: the enrollment snapshot (coverage, M8) and the sweeper
 * that closes flows past their TTL (abandonment, M10), expired receipts, recovery requests,
 * MFA exemptions past their end, push challenges and sign-ups. Timers are unref'd: they never keep the process alive.
 */

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Every `everySeconds` (none when 0), and a first one 15 s after start so coverage has a denominator within a minute. */
export function scheduleSnapshots(everySeconds: number, snapshot: () => Promise<unknown>, log: (line: string) => void): () => void {
  if (everySeconds <= 0) return () => {}
  const every = setInterval(() => void snapshot().catch((e) => log(`snapshot: ${message(e)}`)), everySeconds * 1000)
  every.unref()
  const first = setTimeout(() => void snapshot().catch(() => {}), 15_000)
  first.unref()
  return () => {
    clearInterval(every)
    clearTimeout(first)
  }
}

/** Sweep every half flow TTL, at most every 30 s. */
export function scheduleSweeper(flowTtlSeconds: number, sweep: () => Promise<unknown>, log: (line: string) => void): () => void {
  const timer = setInterval(() => void sweep().catch((e) => log(`sweeper: ${message(e)}`)), Math.min(30_000, flowTtlSeconds * 500))
  timer.unref()
  return () => clearInterval(timer)
}
