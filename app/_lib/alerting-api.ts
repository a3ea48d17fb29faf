/**
 * What the On-call, SLOs and Alerts route handlers answer (`/api/oncall`, `/api/slos`,
 * `/api/alerts`, `/api/silences`, `/api/runbooks/:name`). Types only: shared by the handlers
 * (server) and the React Query hooks (client). Collector shapes come from contract/slo.ts.
 */
import type { AlertState, AlertStatus, AlertTransition, Severity, Silence, SliReading } from '../../contract/slo'

export type { AlertState, AlertStatus, AlertTransition, Severity, Silence }

export interface Window { from: string; to: string; step: number }

/** One multi-window pair of the SRE workbook: both windows at or over `factor` → the alert fires. */
export interface BurnPair {
  severity: Severity
  long: string
  short: string
  factor: number
  longRate: number | null
  shortRate: number | null
  /** Both windows at or over the factor; null when either has too little data. */
  burning: boolean | null
}

export interface AttributionView {
  dimension: 'factor' | 'provider' | 'region' | 'user_group'
  label: string
  rows: { key: string; bad: number; share: number }[]
}

/** no_budget: an objective of 100 % allows no bad event, so there is no budget to spend (met or not). */
export type BudgetStatus = 'healthy' | 'low' | 'exhausted' | 'no_data' | 'no_budget'

export interface SloCard {
  id: string
  description: string
  metric: string | null
  kind: 'ratio' | 'latency'
  /** Percent as written in slos.yaml. */
  objective: number
  window: string
  vendor: string | null
  channel: string | null
  sli: SliReading
  minVolume: number
  /** Fraction of the budget left (1 untouched, < 0 overspent); null without enough data. */
  budgetRemaining: number | null
  /** Bad events still allowed over the window (negative: overspent); null without enough data. */
  eventsLeft: number | null
  budgetStatus: BudgetStatus
  /** SLI at or above the objective; null without enough data. */
  met: boolean | null
  burnPairs: BurnPair[]
  burnDown: { t: number; v: number | null }[]
  attribution: AttributionView[]
  userGroups: { userGroup: string; objective: number; critical: boolean; sli: SliReading; budgetRemaining: number | null }[]
  firingAlerts: string[]
}

export interface SlosView {
  generatedAt: string
  slos: SloCard[]
  counts: { total: number; exhausted: number; low: number; noData: number; burning: number; missed: number }
}

export interface ActiveAlert {
  id: string
  alertname: string
  severity: Severity
  state: AlertState
  since: string | null
  summary: string
  reason: string
  runbook: string
  runbookUrl: string
  labels: Record<string, string>
  silenced: boolean
  /** Other alerts of the same root cause, folded under this one. */
  grouped: string[]
}

export interface ProviderStatus {
  provider: string
  channel: string
  status: 'outage' | 'degraded' | 'ok' | 'idle'
  circuit: string | null
  availability: number | null
  requests: number
}

export interface OncallView {
  generatedAt: string
  /** The collector's clock when it answered the alerts: ages ("since") are counted from it. */
  alertsAt: string
  window: Window
  active: ActiveAlert[]
  counts: { firing: number; pending: number; page: number; silenced: number }
  errorRate: { value: number | null; attempts: number; split: { systemError: number | null; bruteForce: number | null; userError: number | null }; series: { t: number; v: number | null }[] }
  latency: { p95: number | null; p99: number | null; series: { t: number; p95: number | null; p99: number | null }[] }
  providers: ProviderStatus[]
  recovery: { open: number; requested: number; closed: number; lookbackDays: number }
}

/** One alert's states across the window, for the history timeline. */
export interface TimelineLane {
  alertId: string
  alertname: string
  severity: Severity
  segments: { from: number; to: number; state: AlertState }[]
}

export interface AlertsView {
  generatedAt: string
  /** The collector's clock when it answered the alerts: ages ("since") are counted from it. */
  alertsAt: string
  window: Window
  rules: AlertStatus[]
  counts: Record<AlertState, number>
  history: AlertTransition[]
  lanes: TimelineLane[]
  silences: Silence[]
}

export interface RunbookView { name: string; title: string; markdown: string }
