import { AlertHistoryResponse, type AlertState, type AlertStatus, AlertsResponse, type AlertTransition, RunbookResponse, SilencesResponse } from '../../contract/slo'
import type { ActiveAlert, AlertsView, TimelineLane } from './alerting-api'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { parseRange, type QueryWindow, resolveWindow } from './time-range'

type Params = { get(name: string): string | null }

const STATE_RANK: Record<AlertState, number> = { firing: 0, pending: 1, resolved: 2, inactive: 3 }

/** Firing before pending before the rest; pages before tickets; oldest trouble first. */
export function compareAlerts(a: AlertStatus, b: AlertStatus): number {
  return (
    STATE_RANK[a.state] - STATE_RANK[b.state] ||
    Number(a.severity === 'ticket') - Number(b.severity === 'ticket') ||
    (a.since ?? '').localeCompare(b.since ?? '') ||
    a.alertname.localeCompare(b.alertname) ||
    a.id.localeCompare(b.id)
  )
}

/**
 * What needs someone now: firing and pending alerts, one per root cause (those grouped under
 * another are folded into it, as the notifications are).
 */
export function activeAlerts(alerts: AlertStatus[]): ActiveAlert[] {
  return alerts
    .filter((a) => (a.state === 'firing' || a.state === 'pending') && a.grouped_under === null)
    .sort(compareAlerts)
    .map((a) => ({
      id: a.id,
      alertname: a.alertname,
      severity: a.severity,
      state: a.state,
      since: a.since,
      summary: a.annotations.summary,
      reason: a.reason,
      runbook: a.runbook,
      runbookUrl: a.annotations.runbook_url,
      labels: a.labels,
      silenced: a.silenced_by.length > 0 || a.in_maintenance.length > 0,
      grouped: a.grouped,
    }))
}

/**
 * Each alert's states across the window, from its transitions (any order) and its state now.
 * The state before the first transition in the window is that transition's `from`; an alert
 * without transitions holds its current state over the whole window. Lanes of alerts that were
 * inactive throughout are left out.
 */
export function timelineLanes(transitions: AlertTransition[], alerts: AlertStatus[], window: { from: number; to: number }): TimelineLane[] {
  const byAlert = new Map<string, AlertTransition[]>()
  for (const t of transitions) {
    const ts = Date.parse(t.ts)
    if (ts < window.from || ts > window.to) continue
    byAlert.set(t.alert_id, [...(byAlert.get(t.alert_id) ?? []), t])
  }
  const known = new Map(alerts.map((a) => [a.id, a]))
  const ids = new Set([...byAlert.keys(), ...alerts.map((a) => a.id)])
  const lanes: TimelineLane[] = []
  for (const id of ids) {
    const ts = (byAlert.get(id) ?? []).sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))
    const alert = known.get(id)
    const segments: TimelineLane['segments'] = []
    let state: AlertState = ts[0]?.from ?? alert?.state ?? 'inactive'
    let at = window.from
    for (const t of ts) {
      const tAt = Date.parse(t.ts)
      if (tAt > at) segments.push({ from: at, to: tAt, state })
      state = t.to
      at = tAt
    }
    if (window.to > at) segments.push({ from: at, to: window.to, state })
    if (segments.every((s) => s.state === 'inactive')) continue
    const first = ts[0]
    lanes.push({ alertId: id, alertname: alert?.alertname ?? first.alertname, severity: alert?.severity ?? first.severity, segments })
  }
  return lanes.sort((a, b) => Number(a.severity === 'ticket') - Number(b.severity === 'ticket') || a.alertname.localeCompare(b.alertname) || a.alertId.localeCompare(b.alertId))
}

export function buildAlerts(window: QueryWindow, alerts: AlertsResponse, history: AlertHistoryResponse, silences: SilencesResponse, now: Date): AlertsView {
  const counts: AlertsView['counts'] = { firing: 0, pending: 0, resolved: 0, inactive: 0 }
  for (const a of alerts.alerts) counts[a.state]++
  return {
    generatedAt: now.toISOString(),
    alertsAt: alerts.generated_at,
    window: { from: window.from.toISOString(), to: window.to.toISOString(), step: window.step },
    rules: [...alerts.alerts].sort(compareAlerts),
    counts,
    history: [...history.transitions].sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts)),
    lanes: timelineLanes(history.transitions, alerts.alerts, { from: window.from.getTime(), to: window.to.getTime() }),
    // Active and pending first, then the most recently ended.
    silences: [...silences.silences].sort((a, b) => Number(a.state === 'expired') - Number(b.state === 'expired') || b.endsAt.localeCompare(a.endsAt)),
  }
}

/** Transitions the Alerts page asks for at most (newest first). */
export const HISTORY_LIMIT = 500

export async function loadAlerts(params: Params, deps: CollectorDeps, now: Date): Promise<AlertsView> {
  const range = parseRange(params, now)
  if (!range.ok) throw new ConsoleError('invalid_parameter', range.error.message, range.error.parameter)
  const window = resolveWindow(range.value, now)
  const [alerts, history, silences] = await Promise.all([
    getFromCollector(deps, '/api/v1/alerts', {}, AlertsResponse),
    getFromCollector(deps, '/api/v1/alerts/history', { from: window.from.toISOString(), to: window.to.toISOString(), limit: String(HISTORY_LIMIT) }, AlertHistoryResponse),
    getFromCollector(deps, '/api/v1/silences', {}, SilencesResponse),
  ])
  return buildAlerts(window, alerts, history, silences, now)
}

const RUNBOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** A runbook's markdown as the collector serves it (dashboards/runbooks/<name>.md). */
export async function loadRunbook(name: string, deps: CollectorDeps): Promise<RunbookResponse> {
  if (!RUNBOOK_NAME.test(name)) throw new ConsoleError('invalid_parameter', `invalid runbook name: got "${name.slice(0, 80)}", expected lower-case letters, digits, "-" or "_"`, 'name')
  try {
    return await getFromCollector(deps, `/api/v1/runbooks/${name}`, {}, RunbookResponse)
  } catch (err) {
    if (err instanceof ConsoleError && /HTTP 404/.test(err.message)) throw new ConsoleError('not_found', `no runbook "${name}" on the collector`)
    throw err
  }
}
