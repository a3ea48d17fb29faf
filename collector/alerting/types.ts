import type { AlertKind, AlertState, Severity, UserGroup } from '../../contract'
import type { EventFilter } from '../../dashboards/schema/filter'
import type { Condition, Op } from '../../dashboards/schema/alerts'

/** An SLO after generation: the file's SLOs plus one per vendor × channel. */
export interface Slo {
  id: string
  description: string
  metric: string | null
  kind: 'ratio' | 'latency' | 'coverage'
  objective: number
  window: string
  windowS: number
  minVolume: number
  vendor: string | null
  channel: string | null
  runbook: string
  /** Per user group objective (every group; those not in the file get `objective`). */
  groupObjectives: Record<UserGroup, number>
  total: EventFilter | null
  /** Ratio SLIs: the bad events; latency SLIs: null (bad = total slower than thresholdMs). */
  bad: EventFilter | null
  thresholdMs: number | null
  coverageGroup: UserGroup | null
  /** Game-day windows are left out of the budget (slos.yaml exclude_drills). */
  excludeDrills: boolean
}

export interface BurnCondition { type: 'burn'; slo: string; userGroup: UserGroup | null; objective: number; long: string; short: string; longS: number; shortS: number; factor: number }
export interface SpendCondition { type: 'spend'; slo: string; objective: number; window: string; windowS: number; fraction: number; short: string; shortFactor: number }
export interface ThresholdCondition { type: 'threshold'; condition: Condition; op: Op; threshold: number }
export type RuleCondition = BurnCondition | SpendCondition | ThresholdCondition

/** One alert rule. Threshold rules split into one alert per key (vendor, user group, service). */
export interface Rule {
  id: string
  alertname: string
  kind: AlertKind
  severity: Severity
  forS: number
  slo: string | null
  labels: Record<string, string>
  summary: string
  description: string
  runbook: string
  condition: RuleCondition
  /** Label that splits a threshold rule into alerts (vendor, user_group, service), if any. */
  splitBy: 'vendor' | 'user_group' | 'service' | null
}

export interface RuleSet {
  slos: Slo[]
  rules: Rule[]
  criticalGroups: UserGroup[]
  keepFiringForS: number
  missingDataHoldS: number
  keepResolvedForS: number
}

/** What the engine remembers about one alert between evaluations. */
export interface AlertMemory {
  state: AlertState
  /** Start of the current state (ms). */
  since: number
  /** Last evaluation (ms); null before the first. */
  lastEval: number | null
  /** Last time the condition held (ms). */
  lastActive: number | null
  /** Last time data was present (ms). */
  lastData: number | null
}

export const INITIAL: AlertMemory = { state: 'inactive', since: 0, lastEval: null, lastActive: null, lastData: null }

/** A window's counts for one SLO (and user group). */
export interface Counts { good: number; total: number }
