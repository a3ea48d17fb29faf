import { z } from 'zod'

/**
 * Shapes the console expects from the collector query API (collector/query/README.md).
 * Parsed once at the route handler; a mismatch becomes a 502 naming the field.
 */

/** Bucket start: epoch milliseconds (an ISO string is tolerated and converted). */
export const Ts = z.union([
  z.number(),
  z.string().transform((s, ctx) => {
    const ms = Date.parse(s)
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected a timestamp, got "${s}"` })
      return z.NEVER
    }
    return ms
  }),
])
export const Num = z.number().nullable()

export const M1Metric = z.object({
  value: Num,
  series: z.array(z.tuple([Ts, Num])),
})

export const Quantiles = z.object({ p50: Num, p95: Num, p99: Num })
export const M2Metric = z.object({
  value: Quantiles.nullable(),
  series: z.array(z.tuple([Ts, Num, Num, Num])),
})

export const MetricsResponse = z.object({ M1: M1Metric, M2: M2Metric })
export type MetricsResponse = z.infer<typeof MetricsResponse>

export const OutcomesResponse = z.object({
  totals: z.record(z.string(), z.number()),
  series: z.array(z.tuple([Ts, z.record(z.string(), z.number())])),
})
export type OutcomesResponse = z.infer<typeof OutcomesResponse>

/** The collector's (and the console's) error body. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), parameter: z.string().optional() }),
})

/** "M1.series[3][1]: expected number, received string" for the first few issues. */
export function describeIssues(err: z.ZodError, max = 3): string {
  const parts = err.issues.slice(0, max).map((i) => {
    const path = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '')
    return `${path || '(root)'}: ${i.message}`
  })
  const more = err.issues.length > max ? ` (+${err.issues.length - max} more)` : ''
  return parts.join('; ') + more
}
