import type { Fault } from './faults'
import type { VendorProfile } from './profiles'
import { type Rand, drawLatency } from './random'

/**
 * What happens to one send request: the pure heart of the simulator. The shell feeds it the
 * vendor's profile, the faults active for this vendor/region, a seeded random source, the
 * clock and the current request rate; it returns the HTTP outcome, how long the API call takes
 * and the message's fate.
 *
 * Fault precedence (strongest first): blackhole > outage > rate_limit > error_rate > base
 * errors. Several faults of one kind combine as: error_rate / delivery_loss → the largest
 * ratio, rate_limit → the lowest rps, latency → the sum.
 */

export type HttpOutcome =
  | { kind: 'accepted' }
  | { kind: 'server_error'; cause: 'outage' | 'error_rate' | 'base' }
  | { kind: 'throttled'; retryAfterSeconds: number; limitRps: number }
  | { kind: 'blackhole' }

export type DeliveryStatus = 'delivered' | 'failed' | 'undeliverable'

export interface Delivery {
  status: DeliveryStatus
  /** Accept → reaching the device (or the vendor giving up). */
  delayMs: number
  /** Whether a receipt is ever sent for it. */
  receipted: boolean
}

export interface Decision {
  httpOutcome: HttpOutcome
  apiLatencyMs: number
  delivery: Delivery | 'never'
  reason: string
}

export interface Load {
  /** Requests to this vendor/region accepted in the last second (before this one). */
  requestsLastSecond: number
}

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined)
const min = (xs: number[]) => (xs.length ? Math.min(...xs) : undefined)
const values = (faults: readonly Fault[], kind: Fault['kind']) => faults.filter((f) => f.kind === kind).map((f) => f.value)

export function decide(
  profile: VendorProfile,
  activeFaults: readonly Fault[],
  rand: Rand,
  // `now` is part of the contract so time-dependent behaviour (e.g. diurnal load) can be
  // added without changing callers; expiry has already been applied by `activeFor`.
  _now: number,
  load: Load = { requestsLastSecond: 0 },
): Decision {
  const has = (kind: Fault['kind']) => activeFaults.some((f) => f.kind === kind)
  const addedLatency = values(activeFaults, 'latency').reduce((a, b) => a + b, 0)
  const apiLatencyMs = drawLatency(profile.api, rand) + addedLatency
  const fail = (httpOutcome: HttpOutcome, reason: string): Decision => ({ httpOutcome, apiLatencyMs, delivery: 'never', reason })

  if (has('blackhole')) return { httpOutcome: { kind: 'blackhole' }, apiLatencyMs: Infinity, delivery: 'never', reason: 'blackhole' }
  if (has('outage')) return fail({ kind: 'server_error', cause: 'outage' }, 'outage')
  const limitRps = min(values(activeFaults, 'rate_limit'))
  if (limitRps !== undefined && load.requestsLastSecond >= limitRps)
    return fail({ kind: 'throttled', retryAfterSeconds: 1, limitRps }, 'rate_limited')

  const errorDraw = rand()
  const faultErrorRate = max(values(activeFaults, 'error_rate'))
  if (faultErrorRate !== undefined && errorDraw < faultErrorRate)
    return fail({ kind: 'server_error', cause: 'error_rate' }, 'fault_error_rate')
  if (errorDraw < profile.baseErrorRate) return fail({ kind: 'server_error', cause: 'base' }, 'base_error')

  const accepted: HttpOutcome = { kind: 'accepted' }
  const lossRatio = max(values(activeFaults, 'delivery_loss'))
  if (lossRatio !== undefined && rand() < lossRatio) return { httpOutcome: accepted, apiLatencyMs, delivery: 'never', reason: 'delivery_loss' }

  const { lost, failed, undeliverable, unreceipted } = profile.outcomes
  const fate = rand()
  if (fate < lost) return { httpOutcome: accepted, apiLatencyMs, delivery: 'never', reason: 'lost' }
  const status: DeliveryStatus =
    fate < lost + failed ? 'failed' : fate < lost + failed + undeliverable ? 'undeliverable' : 'delivered'
  const delayMs = drawLatency(profile.delivery, rand)
  const receipted = profile.receipts && rand() >= unreceipted
  return { httpOutcome: accepted, apiLatencyMs, delivery: { status, delayMs, receipted }, reason: status }
}
