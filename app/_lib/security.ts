import { z } from 'zod'
import { AttackReport, Breakdown, BypassReport, EnrollmentReport, ExecutiveSnapshot, FailuresReport, FlowTimeline, RecoveryReport } from '../../contract/security'
import { SloStatus } from '../../contract/slo'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { parseFilters } from './filters'
import { parseRange, type Preset, resolveWindow } from './time-range'
import type { ExecutiveView, ExploreView, SecurityView, SloSummary } from './security-api'

/** Security, Executive and Explore pages: validate the request, read the collector's reports. */

type Params = { get(name: string): string | null }

function invalid(parameter: string, message: string): never {
  throw new ConsoleError('invalid_parameter', message, parameter)
}

/** The window of `?range=` / `?from=&to=`; without either, `fallback` (security reviews look at days, not the last hour). */
export function windowParams(params: Params, now: Date, fallback: Preset): { from: string; to: string; step: string } {
  const given = params.get('range') ?? params.get('from') ?? params.get('to')
  const range = given === null ? ({ ok: true, value: { kind: 'preset', preset: fallback } } as const) : parseRange(params, now)
  if (!range.ok) invalid(range.error.parameter, range.error.message)
  const w = resolveWindow(range.value, now)
  return { from: w.from.toISOString(), to: w.to.toISOString(), step: String(w.step) }
}

function filterParams(params: Params): Record<string, string | undefined> {
  const f = parseFilters(params)
  if (!f.ok) invalid(f.error.parameter, f.error.message)
  return f.value
}

export async function loadSecurity(params: Params, deps: CollectorDeps, now: Date, idpUrl?: string): Promise<SecurityView> {
  const q = { ...windowParams(params, now, '7d'), ...filterParams(params) }
  // One at a time: embedded chDB answers one query at a time anyway.
  const enrollment = await getFromCollector(deps, '/api/v1/security/enrollment', q, EnrollmentReport)
  const bypasses = await getFromCollector(deps, '/api/v1/security/bypasses', q, BypassReport)
  const recovery = await getFromCollector(deps, '/api/v1/security/recovery', q, RecoveryReport)
  const attacks = await getFromCollector(deps, '/api/v1/security/attacks', q, AttackReport)
  return { generatedAt: now.toISOString(), enrollment, bypasses, recovery, attacks, idpAdminUrl: idpUrl ? `${idpUrl}/admin` : null }
}

export const PERIODS = { week: 7 * 86400, month: 30 * 86400 } as const
export type Period = keyof typeof PERIODS

/** SLO engine answer (contract/slo.ts), only the fields this page reads: the engine may not be deployed. */
const SlosAnswer = z.object({ slos: z.array(SloStatus.pick({ id: true, description: true, budget_remaining: true, firing_alerts: true })) })

/** met / at risk (an alert firing or under a quarter of the budget left) / breached (budget spent). */
export function sloState(s: { budget_remaining: number | null; firing_alerts: string[] }): SloSummary['state'] {
  if (s.budget_remaining === null) return 'no_data'
  if (s.budget_remaining < 0) return 'breached'
  if (s.firing_alerts.length > 0 || s.budget_remaining < 0.25) return 'at_risk'
  return 'met'
}

async function loadSlos(deps: CollectorDeps): Promise<SloSummary[] | null> {
  try {
    const r = await getFromCollector(deps, '/api/v1/slos', {}, SlosAnswer)
    return r.slos.map((s) => ({ id: s.id, description: s.description, budgetRemaining: s.budget_remaining, state: sloState(s) }))
  } catch (err) {
    // 404 from a collector without the engine: "not configured", not an error of the page.
    if (err instanceof ConsoleError && err.code === 'collector_rejected') return null
    throw err
  }
}

export async function loadExecutive(params: Params, deps: CollectorDeps, now: Date): Promise<ExecutiveView> {
  const raw = params.get('period') ?? 'week'
  if (!(raw in PERIODS)) invalid('period', `invalid period: got "${raw.slice(0, 40)}", expected week or month`)
  const period = raw as Period
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000)
  const from = new Date(to.getTime() - PERIODS[period] * 1000)
  const snapshot = await getFromCollector(deps, '/api/v1/executive', { from: from.toISOString(), to: to.toISOString(), step: String(PERIODS[period]) }, ExecutiveSnapshot)
  return { generatedAt: now.toISOString(), period, snapshot, slos: await loadSlos(deps) }
}

export const EXPLORE_KEYS = ['factor', 'provider', 'region', 'user_group', 'client', 'outcome', 'reason', 'risk_level', 'country', 'attempt'] as const

export async function loadExplore(params: Params, deps: CollectorDeps, now: Date): Promise<ExploreView> {
  const w = windowParams(params, now, '24h')
  const filters: Record<string, string> = {}
  for (const k of EXPLORE_KEYS) {
    const v = params.get(k)
    if (v) filters[k] = v
  }
  // The collector validates the extra dimensions and names a bad one; that is passed on as 400.
  const failures = await rejectAsInvalid(() => getFromCollector(deps, '/api/v1/explore/failures', { ...w, ...filters, limit: '200' }, FailuresReport))
  const scope = filterParams(params)
  const breakdown = await getFromCollector(deps, '/api/v1/explore/breakdown', { ...w, ...scope }, Breakdown)
  return { generatedAt: now.toISOString(), filters, failures, breakdown }
}

export async function loadFlow(params: Params, deps: CollectorDeps): Promise<FlowTimeline> {
  const id = params.get('flow')
  if (!id) invalid('flow', 'missing flow: expected the flow id of one sign-in')
  return rejectAsInvalid(() => getFromCollector(deps, '/api/v1/explore/flow', { flow_id: id }, FlowTimeline))
}

async function rejectAsInvalid<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (err) {
    if (err instanceof ConsoleError && err.code === 'collector_rejected' && err.parameter) invalid(err.parameter, err.message.replace(/^collector rejected [^:]*: /, ''))
    throw err
  }
}

