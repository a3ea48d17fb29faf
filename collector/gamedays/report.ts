import type { ClickHouseClient } from '@clickhouse/client'
import type { ExpectationResult, GameDay, GameDayReport, TimelineEntry } from '../../contract'
import type { Scenario } from '../../dashboards/schema/gameday'
import { budgetSpent, round } from '../alerting/burn'
import { RAW_SOURCE, ROLLUP_1H_SOURCE, rollupable, sloCountsSql } from '../alerting/sql'
import type { Slo } from '../alerting/types'
import { runSql } from '../query/run'
import { num } from '../query/sql'
import type { Row } from '../query/types'
import { type DrillFacts, type Firing, evaluateExpectations, shapeFirings } from './readings'
import { alertFiringsSql, breakerOpensSql } from './readings-sql'
import { affectedSql, endingsSql, firstFailoverSql, firstSymptomSql } from './report-sql'

/**
 * The report of one game day: what happened when (timeline), how fast FactorWatch noticed
 * (time to detect: first fault → first alert of the drill) and how fast the IdP moved traffic
 * (time to fail over: first fault → first fallback that then succeeded), the error budget the
 * drill spent, who was touched, and whether each expectation held. Read from stored events and
 * alert_history once the drill ends (or while it runs, as a preview).
 */

/** Baseline for "back to normal": the half hour before the drill. */
export const BASELINE_MS = 30 * 60_000
/** A minute needs this many finished sign-ins to say anything about success. */
export const MIN_MINUTE_FLOWS = 3
/** Success within this of the baseline is normal again. */
export const RECOVERY_TOLERANCE = 0.02

const iso = (ms: number) => new Date(ms).toISOString()
const parse = (s: string | null | undefined) => (s ? Date.parse(s) : null)

/** What a run and its scenario say about where and when faults were. */
export interface RunShape {
  facts: DrillFacts
  vendors: string[]
  /** Values a fallback away from the faulted thing carries in fallback_from: vendors and the channels of the steps. */
  fallbackFrom: string[]
}

export function runShape(run: GameDay, scenario: Pick<Scenario, 'steps'>, now: number): RunShape {
  const startMs = parse(run.started_at) ?? parse(run.starts_at) ?? now
  const endMs = Math.max(startMs, parse(run.ended_at) ?? now)
  const faults = run.steps.filter((s) => s.target !== 'runbook' && s.applied_at !== null).map((s) => Date.parse(s.applied_at!))
  const vendors = [...new Set(scenario.steps.map((s) => s.vendor).filter((v): v is string => !!v))].sort()
  const channels = scenario.steps.map((s) => ('channel' in s ? s.channel : '*')).filter((c) => c !== '*')
  return { facts: { id: run.id, startMs, firstFaultMs: faults.length > 0 ? Math.min(...faults) : startMs, endMs }, vendors, fallbackFrom: [...new Set([...vendors, ...channels])].sort() }
}

/**
 * Pure: when users were back to normal. Baseline = success of challenged sign-ins in the half
 * hour before the drill (0.99 without enough of them); recovery = the first minute at or after
 * the first symptom that is back within RECOVERY_TOLERANCE of it, after at least one minute
 * that was not. null when success never dipped (or never came back).
 */
export function findRecovery(rows: readonly Row[], startMs: number, symptomMs: number | null): { at: number | null; baseline: number; dipped: boolean } {
  const before = rows.filter((r) => num(r.b) < startMs)
  const bn = before.reduce((a, r) => a + num(r.n), 0)
  const baseline = bn >= 10 ? before.reduce((a, r) => a + num(r.ok), 0) / bn : 0.99
  if (symptomMs === null) return { at: null, baseline, dipped: false }
  let dipped = false
  for (const r of rows) {
    if (num(r.b) + 60_000 <= symptomMs || num(r.n) < MIN_MINUTE_FLOWS) continue
    const normal = num(r.ok) / num(r.n) >= baseline - RECOVERY_TOLERANCE
    if (!normal) dipped = true
    else if (dipped) return { at: num(r.b), baseline, dipped }
  }
  return { at: null, baseline, dipped }
}

/** Everything read from storage for one report. */
export interface ReportData {
  symptom: Row | null
  failover: Row | null
  firings: Firing[]
  breakerOpen: Array<{ vendor: string; t: number }>
  endings: Row[]
  affected: Row[]
  budget: GameDayReport['budget_spent']
  expectations: ExpectationResult[]
}

/** Console links for the drill window (a few minutes either side). */
export function chartLinks(vendors: readonly string[], fromMs: number, toMs: number): GameDayReport['charts'] {
  const range = `from=${encodeURIComponent(iso(fromMs))}&to=${encodeURIComponent(iso(toMs))}`
  return [
    { title: 'SLOs and error budgets', href: '/slos' },
    ...vendors.map((v) => ({ title: `Sub-processor ${v}`, href: `/subprocessors?vendor=${encodeURIComponent(v)}&${range}` })),
    { title: 'Alerts during the drill', href: `/alerts?${range}` },
    { title: 'Failed challenges and flows', href: `/explore?${range}` },
  ]
}

/** Pure: the report from the run, its scenario and what storage held. */
export function assembleReport(run: GameDay, scenario: Pick<Scenario, 'hypothesis' | 'steps'>, shape: RunShape, d: ReportData): GameDayReport {
  const { facts } = shape
  const tl: TimelineEntry[] = [{ at: iso(facts.startMs), kind: 'started', detail: `${run.name} (${run.scenario})${run.dry_run ? ', dry run' : ''}` }]
  for (const s of run.steps) if (s.applied_at) tl.push({ at: s.applied_at, kind: 'fault_applied', detail: s.summary })
  const symptomMs = d.symptom ? num(d.symptom.t) : null
  if (d.symptom) tl.push({ at: iso(symptomMs!), kind: 'first_symptom', detail: `${d.symptom.event}${d.symptom.provider ? ` ${d.symptom.provider}` : ''}: ${d.symptom.reason || d.symptom.outcome}` })
  const drillFirings = d.firings.filter((f) => f.labels.gameday === run.id && f.t >= facts.firstFaultMs)
  const firstAlert = drillFirings[0] ?? null
  if (firstAlert) tl.push({ at: iso(firstAlert.t), kind: 'first_alert', detail: `${firstAlert.alertname} (${firstAlert.alertId})` })
  for (const b of d.breakerOpen) tl.push({ at: iso(b.t), kind: 'breaker_open', detail: `circuit open for ${b.vendor}` })
  const failoverMs = d.failover ? num(d.failover.t) : null
  if (d.failover) tl.push({ at: iso(failoverMs!), kind: 'fallback', detail: `first successful fallback ${d.failover.fb_from} → ${d.failover.fb_to}` })
  const rec = findRecovery(d.endings, facts.startMs, symptomMs)
  if (rec.at !== null) tl.push({ at: iso(rec.at), kind: 'recovery', detail: `sign-in success back within ${RECOVERY_TOLERANCE * 100} points of the baseline ${round(rec.baseline * 100)} %` })
  for (const s of run.steps) if (s.reverted_at) tl.push({ at: s.reverted_at, kind: 'fault_reverted', detail: s.summary })
  if (run.ended_at && run.end_reason?.startsWith('aborted')) tl.push({ at: run.ended_at, kind: 'aborted', detail: run.end_reason === 'aborted_guardrail' ? 'a guardrail tripped' : 'aborted by an operator' })
  if (run.ended_at) tl.push({ at: run.ended_at, kind: 'ended', detail: run.end_reason ?? 'ended' })
  const order = (k: TimelineEntry['kind']) => ['started', 'fault_applied', 'first_symptom', 'breaker_open', 'fallback', 'first_alert', 'recovery', 'fault_reverted', 'aborted', 'ended'].indexOf(k)
  tl.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order(a.kind) - order(b.kind))
  return {
    hypothesis: scenario.hypothesis.trim(),
    timeline: tl,
    time_to_detect_seconds: firstAlert ? round((firstAlert.t - facts.firstFaultMs) / 1000) : null,
    time_to_failover_seconds: failoverMs !== null ? round(Math.max(0, failoverMs - facts.firstFaultMs) / 1000) : null,
    budget_spent: d.budget,
    affected: d.affected.map((r) => ({ user_group: String(r.user_group), users: num(r.users), flows: num(r.flows), failed_flows: num(r.failed_flows) })),
    expectations: d.expectations,
    charts: chartLinks(shape.vendors, facts.startMs - 5 * 60_000, facts.endMs + 5 * 60_000),
  }
}

/** Sums over every row of sloCountsSql: per SLO index, total and bad. */
function sumCounts(rows: readonly Row[], n: number): Array<{ total: number; bad: number }> {
  const out = Array.from({ length: n }, () => ({ total: 0, bad: 0 }))
  for (const r of rows) for (let i = 0; i < n; i++) {
    out[i].total += num(r[`t${i}`] ?? 0)
    out[i].bad += num(r[`b${i}`] ?? 0)
  }
  return out
}

/** Buckets so wide that a window is one or two of them: the counts are summed anyway. */
const ONE_BUCKET_S = 400 * 86_400

/** Total and bad counts of each SLO over [from, to): whole hours from the hourly rollup where the SLO allows it, raw events otherwise. */
async function windowTotals(client: ClickHouseClient, list: readonly Slo[], fromMs: number, toMs: number): Promise<Array<{ total: number; bad: number }>> {
  const out = list.map(() => ({ total: 0, bad: 0 }))
  const add = (rows: Row[], idx: number[]) => sumCounts(rows, idx.length).forEach((c, j) => {
    out[idx[j]].total += c.total
    out[idx[j]].bad += c.bad
  })
  const roll = list.map((s, i) => (rollupable(s) ? i : -1)).filter((i) => i >= 0)
  const raw = list.map((_, i) => i).filter((i) => !roll.includes(i))
  const hourEnd = Math.floor(toMs / 3_600_000) * 3_600_000
  if (roll.length > 0) {
    add(await runSql(client, sloCountsSql(roll.map((i) => list[i]), ROLLUP_1H_SOURCE, ONE_BUCKET_S, fromMs, hourEnd)), roll)
    add(await runSql(client, sloCountsSql(roll.map((i) => list[i]), RAW_SOURCE, ONE_BUCKET_S, hourEnd, toMs)), roll)
  }
  if (raw.length > 0) add(await runSql(client, sloCountsSql(raw.map((i) => list[i]), RAW_SOURCE, ONE_BUCKET_S, fromMs, toMs)), raw)
  return out
}

/**
 * Budget spent by the drill per SLO: bad events during the drill ÷ the budget of the SLO's
 * window ending at the drill's end. SLOs that exclude drills are listed with excluded: true
 * (the figure is what the drill would have cost them). Only SLOs the drill hurt are listed.
 */
export async function budgetSpentBy(client: ClickHouseClient, slos: readonly Slo[], fromMs: number, toMs: number): Promise<GameDayReport['budget_spent']> {
  const countable = slos.filter((s) => s.kind !== 'coverage' && s.total)
  if (countable.length === 0) return []
  const during = sumCounts(await runSql(client, sloCountsSql(countable, RAW_SOURCE, ONE_BUCKET_S, fromMs, toMs)), countable.length)
  const hurt = countable.map((slo, i) => ({ slo, d: during[i] })).filter((x) => x.d.bad > 0)
  const out: GameDayReport['budget_spent'] = []
  for (const windowS of new Set(hurt.map((x) => x.slo.windowS))) {
    const list = hurt.filter((x) => x.slo.windowS === windowS)
    const totals = await windowTotals(client, list.map((x) => x.slo), toMs - windowS * 1000, toMs)
    list.forEach(({ slo, d }, i) => {
      const spent = budgetSpent({ good: d.total - d.bad, total: d.total }, { good: totals[i].total - totals[i].bad, total: totals[i].total }, slo.objective, slo.minVolume)
      out.push({ slo: slo.id, fraction: spent === null ? null : round(spent), excluded: slo.excludeDrills })
    })
  }
  return out.sort((a, b) => (b.fraction ?? -1) - (a.fraction ?? -1) || a.slo.localeCompare(b.slo))
}

/** Read everything and build the report of a run (finished, or so far at `now`). */
export async function buildReport(client: ClickHouseClient, run: GameDay, scenario: Scenario, slos: readonly Slo[], now: number): Promise<GameDayReport> {
  const shape = runShape(run, scenario, now)
  const { facts } = shape
  const to = facts.endMs + 1
  // Symptoms and recovery may trail the revert: look a few minutes past the end.
  const tail = Math.min(now + 1, facts.endMs + 10 * 60_000)
  const symptom = (await runSql(client, firstSymptomSql(shape.vendors, run.id, facts.firstFaultMs, Math.max(to, tail))))[0] ?? null
  const failover = (await runSql(client, firstFailoverSql(shape.fallbackFrom, facts.firstFaultMs, to)))[0] ?? null
  const firings = shapeFirings(await runSql(client, alertFiringsSql(facts.startMs, Math.max(to, tail))))
  const breakerOpen = (await runSql(client, breakerOpensSql(facts.firstFaultMs, to)))
    .filter((r) => shape.vendors.length === 0 || shape.vendors.includes(String(r.provider)))
    .map((r) => ({ vendor: String(r.provider), t: num(r.t) }))
  const endings = await runSql(client, endingsSql(facts.startMs - BASELINE_MS, Math.max(to, tail)))
  const affected = await runSql(client, affectedSql(shape.vendors, run.id, facts.firstFaultMs, to))
  const budget = await budgetSpentBy(client, slos, facts.startMs, to)
  const expectations = await evaluateExpectations(client, scenario.expectations, facts)
  return assembleReport(run, scenario, shape, { symptom, failover, firings, breakerOpen, endings, affected, budget, expectations })
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const secondsText = (s: number | null) => (s === null ? 'not observed' : `${s} s`)
const heldText = (h: boolean | null) => (h === null ? 'not judged' : h ? 'held' : 'did not hold')

/** The report as Markdown, for the download beside the JSON. */
export function reportMarkdown(report: GameDayReport, run: GameDay): string {
  const lines = [
    `# Game day: ${run.name}`,
    '',
    `Scenario \`${run.scenario}\`, id \`${run.id}\`, ${run.dry_run ? 'dry run, ' : ''}state ${run.state}${run.end_reason ? ` (${run.end_reason})` : ''}.`,
    `Started ${run.started_at ?? 'never'}, ended ${run.ended_at ?? 'not yet'}. Blast radius: ${run.blast_radius}`,
    '',
    '## Hypothesis',
    '',
    report.hypothesis,
    '',
    '## Results',
    '',
    `- Time to detect (first fault → first alert of the drill): ${secondsText(report.time_to_detect_seconds)}`,
    `- Time to fail over (first fault → first successful fallback): ${secondsText(report.time_to_failover_seconds)}`,
    '',
    '## Expectations',
    '',
    '| expectation | result | observed |',
    '| --- | --- | --- |',
    ...report.expectations.map((e) => `| ${cell(e.description)} | ${heldText(e.held)} | ${cell(e.observed)} |`),
    '',
    '## Timeline',
    '',
    '| time (UTC) | what | detail |',
    '| --- | --- | --- |',
    ...report.timeline.map((t) => `| ${t.at} | ${t.kind.replace('_', ' ')} | ${cell(t.detail)} |`),
    '',
    '## Error budget spent',
    '',
    ...(report.budget_spent.length === 0
      ? ['No SLO had bad events during the drill.']
      : ['| SLO | share of the window\'s budget | charged |', '| --- | --- | --- |',
        ...report.budget_spent.map((b) => `| ${b.slo} | ${b.fraction === null ? 'not enough data' : `${round(b.fraction * 100)} %`} | ${b.excluded ? 'no (the SLO excludes drills)' : 'yes'} |`)]),
    '',
    '## Who was affected',
    '',
    ...(report.affected.length === 0
      ? ['No user-group traffic during the drill.']
      : ['| user group | users with a failed step | flows | flows with a failed step |', '| --- | --- | --- | --- |',
        ...report.affected.map((a) => `| ${a.user_group} | ${a.users} | ${a.flows} | ${a.failed_flows} |`)]),
    '',
    '## Charts',
    '',
    ...report.charts.map((c) => `- [${c.title}](${c.href})`),
    '',
  ]
  return lines.join('\n')
}
