import { type BurnWindow, type SloStatus, SlosResponse } from '../../contract/slo'
import type { AttributionView, BudgetStatus, BurnPair, SloCard, SlosView } from './alerting-api'
import { type CollectorDeps, getFromCollector } from './collector-client'

/**
 * The SRE workbook's multi-window, multi-burn-rate pairs (DESIGN.md, alerts.yaml): an alert
 * fires when both windows burn at or over the factor.
 */
export const BURN_PAIRS: readonly { severity: 'page' | 'ticket'; long: BurnWindow; short: BurnWindow; factor: number }[] = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '1d', short: '2h', factor: 3 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
]

/** Below this share of budget left an SLO is flagged "low". */
export const LOW_BUDGET = 0.25

const DIMENSIONS: { dimension: AttributionView['dimension']; label: string }[] = [
  { dimension: 'factor', label: 'Factor' },
  { dimension: 'provider', label: 'Provider' },
  { dimension: 'region', label: 'Region' },
  { dimension: 'user_group', label: 'User group' },
]

export function budgetStatus(remaining: number | null, s?: Pick<SloStatus, 'objective' | 'sli'>): BudgetStatus {
  if (s && s.sli.status !== 'ok') return 'no_data'
  if (s && s.objective >= 100) return 'no_budget'
  if (remaining === null) return 'no_data'
  if (remaining <= 0) return 'exhausted'
  return remaining < LOW_BUDGET ? 'low' : 'healthy'
}

export function burnPairs(rates: Partial<Record<BurnWindow, number | null>>): BurnPair[] {
  return BURN_PAIRS.map((p) => {
    const longRate = rates[p.long] ?? null
    const shortRate = rates[p.short] ?? null
    return { ...p, longRate, shortRate, burning: longRate === null || shortRate === null ? null : longRate >= p.factor && shortRate >= p.factor }
  })
}

/**
 * Bad events the window still allows: total × (1 − objective) − bad. Null when the SLI has too
 * little data (the collector says so), never a made-up 0 or 100 %.
 */
export function eventsLeft(s: Pick<SloStatus, 'objective' | 'sli'>): number | null {
  if (s.sli.status !== 'ok' || s.objective >= 100) return null
  const allowed = s.sli.total * (1 - s.objective / 100)
  return Math.floor(allowed - (s.sli.total - s.sli.good) + 1e-9)
}

export function sloCard(s: SloStatus): SloCard {
  const remaining = s.sli.status === 'ok' ? s.budget_remaining : null
  return {
    id: s.id,
    description: s.description,
    metric: s.metric,
    kind: s.kind,
    objective: s.objective,
    window: s.window,
    vendor: s.vendor,
    channel: s.channel,
    sli: s.sli,
    minVolume: s.min_volume,
    budgetRemaining: remaining,
    eventsLeft: eventsLeft(s),
    budgetStatus: budgetStatus(remaining, s),
    // Compared in millionths so 0.995 meets 99.5 despite float noise.
    met: s.sli.status !== 'ok' || s.sli.value === null ? null : Math.round(s.sli.value * 1e6) >= Math.round(s.objective * 1e4),
    burnPairs: burnPairs(s.burn_rates),
    burnDown: s.burn_down.map((p) => ({ t: Date.parse(p.ts), v: p.budget_remaining })).sort((a, b) => a.t - b.t),
    attribution: DIMENSIONS.map((d) => ({ ...d, rows: [...s.attribution[d.dimension]].sort((a, b) => b.bad - a.bad || a.key.localeCompare(b.key)) })),
    userGroups: s.user_groups.map((g) => ({ userGroup: g.user_group, objective: g.objective, critical: g.critical, sli: g.sli, budgetRemaining: g.budget_remaining })),
    firingAlerts: s.firing_alerts,
  }
}

const RANK: Record<BudgetStatus, number> = { exhausted: 0, low: 1, no_budget: 2, healthy: 3, no_data: 4 }

/** Pure: collector answer → the SLOs page. Worst first: firing, then least budget left. */
export function buildSlos(res: SlosResponse, now: Date): SlosView {
  const slos = res.slos.map(sloCard).sort(
    (a, b) =>
      Number(b.firingAlerts.length > 0) - Number(a.firingAlerts.length > 0) ||
      Number(a.met !== false) - Number(b.met !== false) ||
      RANK[a.budgetStatus] - RANK[b.budgetStatus] ||
      (a.budgetRemaining ?? 2) - (b.budgetRemaining ?? 2) ||
      a.id.localeCompare(b.id),
  )
  return {
    generatedAt: now.toISOString(),
    slos,
    counts: {
      total: slos.length,
      exhausted: slos.filter((s) => s.budgetStatus === 'exhausted').length,
      low: slos.filter((s) => s.budgetStatus === 'low').length,
      noData: slos.filter((s) => s.budgetStatus === 'no_data').length,
      burning: slos.filter((s) => s.burnPairs.some((p) => p.burning)).length,
      missed: slos.filter((s) => s.met === false).length,
    },
  }
}

export async function loadSlos(deps: CollectorDeps, now: Date): Promise<SlosView> {
  return buildSlos(await getFromCollector(deps, '/api/v1/slos', {}, SlosResponse), now)
}
