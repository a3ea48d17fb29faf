import { z } from 'zod'
import { M1Metric, M2Metric, M3Metric, M4Metric, M5Metric, M6Metric, OutcomesResponse, ProviderHealth, ProviderSeriesResponse } from '../../contract/query'

/**
 * What the console reads from the collector's query API: the contract's schemas
 * (contract/query.ts), narrowed to the fields the pages use, so a field the console does not
 * read can come and go without breaking a page. Parsed once in the route handler; a mismatch
 * becomes a 502 naming the field.
 */

const value = { value: true, series: true } as const

/** Overview: M1 success rate and M2 latency. */
export const OverviewMetrics = z.object({ M1: M1Metric.pick(value), M2: M2Metric.pick(value) })
export type OverviewMetrics = z.infer<typeof OverviewMetrics>
export const OverviewOutcomes = OutcomesResponse.pick({ totals: true, series: true })
export type OverviewOutcomes = z.infer<typeof OverviewOutcomes>

/** On-call: M2 latency and M5 error rate with its split (absent counts read as none). */
export const OncallMetrics = z.object({
  M2: M2Metric.pick(value),
  M5: M5Metric.pick(value).extend({ attempts: M5Metric.shape.attempts.default(0), rates: M5Metric.shape.rates.partial().default({}) }),
})
export type OncallMetrics = z.infer<typeof OncallMetrics>
/** On-call: recovery requests by reason over the look-back. */
export const RecoveryMetrics = z.object({ M4: z.object({ by_reason: M4Metric.shape.by_reason.default({}) }) })
export type RecoveryMetrics = z.infer<typeof RecoveryMetrics>
/** Sub-processors: fallback rate (M3) and provider outage impact (M6). */
export const ImpactMetrics = z.object({ M3: M3Metric.pick({ value: true }), M6: M6Metric.pick({ value: true }) })

const P = ProviderHealth.shape
export const ProviderHealthRead = ProviderHealth.pick({ provider: true, channel: true, requests: true, errors: true, availability: true, error_rate: true, latency_ms: true, circuit: true, series: true }).extend({
  delivery: P.delivery.pick({ receipts: true, success_rate: true, time_to_delivery_ms: true }),
  fallback: P.fallback.pick({ in: true, out: true, share: true }),
  cost: P.cost.pick({ total_micros: true, per_successful_verification_micros: true }),
})
export type ProviderHealthRead = z.infer<typeof ProviderHealthRead>
export const ProvidersRead = z.object({ providers: z.array(ProviderHealthRead) })
export type ProvidersRead = z.infer<typeof ProvidersRead>

export const ProviderSeriesRead = ProviderSeriesResponse.pick({ series: true, circuit: true }).extend({
  totals: ProviderSeriesResponse.shape.totals.pick({
    requests: true, errors: true, deliveries: true, delivered: true, availability: true, error_rate: true, delivery_success_rate: true, latency_ms: true,
  }),
})
export type ProviderSeriesRead = z.infer<typeof ProviderSeriesRead>
