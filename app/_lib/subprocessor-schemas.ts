import { z } from 'zod'
import { Num, Ts } from './collector-schemas'

/**
 * Shapes the console reads from the collector's `/api/v1/providers` and
 * `/api/v1/providers/series` (collector/query/README.md); only the fields it uses.
 */

const Count = z.number().int().min(0)
const Quantiles = z.object({ p50: Num, p95: Num, p99: Num.optional() })
const Circuit = z.object({
  state: z.enum(['closed', 'open', 'half_open']).nullable(),
  since: z.string().nullable(),
  transitions_in_window: Count,
  transitions: z.array(z.object({ ts: z.string(), from: z.string(), to: z.string(), reason: z.string() })),
})

export const ProviderHealth = z.object({
  provider: z.string(),
  channel: z.string(),
  requests: Count,
  errors: Count,
  availability: Num,
  error_rate: Num,
  latency_ms: Quantiles.nullable(),
  delivery: z.object({ receipts: Count, success_rate: Num, time_to_delivery_ms: Quantiles.nullable() }),
  fallback: z.object({ in: Count, out: Count, share: Num }),
  cost: z.object({ total_micros: z.number(), per_successful_verification_micros: Num }),
  circuit: Circuit,
  series: z.array(z.tuple([Ts, Count, Count])),
})
export type ProviderHealth = z.infer<typeof ProviderHealth>

export const ProvidersResponse = z.object({ providers: z.array(ProviderHealth) })
export type ProvidersResponse = z.infer<typeof ProvidersResponse>

export const ProviderSeriesResponse = z.object({
  series: z.array(z.tuple([Ts, Count, Count, Num, Count, Count])),
  totals: z.object({
    requests: Count, errors: Count, deliveries: Count, delivered: Count,
    availability: Num, error_rate: Num, delivery_success_rate: Num, latency_ms: Quantiles.nullable(),
  }),
  circuit: Circuit,
})
export type ProviderSeriesResponse = z.infer<typeof ProviderSeriesResponse>
