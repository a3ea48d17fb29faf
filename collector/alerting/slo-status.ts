import { type Attribution, type AttributionRow, BURN_WINDOWS, type SloStatus, UserGroup } from '../../contract'
import { budgetRemaining, burnRate, round, sliValue } from './burn'
import type { CycleInput } from './collect'
import type { Counts, RuleSet, Slo } from './types'

const reading = (c: Counts | null, minVolume: number): SloStatus['sli'] => {
  const value = sliValue(c, minVolume)
  return { value: value === null ? null : round(value * 1e3) / 1e3, status: value === null ? 'not_enough_data' : 'ok', good: c?.good ?? 0, total: c?.total ?? 0 }
}

/** Rows of attributionSql → the four breakdowns, largest first, with shares of all bad events. */
export function shapeAttribution(rows: readonly Record<string, unknown>[]): Attribution {
  const dims = [['factor', 'gf'], ['provider', 'gp'], ['region', 'gr'], ['user_group', 'gu']] as const
  const out = { factor: [], provider: [], region: [], user_group: [] } as Record<keyof Attribution, AttributionRow[]>
  for (const [dim, flag] of dims) {
    // grouping(col) is 0 when the row groups by that column.
    const mine = rows.filter((r) => Number(r[flag]) === 0)
    const total = mine.reduce((a, r) => a + Number(r.n), 0)
    out[dim] = mine.map((r) => ({ key: String(r[dim]) || 'unspecified', bad: Number(r.n), share: total === 0 ? 0 : round(Number(r.n) / total) })).sort((a, b) => b.bad - a.bad || a.key.localeCompare(b.key))
  }
  return out
}

/** Budget remaining after each hour of the window, from hourly total/bad counts (≤ ~170 points). */
export function burnDown(slo: Slo, hourly: ReadonlyArray<{ b: number; total: number; bad: number }>): SloStatus['burn_down'] {
  const total = hourly.reduce((a, h) => a + h.total, 0)
  if (total === 0 || total < slo.minVolume || slo.objective >= 100) return []
  const allowed = total * (1 - slo.objective / 100)
  const step = Math.max(1, Math.ceil(hourly.length / 168))
  const out: SloStatus['burn_down'] = []
  let bad = 0
  hourly.forEach((h, i) => {
    bad += h.bad
    if (i % step === step - 1 || i === hourly.length - 1) out.push({ ts: new Date((h.b + 3600) * 1000).toISOString(), budget_remaining: round(1 - bad / allowed) })
  })
  return out
}

export interface SloExtras {
  attribution: Attribution
  hourly: ReadonlyArray<{ b: number; total: number; bad: number }>
  coverage: Counts | null
  firing: string[]
  /** Game-day windows left out of the budget over the SLO window (0 when the SLO does not exclude drills). */
  drillWindows?: number
}

/** One SLO's status from the cycle's counts (pure). */
export function sloStatus(slo: Slo, i: number, set: RuleSet, input: CycleInput | null, x: SloExtras): SloStatus {
  const base = {
    id: slo.id, description: slo.description, metric: slo.metric, kind: slo.kind === 'latency' ? ('latency' as const) : ('ratio' as const),
    objective: slo.objective, window: slo.window, window_seconds: slo.windowS, min_volume: slo.minVolume, vendor: slo.vendor, channel: slo.channel,
    attribution: x.attribution, firing_alerts: x.firing,
    drills_excluded: slo.excludeDrills, excluded_drill_windows: slo.excludeDrills ? (x.drillWindows ?? 0) : 0,
  }
  const noBurn = Object.fromEntries(BURN_WINDOWS.map((w) => [w, null])) as SloStatus['burn_rates']
  if (slo.kind === 'coverage') {
    const sli = reading(x.coverage, 1)
    return { ...base, sli, user_groups: [], budget_remaining: null, burn_rates: noBurn, burn_down: [] }
  }
  const all = input?.sloWindow['*']?.[i] ?? null
  return {
    ...base,
    sli: reading(all, slo.minVolume),
    user_groups: UserGroup.options.map((g) => {
      const c = input?.sloWindow[g]?.[i] ?? null
      const objective = slo.groupObjectives[g]
      const r = budgetRemaining(c, objective, slo.minVolume)
      return { user_group: g, objective, critical: set.criticalGroups.includes(g), sli: reading(c, slo.minVolume), budget_remaining: r === null ? null : round(r) }
    }),
    budget_remaining: (() => {
      const r = budgetRemaining(all, slo.objective, slo.minVolume)
      return r === null ? null : round(r)
    })(),
    burn_rates: Object.fromEntries(BURN_WINDOWS.map((w) => {
      const b = burnRate(input?.windows[w]?.['*']?.[i] ?? null, slo.objective)
      return [w, b === null ? null : round(b)]
    })) as SloStatus['burn_rates'],
    burn_down: burnDown(slo, x.hourly),
  }
}
