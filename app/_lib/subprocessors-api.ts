/**
 * What the Sub-processors route handlers answer (`/api/subprocessors`, `/api/subprocessors/[vendor]`).
 * Types only: shared by the handlers (server) and the React Query hooks (client).
 */

export type CircuitState = 'closed' | 'open' | 'half_open'

export interface CircuitTransition { ts: string; from: string; to: string; reason: string }
export interface Circuit {
  /** null: the vendor never reported a circuit change (assume closed, but say so). */
  state: CircuitState | null
  since: string | null
  transitionsInWindow: number
  transitions: CircuitTransition[]
}

export interface Quantiles { p50: number | null; p95: number | null; p99?: number | null }

/** One vendor on one channel: its health in the window. */
export interface VendorRow {
  provider: string
  channel: string
  /** From the registry; null for a provider seen in telemetry but missing from it. */
  legalName: string | null
  registered: boolean
  requests: number
  errors: number
  availability: number | null
  errorRate: number | null
  latencyMs: Quantiles | null
  delivery: { receipts: number; successRate: number | null; timeToDeliveryMs: Quantiles | null }
  fallback: { in: number; out: number; share: number | null }
  cost: { totalMicros: number; perSuccessMicros: number | null }
  /** Contractual availability target in percent, when the vendor has an SLA. */
  slaPct: number | null
  /** availability ≥ SLA: null without traffic or without an SLA. */
  meetsSla: boolean | null
  circuit: Circuit
  series: { t: number; requests: number; errors: number }[]
}

export interface Certification { name: string; expires: string; /** Only for expired or expiring ones. */ daysLeft: number | null; status: 'valid' | 'expiring' | 'expired' }

/** Registry facts of one vendor (dashboards/subprocessors.yaml). */
export interface VendorFacts {
  id: string
  legalName: string
  product: string
  purpose: string
  channels: string[]
  regions: string[]
  dataCategories: string[]
  dataFlow: string
  downstream: string[]
  certifications: Certification[]
  dpa: { reference: string; signed: string; url?: string }
  subprocessorNoticeDate: string
  slaAvailabilityPct: number | null
  costMicrosPerMessage: number
  statusPage?: string
  /** "sms eu-west: 1st of 2", where it sits in fallback chains. */
  fallbackPositions: string[]
}

export interface ChangeLogEntry { date: string; vendor: string; kind: string; summary: string }

export interface SubprocessorsView {
  window: { from: string; to: string; step: number }
  generatedAt: string
  filters: { channel?: string; region?: string }
  /** Values the filters offer: the registry's channels and regions. */
  options: { channels: string[]; regions: string[] }
  rows: VendorRow[]
  vendors: VendorFacts[]
  /** Newest first. */
  changelog: ChangeLogEntry[]
  /** Certifications expired or expiring within `warnDays`. */
  expiring: { vendor: string; certification: string; expires: string; daysLeft: number }[]
  warnDays: number
  /** No provider telemetry at all in the window (registry rows are still listed). */
  empty: boolean
  /** M3 (share of sign-ins that fell back) and M6 (share touched by a failing vendor call) in the window. */
  impact?: { fallbackRate: number | null; outageImpact: number | null }
}

export interface VendorPoint {
  t: number
  requests: number
  errors: number
  ok: number
  errorRate: number | null
  p95: number | null
  deliveries: number
  delivered: number
  undelivered: number
}

export interface VendorView {
  window: { from: string; to: string; step: number }
  generatedAt: string
  provider: string
  facts: VendorFacts | null
  rows: VendorRow[]
  series: VendorPoint[]
  totals: { requests: number; errors: number; availability: number | null; errorRate: number | null; deliveries: number; deliverySuccessRate: number | null; latencyMs: Quantiles | null }
  circuit: Circuit
  changelog: ChangeLogEntry[]
  empty: boolean
}
