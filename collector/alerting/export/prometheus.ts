import type { EventFilter } from '../../../dashboards/schema/filter'
import { fill } from '../compile'
import type { Rule, RuleSet, Slo } from '../types'

/**
 * Prometheus recording and alerting rules for the same SLOs and alerts, over the reference
 * IdP's prom-client metrics (reference-idp/telemetry/metrics.ts). Those metrics carry no user
 * group (bounded labels), so the page tier is exported over all traffic; SLOs whose events have
 * no metric are listed in `skipped` with the reason instead of being approximated silently.
 */

interface PromSli { errors: (w: string) => string; total: (w: string) => string; note?: string }
export interface PromExport { file: { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> }; skipped: Array<{ id: string; reason: string }> }

const re = (values: readonly string[]) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')
function matchers(parts: Array<[string, readonly string[] | undefined]>): string {
  const m = parts.filter(([, v]) => v && v.length > 0).map(([k, v]) => (v!.length === 1 ? `${k}="${v![0]}"` : `${k}=~"${re(v!)}"`))
  return m.length === 0 ? '' : `{${m.join(',')}}`
}
const sumIncrease = (metric: string, sel: string, w: string) => `sum(increase(${metric}${sel}[${w}]))`
const only = (f: EventFilter, allowed: readonly string[]) => Object.entries(f).every(([k, v]) => k === 'event' || v === undefined || allowed.includes(k))

/** Histogram buckets of idp_mfa_challenge_to_verify_seconds. */
const LATENCY_BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300]

export function promSli(slo: Slo): PromSli | { skip: string } {
  const t = slo.total
  if (!t) return { skip: 'coverage SLO: exported as the AdminEnrollmentIncomplete alert on idp_accounts_without_mfa' }
  if (slo.kind === 'latency') {
    if (t.event !== 'mfa.challenge.verified' || !only(t, ['factor', 'outcome'])) return { skip: 'latency over events without a histogram' }
    const le = [...LATENCY_BUCKETS_S].reverse().find((b) => b * 1000 <= (slo.thresholdMs ?? 0))
    if (le === undefined) return { skip: `no histogram bucket at or below ${slo.thresholdMs} ms` }
    const factor = matchers([['factor', t.factor]]).slice(1, -1)
    const sel = (extra: string) => {
      const all = [factor, extra].filter(Boolean)
      return all.length === 0 ? '' : `{${all.join(',')}}`
    }
    const note = le * 1000 === slo.thresholdMs ? undefined : `threshold ${slo.thresholdMs} ms measured at the ${le} s bucket (stricter)`
    return {
      errors: (w) => `(${sumIncrease('idp_mfa_challenge_to_verify_seconds_count', sel(''), w)} - ${sumIncrease('idp_mfa_challenge_to_verify_seconds_bucket', sel(`le="${le}"`), w)})`,
      total: (w) => sumIncrease('idp_mfa_challenge_to_verify_seconds_count', sel(''), w),
      note,
    }
  }
  const b = slo.bad!
  if (t.event === 'mfa.login.completed' && b.event === t.event && only(t, ['outcome', 'reason']) && only(b, ['outcome', 'reason'])) {
    const sel = (f: EventFilter) => matchers([['outcome', f.outcome], ['reason', f.reason]])
    return { errors: (w) => sumIncrease('idp_logins_completed_total', sel(b), w), total: (w) => sumIncrease('idp_logins_completed_total', sel(t), w) }
  }
  if (t.event === 'mfa.challenge.verified' && b.event === t.event && only(t, ['factor', 'outcome']) && only(b, ['factor', 'outcome'])) {
    const sel = (f: EventFilter) => matchers([['factor', f.factor], ['outcome', f.outcome]])
    return { errors: (w) => sumIncrease('idp_mfa_verifications_total', sel(b), w), total: (w) => sumIncrease('idp_mfa_verifications_total', sel(t), w) }
  }
  if (t.event === 'mfa.provider.request' && b.event === t.event && only(t, ['provider', 'channel']) && only(b, ['provider', 'channel', 'reason'])) {
    // The counter has outcome success|error, not the reason: every failed call counts as bad.
    const base: Array<[string, readonly string[] | undefined]> = [['provider', t.provider], ['channel', t.channel]]
    return {
      errors: (w) => sumIncrease('idp_provider_requests_total', matchers([...base, ['outcome', ['error']]]), w),
      total: (w) => sumIncrease('idp_provider_requests_total', matchers(base), w),
      note: 'every failed call counts as bad (the counter has no reason label)',
    }
  }
  if (t.event === 'mfa.challenge.issued' && only(t, []) && b.event === 'mfa.fallback' && only(b, ['reason'])) {
    return {
      errors: (w) => sumIncrease('idp_fallbacks_total', matchers([['reason', b.reason]]), w),
      total: (w) => sumIncrease('idp_telemetry_events_total', '{event="mfa.challenge.issued"}', w),
    }
  }
  return { skip: `no IdP metric carries ${t.event}${b.event !== t.event ? ` / ${b.event}` : ''} with these filters` }
}

const record = (w: string) => `slo:sli_error:ratio_rate${w}`

function annotations(rule: Rule, slo: Slo | undefined, runbookBase: string, note?: string): Record<string, string> {
  const v = { slo: slo?.id, vendor: slo?.vendor ?? '{{ $labels.provider }}', channel: slo?.channel, user_group: 'all groups', value: '{{ $value | humanize }}', objective: slo?.objective, description: slo?.description, service: '{{ $labels.job }}' }
  return { summary: fill(rule.summary, v), description: fill(rule.description, v) + (note ? ` (Prometheus export: ${note}.)` : ''), runbook_url: `${runbookBase}/${rule.runbook}.md` }
}

export function prometheusRules(set: RuleSet, runbookBase: string): PromExport {
  const skipped: PromExport['skipped'] = []
  const groups: PromExport['file']['groups'] = []
  const slos = new Map(set.slos.map((s) => [s.id, s]))
  for (const slo of set.slos) {
    const sli = promSli(slo)
    if ('skip' in sli) {
      skipped.push({ id: slo.id, reason: sli.skip })
      continue
    }
    const burnRules = set.rules.filter((r) => r.slo === slo.id)
    const windows = new Set<string>()
    for (const r of burnRules) {
      if (r.condition.type === 'burn') windows.add(r.condition.long).add(r.condition.short)
      if (r.condition.type === 'spend') windows.add(r.condition.window).add(r.condition.short)
    }
    const labels = { slo: slo.id, ...(slo.vendor ? { vendor: slo.vendor } : {}), ...(slo.channel ? { channel: slo.channel } : {}) }
    const sel = `{slo="${slo.id}"}`
    const rules: Array<Record<string, unknown>> = [...windows].map((w) => ({ record: record(w), expr: `${sli.errors(w)} / ${sli.total(w)}`, labels }))
    const allowed = 1 - slo.objective / 100
    const seen = new Set<string>()
    for (const r of burnRules) {
      const c = r.condition
      if (c.type === 'burn') {
        // One alert per window pair (no user group in the metrics); the page tier pages.
        const key = `${c.long}-${c.short}`
        if (seen.has(key)) continue
        seen.add(key)
        const severity = c.userGroup === null ? r.severity : 'page'
        rules.push({
          alert: r.alertname, expr: `${record(c.long)}${sel} > (${c.factor} * ${round(allowed)}) and ${record(c.short)}${sel} > (${c.factor} * ${round(allowed)})`,
          for: `${r.forS}s`, labels: { severity, ...labels, window: key }, annotations: annotations(r, slo, runbookBase, sli.note),
        })
      } else if (c.type === 'spend') {
        rules.push({
          alert: r.alertname, expr: `(${sli.errors(c.window)} / (${sli.total(slo.window)} * ${round(allowed)})) > ${c.fraction} and ${record(c.short)}${sel} > (${c.shortFactor} * ${round(allowed)})`,
          for: `${r.forS}s`, labels: { severity: r.severity, ...labels }, annotations: annotations(r, slo, runbookBase, sli.note),
        })
      }
    }
    groups.push({ name: `slo-${slo.id}`, rules })
  }
  const thresholds: Array<Record<string, unknown>> = []
  for (const r of set.rules) {
    if (r.condition.type !== 'threshold') continue
    const c = r.condition.condition
    let expr: string | null = null
    if (c.type === 'circuit_open') expr = 'max by (provider) (idp_circuit_state) == 2'
    else if (c.type === 'coverage') expr = `sum(idp_accounts_without_mfa{user_group="${c.user_group}"}) > 0`
    else if (c.type === 'silence') expr = `sum by (job) (rate(idp_telemetry_events_total[10m])) == 0`
    else if (c.filter.event === 'mfa.lockout') expr = `sum(increase(idp_lockouts_total${matchers([['reason', c.filter.reason]])}[${c.window}])) ${c.op} ${c.threshold}`
    if (expr === null) {
      skipped.push({ id: r.id, reason: `no IdP metric carries ${c.type === 'count' ? c.filter.event : c.type}` })
      continue
    }
    thresholds.push({ alert: r.alertname, expr, for: `${r.forS}s`, labels: { severity: r.severity, ...r.labels }, annotations: annotations(r, slos.get(r.slo ?? ''), runbookBase) })
  }
  groups.push({ name: 'factorwatch-thresholds', rules: thresholds })
  return { file: { groups }, skipped }
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9
}
