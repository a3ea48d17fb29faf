import { ATTR } from '../../contract'
import type { OobRepo, ReceiptTarget } from '../store/oob-repo'
import type { Repo } from '../store/repo'
import type { EventDeps } from './events'

/** A vendor's word on one message, parsed from its webhook. */
export interface DeliveryReceipt { provider: string; providerMessageId: string; status: 'delivered' | 'failed' | 'undeliverable'; vendorTimestampMs?: number }

export interface ReceiptPolicy {
  /** A delivery slower than this is `late` (still delivered, but the user may have given up). */
  lateMs: number
  /** No receipt this long after the send: `never_receipted`. */
  neverMs: number
}

export const DEFAULT_RECEIPT_POLICY: ReceiptPolicy = { lateMs: 60_000, neverMs: 10 * 60_000 }

/** Delivery outcome of a receipt, as the contract spells it. Pure. */
export function deliveryOutcome(status: DeliveryReceipt['status'] | 'never', timeToDeliveryMs: number, p: ReceiptPolicy) {
  if (status === 'never') return { outcome: 'timeout', reason: 'never_receipted' } as const
  if (status !== 'delivered') return { outcome: 'failure', reason: status } as const
  return timeToDeliveryMs > p.lateMs ? ({ outcome: 'success', reason: 'late' } as const) : ({ outcome: 'success', reason: 'delivered' } as const)
}

/**
 * Delivery receipts → `mfa.provider.delivery`: time to delivery is measured from our send,
 * each message is reported once (vendors retry webhooks), and messages never receipted are
 * reported by `sweep()` so silent loss shows up too.
 */
export function createReceiptService(d: EventDeps & { repo: Repo; oob: OobRepo; policy: ReceiptPolicy; now: () => Date; receiptingProviders: () => string[] }) {
  async function report(t: ReceiptTarget, provider: string, status: DeliveryReceipt['status'] | 'never', at: Date) {
    const user = await d.repo.userById(t.user_id)
    const ttd = Math.max(0, at.getTime() - t.sent_at.getTime())
    const o = deliveryOutcome(status, ttd, d.policy)
    d.metrics.deliveries.inc({ provider, channel: t.channel, reason: o.reason })
    // Server-to-server: no client or country; the user as the flow's hash and group.
    d.telemetry.emit('mfa.provider.delivery', {
      [ATTR.region]: d.region, [ATTR.userHash]: user && d.keys.userHash(user.id), [ATTR.userGroup]: user?.user_group, [ATTR.flowId]: t.flow_id ?? undefined, [ATTR.provider]: provider, [ATTR.channel]: t.channel,
      [ATTR.outcome]: o.outcome, [ATTR.reason]: o.reason, [ATTR.latencyMs]: status === 'never' ? undefined : ttd,
    })
  }
  return {
    /** Returns how many receipts were new. */
    async handle(receipts: DeliveryReceipt[]): Promise<number> {
      let fresh = 0
      for (const r of receipts) {
        const at = new Date(r.vendorTimestampMs ?? d.now().getTime())
        const target = await d.oob.recordReceipt(r.provider, r.providerMessageId, r.status, at)
        if (!target) continue
        fresh++
        await report(target, r.provider, r.status, at)
      }
      return fresh
    },
    async sweep(): Promise<number> {
      const providers = d.receiptingProviders()
      if (!providers.length) return 0
      const expired = await d.oob.expireUnreceipted(new Date(d.now().getTime() - d.policy.neverMs), providers)
      for (const t of expired) await report(t, t.provider, 'never', d.now())
      return expired.length
    },
  }
}
export type ReceiptService = ReturnType<typeof createReceiptService>
