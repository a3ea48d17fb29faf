import { UserGroup } from '../../contract'
import type { AlertsFile, WindowPair } from '../../dashboards/schema/alerts'
import type { SlosFile } from '../../dashboards/schema/slos'
import type { VendorSla } from '../../dashboards/schema/vendors'
import { durationSeconds } from '../../dashboards/schema/yaml-file'
import type { Rule, RuleSet, Slo } from './types'

const secs = (d: string): number => durationSeconds(d) ?? 0
const ALL_GROUPS = UserGroup.options

/** Fill {name} placeholders; unknown names stay as written. */
export function fill(template: string, values: Record<string, string | number | null | undefined>): string {
  return template.replace(/\{([a-z_]+)\}/g, (m, k: string) => (values[k] === undefined || values[k] === null ? m : String(values[k])))
}

/** Every SLO of the file plus one availability SLO per vendor × channel of the registry. */
export function expandSlos(file: SlosFile, vendors: readonly VendorSla[]): Slo[] {
  const groupObjectives = (objective: number, over: Partial<Record<UserGroup, number>> = {}) =>
    Object.fromEntries(ALL_GROUPS.map((g) => [g, over[g] ?? objective])) as Record<UserGroup, number>
  const slos: Slo[] = file.slos.map((s) => {
    const window = s.window ?? file.defaults.window
    return {
      id: s.id, description: s.description, metric: s.metric ?? null, kind: s.sli.type, objective: s.objective, window, windowS: secs(window),
      minVolume: s.min_volume ?? file.defaults.min_volume, vendor: null, channel: null, runbook: s.runbook,
      groupObjectives: groupObjectives(s.objective, s.user_groups),
      total: s.sli.type === 'coverage' ? null : s.sli.total,
      bad: s.sli.type === 'ratio' ? s.sli.bad : null,
      thresholdMs: s.sli.type === 'latency' ? s.sli.threshold_ms : null,
      coverageGroup: s.sli.type === 'coverage' ? s.sli.user_group : null,
      excludeDrills: s.exclude_drills ?? false,
    }
  })
  const v = file.vendor_slos
  if (!v) return slos
  for (const vendor of vendors) {
    for (const channel of vendor.channels) {
      const window = v.window ?? file.defaults.window
      const scope = { provider: [vendor.id], channel: [channel] }
      const objective = vendor.slaAvailabilityPct ?? v.objective_without_sla
      const description = fill(vendor.slaAvailabilityPct === null ? v.description_without_sla : v.description, { vendor: vendor.id, channel, objective })
      slos.push({
        id: `vendor-${vendor.id}-${channel}`, description,
        metric: null, kind: 'ratio', objective, window, windowS: secs(window), minVolume: v.min_volume ?? file.defaults.min_volume,
        vendor: vendor.id, channel, runbook: v.runbook, groupObjectives: groupObjectives(objective),
        total: { ...v.total, ...scope }, bad: { ...v.bad, ...scope }, thresholdMs: null, coverageGroup: null, excludeDrills: v.exclude_drills ?? false,
      })
    }
  }
  const seen = new Set<string>()
  for (const s of slos) {
    if (seen.has(s.id)) throw new Error(`SLO id "${s.id}" is defined twice (a vendor SLO clashes with one of slos.yaml)`)
    seen.add(s.id)
  }
  return slos
}

function sloLabels(slo: Slo): Record<string, string> {
  return { slo: slo.id, ...(slo.vendor ? { vendor: slo.vendor } : {}), ...(slo.channel ? { channel: slo.channel } : {}) }
}

const pairName = (p: WindowPair) => `${p.long}-${p.short}`
const alertName = (tier: string) => `SLOBurnRate${tier}`

/** Burn-rate alerts per SLO (page tier per user group, ticket tier overall), the budget-spend rule, then thresholds. */
export function generateRules(slos: readonly Slo[], alerts: AlertsFile, criticalGroups: readonly UserGroup[]): Rule[] {
  const br = alerts.burn_rate
  const rules: Rule[] = []
  for (const slo of slos) {
    if (slo.kind === 'coverage') continue
    const base = { kind: 'burn_rate' as const, slo: slo.id, summary: br.summary, description: br.description, runbook: slo.runbook, splitBy: null }
    for (const p of br.page) {
      for (const g of ALL_GROUPS) {
        const severity = criticalGroups.includes(g) ? 'page' : 'ticket'
        rules.push({
          ...base, id: `${slo.id}:burn-${pairName(p)}:${g}`, alertname: alertName('High'), severity, forS: secs(p.for),
          labels: { ...sloLabels(slo), user_group: g, window: pairName(p) },
          condition: { type: 'burn', slo: slo.id, userGroup: g, objective: slo.groupObjectives[g], long: p.long, short: p.short, longS: secs(p.long), shortS: secs(p.short), factor: p.factor },
        })
      }
    }
    for (const p of br.ticket) {
      rules.push({
        ...base, id: `${slo.id}:burn-${pairName(p)}`, alertname: alertName('Low'), severity: 'ticket', forS: secs(p.for),
        labels: { ...sloLabels(slo), window: pairName(p) },
        condition: { type: 'burn', slo: slo.id, userGroup: null, objective: slo.objective, long: p.long, short: p.short, longS: secs(p.long), shortS: secs(p.short), factor: p.factor },
      })
    }
    rules.push({
      ...base, kind: 'budget_spend', id: `${slo.id}:budget-spend`, alertname: 'SLOBudgetSpentFast', severity: 'page', forS: secs(br.budget_spend.for),
      labels: sloLabels(slo),
      summary: `{slo}: {value} of the ${slo.window} error budget spent in ${br.budget_spend.window}`,
      condition: { type: 'spend', slo: slo.id, objective: slo.objective, window: br.budget_spend.window, windowS: secs(br.budget_spend.window), fraction: br.budget_spend.fraction, short: br.budget_spend.short, shortFactor: br.budget_spend.short_factor },
    })
  }
  for (const t of alerts.thresholds) {
    const c = t.condition
    const splitBy = c.type === 'circuit_open' ? 'vendor' : c.type === 'silence' ? 'service' : c.type === 'count' && c.by ? (c.by === 'provider' ? 'vendor' : c.by) : null
    rules.push({
      id: t.id, alertname: t.alertname, kind: 'threshold', severity: t.severity, forS: secs(t.for), slo: null,
      labels: { ...t.labels, ...(c.type === 'coverage' ? { user_group: c.user_group } : {}) }, summary: t.summary, description: t.description, runbook: t.runbook,
      condition: { type: 'threshold', condition: c, op: c.op, threshold: c.threshold }, splitBy: splitBy === 'region' ? null : splitBy,
    })
  }
  return rules
}

export function compileRuleSet(slosFile: SlosFile, alertsFile: AlertsFile, vendors: readonly VendorSla[]): RuleSet {
  const slos = expandSlos(slosFile, vendors)
  return {
    slos,
    rules: generateRules(slos, alertsFile, slosFile.critical_user_groups),
    criticalGroups: slosFile.critical_user_groups,
    keepFiringForS: secs(alertsFile.keep_firing_for),
    missingDataHoldS: secs(alertsFile.missing_data_hold),
    keepResolvedForS: secs(alertsFile.keep_resolved_for),
  }
}
