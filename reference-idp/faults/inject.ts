import type { IdpFault } from '../../contract'
import type { PushSender } from '../subprocessors/push-types'
import type { SendResult, Subprocessor } from '../subprocessors/types'
import { matchFault, scoped, vendorFaultsFor, type FaultSubject } from './match'

export interface InjectDeps {
  faults(): readonly IdpFault[]
  now(): Date
  rand(): number
  /** Waits for timeout and latency faults (the shell's timer; abortable like the adapter's own call). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Who the current call is for; asked only when a scoped fault aims at the call. */
  subject(): Promise<FaultSubject | undefined>
  /** A fault shaped this call (tags the request's later events with its game day). */
  touched(f: IdpFault): void
}

/** Wait `ms`, or less when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/** The fault this call meets, if any: target first (cheap), then the subject only if a scope needs it. */
async function decide(d: InjectDeps, vendor: string, channel: string, region: string): Promise<IdpFault | undefined> {
  const now = d.now()
  const candidates = vendorFaultsFor(d.faults(), { vendor, channel, region }, now)
  if (candidates.length === 0) return undefined
  const subject = candidates.some((f) => scoped(f.scope)) ? await d.subject() : undefined
  return matchFault(candidates, { vendor, channel, region, subject }, now, d.rand)
}

/**
 * What the vendor "answered" under a fault, in the exact shape an adapter gives for the real
 * failure, so breakers count it, the chain falls back and `mfa.provider.request` shows it:
 * error = a 5xx, rate_limit = a 429 (Retry-After 1 s), timeout = nothing until the vendor's
 * timeout, latency = the real call answered `latency_ms` later (a timeout when that is longer
 * than the vendor's timeout).
 */
export async function faulted(f: IdpFault, vendor: string, timeoutMs: number, d: Pick<InjectDeps, 'sleep'>, real: () => Promise<SendResult>, signal?: AbortSignal): Promise<SendResult> {
  const failed = { ok: false as const, provider: vendor, costMicros: 0 }
  switch (f.kind) {
    case 'error':
      return { ...failed, reason: 'http_5xx', httpStatusClass: '5xx', latencyMs: 0 }
    case 'rate_limit':
      return { ...failed, reason: 'rate_limited', httpStatusClass: '4xx', latencyMs: 0, retryAfterSeconds: 1 }
    case 'latency': {
      const extra = f.latency_ms ?? 0
      if (extra < timeoutMs) {
        await d.sleep(extra, signal)
        const r = await real()
        return { ...r, latencyMs: r.latencyMs + extra }
      }
      await d.sleep(timeoutMs, signal)
      return { ...failed, reason: 'timeout', httpStatusClass: 'none', latencyMs: timeoutMs }
    }
    case 'timeout':
    default:
      await d.sleep(timeoutMs, signal)
      return { ...failed, reason: 'timeout', httpStatusClass: 'none', latencyMs: timeoutMs }
  }
}

/** An SMS, voice or e-mail adapter behind the IdP's fault injection (inside its breaker and fallback chain). */
export function faultySubprocessor(adapter: Subprocessor, vendor: string, timeoutMs: number, d: InjectDeps): Subprocessor {
  return {
    id: adapter.id,
    channels: adapter.channels,
    async send(m, signal) {
      const f = await decide(d, vendor, m.channel, m.region)
      if (!f) return adapter.send(m, signal)
      d.touched(f)
      return faulted(f, vendor, timeoutMs, d, () => adapter.send(m, signal), signal)
    },
  }
}

/** A push adapter behind the IdP's fault injection (channel `push`). */
export function faultyPushSender(adapter: PushSender, vendor: string, timeoutMs: number, d: InjectDeps): PushSender {
  return {
    id: adapter.id,
    platforms: adapter.platforms,
    async send(m, signal) {
      const f = await decide(d, vendor, 'push', m.region)
      if (!f) return adapter.send(m, signal)
      d.touched(f)
      return faulted(f, vendor, timeoutMs, d, () => adapter.send(m, signal), signal)
    },
  }
}

/** What the vendor layer (vendors/wiring.ts) takes from game days: adapter wrappers and drains. */
export interface VendorFaults {
  subprocessor(adapter: Subprocessor, vendor: string, timeoutMs: number): Subprocessor
  push(adapter: PushSender, vendor: string, timeoutMs: number): PushSender
  /** A drain_vendor action holds this vendor's circuit open. */
  drained(vendor: string, channel: string, region: string): boolean
}
