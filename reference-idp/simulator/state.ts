import type { Clock } from '../../contract/clock'
import type { Fault } from './faults'
import type { DeviceStore } from './devices'
import type { SimMetrics } from './metrics'
import type { VendorId, VendorProfile } from './profiles'
import type { Rand } from './random'
import type { ReceiptDispatcher } from './receipts'
import type { Credentials } from './vendors/types'
import type { WebhookSigner } from './vendors/webhook-signing'

/** Mutable state of one simulator instance, owned by the shell and passed to its handlers. */
export interface SimState {
  now: () => number
  /** Decisions (latency, errors, fates). */
  rand: Rand
  /** Message ids, on their own stream so ids do not shift the decisions of a seed. */
  idRand: Rand
  timeScale: number
  profiles: Record<VendorId, VendorProfile>
  creds: Credentials
  faults: Fault[]
  nextFaultId: number
  devices: DeviceStore
  webhooks: Partial<Record<VendorId, string>>
  defaultWebhook?: string
  rate: RateWindows
  receipts: ReceiptDispatcher
  /** Signs receipt webhooks per vendor; holds the SNS signing certificate. */
  signer: WebhookSigner
  metrics: SimMetrics
  log: (line: string) => void
  /** The simulator's one clock: timestamps, rate windows, fault expiry, and the waits of simulated latency. */
  clock: Clock
  /** Aborted on close: ends the waits of delayed replies. */
  closing: AbortController
}

/** Accepted requests per vendor/region over the last second (for rate_limit faults). */
export class RateWindows {
  private readonly windows = new Map<string, number[]>()

  count(key: string, now: number): number {
    const w = (this.windows.get(key) ?? []).filter((t) => t > now - 1000)
    this.windows.set(key, w)
    return w.length
  }

  record(key: string, now: number): void {
    const w = this.windows.get(key) ?? []
    w.push(now)
    // Bounded: more than this many per second is far beyond any limit worth simulating.
    if (w.length > 10_000) w.splice(0, w.length - 10_000)
    this.windows.set(key, w)
  }
}

/** Vendor default rate limit shown in X-RateLimit-* headers when no rate_limit fault is active. */
export const NOMINAL_LIMIT_RPS = 600
