import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { OverviewMetrics, OverviewOutcomes } from './collector-reads'
import { type Overview, type OutcomePoint, TARGETS } from './console-api'
import { parseFilters } from './filters'
import { parseRange, resolveWindow, type QueryWindow } from './time-range'

/** Outcome order on charts and tables: good first, then user-caused, then system-caused. */
export const OUTCOME_ORDER = ['success', 'failure', 'expired', 'replayed', 'rate_limited', 'locked_out', 'abandoned', 'timeout', 'error']

export function orderOutcomes(keys: Iterable<string>): string[] {
  const set = new Set(keys)
  const known = OUTCOME_ORDER.filter((o) => set.has(o))
  const unknown = [...set].filter((o) => !OUTCOME_ORDER.includes(o)).sort()
  return [...known, ...unknown]
}

/** Pure: collector answers → the Overview's view model. */
export function buildOverview(window: QueryWindow, metrics: OverviewMetrics, outcomes: OverviewOutcomes, now: Date): Overview {
  const m1 = metrics.M1.value
  const m2 = metrics.M2.value
  const keys = new Set<string>(Object.keys(outcomes.totals))
  for (const [, counts] of outcomes.series) for (const k of Object.keys(counts)) keys.add(k)
  const order = orderOutcomes(keys)
  const series: OutcomePoint[] = outcomes.series.map(([t, counts]) => {
    const p: OutcomePoint = { t } as OutcomePoint
    for (const o of order) p[o] = counts[o] ?? 0
    return p
  })
  const total = Object.values(outcomes.totals).reduce((a, b) => a + b, 0)
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString(), step: window.step },
    generatedAt: now.toISOString(),
    successRate: {
      value: m1,
      target: TARGETS.successRate,
      met: m1 === null ? null : m1 >= TARGETS.successRate,
      series: metrics.M1.series.map(([t, v]) => ({ t, v })),
    },
    latency: {
      value: m2,
      targetP95Ms: TARGETS.latencyP95Ms,
      met: m2?.p95 == null ? null : m2.p95 < TARGETS.latencyP95Ms,
      series: metrics.M2.series.map(([t, p50, p95, p99]) => ({ t, p50, p95, p99 })),
    },
    logins: { total, totals: outcomes.totals, outcomes: order, series },
    empty: total === 0 && m1 === null && m2 === null,
  }
}

/** Validate the request once, query the collector (two calls in parallel), build the view. */
export async function loadOverview(params: URLSearchParams, deps: CollectorDeps, now: Date): Promise<Overview> {
  const range = parseRange(params, now)
  if (!range.ok) throw new ConsoleError('invalid_parameter', range.error.message, range.error.parameter)
  const filters = parseFilters(params)
  if (!filters.ok) throw new ConsoleError('invalid_parameter', filters.error.message, filters.error.parameter)
  const window = resolveWindow(range.value, now)
  const common = { from: window.from.toISOString(), to: window.to.toISOString(), step: String(window.step), ...filters.value }
  const [metrics, outcomes] = await Promise.all([
    getFromCollector(deps, '/api/v1/metrics', { ids: 'M1,M2', ...common }, OverviewMetrics),
    getFromCollector(deps, '/api/v1/outcomes', common, OverviewOutcomes),
  ])
  return buildOverview(window, metrics, outcomes, now)
}
