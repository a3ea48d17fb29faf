/**
 * What the console's own route handlers answer. Shared by the handlers (server) and the
 * React Query hooks (client); no runtime code here that either side would not want.
 */

export interface SuccessRatePoint {
  t: number
  v: number | null
}
export interface LatencyPoint {
  t: number
  p50: number | null
  p95: number | null
  p99: number | null
}
export type OutcomePoint = { t: number } & Record<string, number>

export interface Overview {
  window: { from: string; to: string; step: number }
  generatedAt: string
  successRate: { value: number | null; target: number; met: boolean | null; series: SuccessRatePoint[] }
  latency: {
    value: { p50: number | null; p95: number | null; p99: number | null } | null
    targetP95Ms: number
    met: boolean | null
    series: LatencyPoint[]
  }
  logins: { total: number; totals: Record<string, number>; outcomes: string[]; series: OutcomePoint[] }
  /** No logins and no verified challenges in the window. */
  empty: boolean
}

export interface Health {
  status: 'up' | 'down'
  collectorUrl: string
  latencyMs: number | null
  message: string
}

export interface ApiErrorBody {
  error: { code: string; message: string; parameter?: string }
}

/** Targets from the metric table (seed 003): M1 99.5 %, M2 p95 under 2 s. */
export const TARGETS = { successRate: 0.995, latencyP95Ms: 2000 } as const
