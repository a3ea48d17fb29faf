import type { LatencyModel } from './random'

/**
 * Behaviour of each simulated vendor in normal operation. Figures follow
 * /work/shared/research/vendor-apis.md: SMS delivery is log-normal with a median of a few
 * seconds and a long tail, 1–5 % failures and 1–3 % of messages never receipted; e-mail is
 * faster, push faster still and never receipted at all (FCM/APNs have no per-message receipts).
 */

export const VENDOR_IDS = ['twilio', 'vonage', 'twilio-voice', 'vonage-voice', 'ses', 'sendgrid', 'fcm', 'apns'] as const
export type VendorId = (typeof VENDOR_IDS)[number]

export const SIM_CHANNELS = ['sms', 'voice', 'email', 'push'] as const
export type SimChannel = (typeof SIM_CHANNELS)[number]

export const SIM_REGIONS = ['eu-west', 'us-east'] as const

export function isVendorId(v: string): v is VendorId {
  return (VENDOR_IDS as readonly string[]).includes(v)
}

/** Shares of accepted messages by final fate; the rest is delivered. */
export interface OutcomeShares {
  /** Final failure the vendor reports (e.g. Twilio `failed`, SES transient bounce). */
  failed: number
  /** Handset / mailbox unreachable (Twilio `undelivered` 3000x, SES permanent bounce). */
  undeliverable: number
  /** Lost entirely: never reaches the device, never receipted. */
  lost: number
  /** Reaches the device but the receipt never comes back. */
  unreceipted: number
}

export interface VendorProfile {
  id: VendorId
  channel: SimChannel
  regions: readonly string[]
  /** Round trip of the send API call. */
  api: LatencyModel
  /** Share of API calls answered with a 5xx in normal operation. */
  baseErrorRate: number
  /** Accept → device (and → final receipt, plus `receiptLagMs`). */
  delivery: LatencyModel
  receiptLagMs: number
  outcomes: OutcomeShares
  /** Whether the vendor sends per-message receipts at all. */
  receipts: boolean
}

const lat = (medianMs: number, sigma: number, tailProb: number, tailMultiplier: number, maxMs: number): LatencyModel => ({
  medianMs,
  sigma,
  tailProb,
  tailMultiplier,
  maxMs,
})

const regions = SIM_REGIONS

export const DEFAULT_PROFILES: Record<VendorId, VendorProfile> = {
  twilio: {
    id: 'twilio', channel: 'sms', regions,
    api: lat(220, 0.35, 0.02, 6, 15_000), baseErrorRate: 0.003,
    delivery: lat(4_000, 0.7, 0.02, 8, 30 * 60_000), receiptLagMs: 400,
    outcomes: { failed: 0.01, undeliverable: 0.015, lost: 0.01, unreceipted: 0.01 }, receipts: true,
  },
  vonage: {
    id: 'vonage', channel: 'sms', regions,
    api: lat(300, 0.4, 0.03, 6, 15_000), baseErrorRate: 0.005,
    delivery: lat(5_000, 0.8, 0.03, 8, 30 * 60_000), receiptLagMs: 800,
    outcomes: { failed: 0.015, undeliverable: 0.02, lost: 0.015, unreceipted: 0.015 }, receipts: true,
  },
  'twilio-voice': {
    id: 'twilio-voice', channel: 'voice', regions,
    api: lat(350, 0.35, 0.02, 5, 15_000), baseErrorRate: 0.003,
    // ring + answer + read-out of the code
    delivery: lat(14_000, 0.35, 0.02, 3, 120_000), receiptLagMs: 300,
    outcomes: { failed: 0.01, undeliverable: 0.06, lost: 0.0, unreceipted: 0.005 }, receipts: true,
  },
  'vonage-voice': {
    id: 'vonage-voice', channel: 'voice', regions,
    api: lat(400, 0.4, 0.03, 5, 15_000), baseErrorRate: 0.005,
    delivery: lat(15_000, 0.4, 0.03, 3, 120_000), receiptLagMs: 300,
    outcomes: { failed: 0.015, undeliverable: 0.07, lost: 0.0, unreceipted: 0.01 }, receipts: true,
  },
  ses: {
    id: 'ses', channel: 'email', regions,
    api: lat(150, 0.3, 0.01, 5, 10_000), baseErrorRate: 0.001,
    delivery: lat(1_500, 0.6, 0.02, 20, 60 * 60_000), receiptLagMs: 200,
    outcomes: { failed: 0.005, undeliverable: 0.01, lost: 0.002, unreceipted: 0.003 }, receipts: true,
  },
  sendgrid: {
    id: 'sendgrid', channel: 'email', regions,
    api: lat(180, 0.35, 0.02, 5, 10_000), baseErrorRate: 0.002,
    delivery: lat(2_000, 0.6, 0.02, 20, 60 * 60_000), receiptLagMs: 500,
    outcomes: { failed: 0.005, undeliverable: 0.01, lost: 0.003, unreceipted: 0.005 }, receipts: true,
  },
  fcm: {
    id: 'fcm', channel: 'push', regions,
    api: lat(160, 0.3, 0.01, 5, 10_000), baseErrorRate: 0.002,
    delivery: lat(2_300, 0.7, 0.05, 5, 10 * 60_000), receiptLagMs: 0,
    outcomes: { failed: 0, undeliverable: 0.01, lost: 0.02, unreceipted: 0 }, receipts: false,
  },
  apns: {
    id: 'apns', channel: 'push', regions,
    api: lat(150, 0.3, 0.01, 5, 10_000), baseErrorRate: 0.001,
    delivery: lat(1_100, 0.6, 0.03, 5, 10 * 60_000), receiptLagMs: 0,
    outcomes: { failed: 0, undeliverable: 0.01, lost: 0.01, unreceipted: 0 }, receipts: false,
  },
}

/** Same vendor, no random trouble: every message delivered and receipted, no base 5xx. */
export function cleanProfile(p: VendorProfile): VendorProfile {
  return { ...p, baseErrorRate: 0, outcomes: { failed: 0, undeliverable: 0, lost: 0, unreceipted: 0 } }
}

export type ProfileOverride = Partial<Omit<VendorProfile, 'id' | 'channel' | 'api' | 'delivery' | 'outcomes'>> & {
  api?: Partial<LatencyModel>
  delivery?: Partial<LatencyModel>
  outcomes?: Partial<OutcomeShares>
}

export function applyOverride(p: VendorProfile, o: ProfileOverride | undefined): VendorProfile {
  if (!o) return p
  return {
    ...p,
    ...o,
    api: { ...p.api, ...o.api },
    delivery: { ...p.delivery, ...o.delivery },
    outcomes: { ...p.outcomes, ...o.outcomes },
  }
}
