import { z } from 'zod'
import { UserGroup } from './enums'

/**
 * Read side of the collector's SLO and alerting API (query port, /api/v1). The collector
 * validates its responses against these schemas and the console parses them, so one
 * definition serves both. Fractions are 0..1; objectives are percentages as written in
 * dashboards/slos.yaml (99.5 means 99.5 %). Timestamps are ISO-8601 strings in UTC.
 */

export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const
export const BurnWindow = z.enum(BURN_WINDOWS)
export type BurnWindow = z.infer<typeof BurnWindow>

export const Severity = z.enum(['page', 'ticket'])
export type Severity = z.infer<typeof Severity>

export const AlertState = z.enum(['inactive', 'pending', 'firing', 'resolved'])
export type AlertState = z.infer<typeof AlertState>

export const SliStatus = z.enum(['ok', 'not_enough_data'])
export type SliStatus = z.infer<typeof SliStatus>

const isoTime = z.string().datetime({ offset: true })

/** An SLI reading: value is the good fraction (0..1), null when total < the SLO's minimum volume. */
export const SliReading = z.object({
  value: z.number().min(0).max(1).nullable(),
  status: SliStatus,
  good: z.number().nonnegative(),
  total: z.number().nonnegative(),
})
export type SliReading = z.infer<typeof SliReading>

export const UserGroupObjective = z.object({
  user_group: UserGroup,
  objective: z.number().gt(0).max(100),
  /** A critical group (set in slos.yaml) pages when affected; other groups open tickets. */
  critical: z.boolean(),
  sli: SliReading,
  /** Fraction of this group's error budget left over the window; null without enough data. */
  budget_remaining: z.number().nullable(),
})
export type UserGroupObjective = z.infer<typeof UserGroupObjective>

/** One key of an attribution dimension and the bad events it accounts for over the window. */
export const AttributionRow = z.object({
  key: z.string(),
  bad: z.number().nonnegative(),
  /** bad / all bad events of the SLO over the window (0..1). */
  share: z.number().min(0).max(1),
})
export type AttributionRow = z.infer<typeof AttributionRow>

export const Attribution = z.object({
  factor: z.array(AttributionRow),
  provider: z.array(AttributionRow),
  region: z.array(AttributionRow),
  user_group: z.array(AttributionRow),
})
export type Attribution = z.infer<typeof Attribution>

/** One point of the burn-down: budget remaining (fraction, may go below 0) at time ts. */
export const BurnDownPoint = z.object({ ts: isoTime, budget_remaining: z.number().nullable() })
export type BurnDownPoint = z.infer<typeof BurnDownPoint>

/**
 * M8 (admin enrollment) is a 'ratio' too: enrolled accounts / accounts from the latest snapshot,
 * objective 100, so budget_remaining and burn rates are null (no budget to burn).
 */
export const SloKind = z.enum(['ratio', 'latency'])
export type SloKind = z.infer<typeof SloKind>

export const SloStatus = z.object({
  id: z.string(),
  description: z.string(),
  /** M1..M10 when the SLO is defined over one of the guide's metrics. */
  metric: z.string().nullable(),
  kind: SloKind,
  objective: z.number().gt(0).max(100),
  /** As written in the file, e.g. "28d"; window_seconds is the same in seconds. */
  window: z.string(),
  window_seconds: z.number().int().positive(),
  min_volume: z.number().int().nonnegative(),
  /** Set for generated per-vendor availability SLOs. */
  vendor: z.string().nullable(),
  channel: z.string().nullable(),
  sli: SliReading,
  user_groups: z.array(UserGroupObjective),
  /** Fraction of the window's error budget left (1 = untouched, 0 = spent, < 0 = overspent). */
  budget_remaining: z.number().nullable(),
  /** Burn rate (error rate / allowed error rate) per window; null without enough data. */
  burn_rates: z.record(BurnWindow, z.number().nullable()),
  burn_down: z.array(BurnDownPoint),
  attribution: Attribution,
  /** Ids of alert rules generated for this SLO that are firing now. */
  firing_alerts: z.array(z.string()),
  /**
   * The SLO leaves game-day windows out of its error budget (slos.yaml exclude_drills): budget
   * remaining, user groups and the burn-down do not count them; burn rates (alerting) still do.
   */
  drills_excluded: z.boolean().optional(),
  /** Game-day windows left out over the SLO window. */
  excluded_drill_windows: z.number().int().nonnegative().optional(),
})
export type SloStatus = z.infer<typeof SloStatus>

/** GET /api/v1/slos[?id=ID] */
export const SlosResponse = z.object({ generated_at: isoTime, slos: z.array(SloStatus) })
export type SlosResponse = z.infer<typeof SlosResponse>

export const AlertKind = z.enum(['burn_rate', 'budget_spend', 'threshold'])
export type AlertKind = z.infer<typeof AlertKind>

export const AlertAnnotations = z.object({
  summary: z.string(),
  description: z.string(),
  runbook_url: z.string(),
})
export type AlertAnnotations = z.infer<typeof AlertAnnotations>

export const AlertStatus = z.object({
  /** Unique per rule instance (a rule may have one instance per vendor, channel, user group). */
  id: z.string(),
  rule_id: z.string(),
  alertname: z.string(),
  kind: AlertKind,
  severity: Severity,
  state: AlertState,
  /** When the current state began; null for a rule never evaluated. */
  since: isoTime.nullable(),
  for_seconds: z.number().int().nonnegative(),
  slo: z.string().nullable(),
  /** Always alertname and severity; slo, vendor, channel, user_group, gameday where they apply. */
  labels: z.record(z.string(), z.string()),
  annotations: AlertAnnotations,
  /** Runbook name (dashboards/runbooks/<runbook>.md); GET /api/v1/runbooks/<runbook>. */
  runbook: z.string(),
  /** Why the rule is in its state, in words ("burn 15.2× over 1h and 16.0× over 5m ≥ 14.4×"). */
  reason: z.string(),
  /** The value compared with the threshold at the last evaluation (burn rate, count, …). */
  value: z.number().nullable(),
  /** Root-cause key shared by alerts of one cause, e.g. "vendor:twilio-sms". */
  group: z.string().nullable(),
  /** Id of the alert this one is grouped under (null for a root or an ungrouped alert). */
  grouped_under: z.string().nullable(),
  /** Ids of the alerts grouped under this one. */
  grouped: z.array(z.string()),
  silenced_by: z.array(z.string()),
  in_maintenance: z.array(z.string()),
  last_evaluated: isoTime.nullable(),
})
export type AlertStatus = z.infer<typeof AlertStatus>

/** GET /api/v1/alerts[?state=&severity=] */
export const AlertsResponse = z.object({ generated_at: isoTime, alerts: z.array(AlertStatus) })
export type AlertsResponse = z.infer<typeof AlertsResponse>

export const AlertTransition = z.object({
  ts: isoTime,
  alert_id: z.string(),
  rule_id: z.string(),
  alertname: z.string(),
  severity: Severity,
  from: AlertState,
  to: AlertState,
  reason: z.string(),
  value: z.number().nullable(),
  labels: z.record(z.string(), z.string()),
  /** A silence or maintenance window held back the notification; the transition is kept. */
  suppressed: z.boolean(),
})
export type AlertTransition = z.infer<typeof AlertTransition>

/** GET /api/v1/alerts/history?from=ISO&to=ISO&alert=ID&limit=N (newest first) */
export const AlertHistoryResponse = z.object({ transitions: z.array(AlertTransition) })
export type AlertHistoryResponse = z.infer<typeof AlertHistoryResponse>

/** Alertmanager's matcher shape, so silences read the same here and there. */
export const Matcher = z.object({
  name: z.string().min(1),
  value: z.string(),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
})
export type Matcher = z.infer<typeof Matcher>

export const SilenceState = z.enum(['pending', 'active', 'expired'])
export type SilenceState = z.infer<typeof SilenceState>

export const Silence = z.object({
  id: z.string(),
  matchers: z.array(Matcher).min(1),
  startsAt: isoTime,
  endsAt: isoTime,
  createdBy: z.string(),
  comment: z.string(),
  state: SilenceState,
})
export type Silence = z.infer<typeof Silence>

/** POST /api/v1/silences body → 201 { id }. startsAt defaults to now. */
export const SilenceCreate = z.object({
  matchers: z.array(Matcher).min(1),
  startsAt: isoTime.optional(),
  endsAt: isoTime,
  createdBy: z.string().min(1),
  comment: z.string().min(1),
})
export type SilenceCreate = z.infer<typeof SilenceCreate>

/** GET /api/v1/silences; DELETE /api/v1/silences/{id} expires one → 200 { id, state: 'expired' }. */
export const SilencesResponse = z.object({ silences: z.array(Silence) })
export type SilencesResponse = z.infer<typeof SilencesResponse>
export const IdResponse = z.object({ id: z.string() })
export const ExpiredResponse = z.object({ id: z.string(), state: z.literal('expired') })

export const MaintenanceWindow = z.object({
  id: z.string(),
  name: z.string(),
  matchers: z.array(Matcher).min(1),
  startsAt: isoTime,
  endsAt: isoTime,
  comment: z.string(),
  /** 'file' for windows declared in dashboards/maintenance.yaml (read-only over the API). */
  source: z.enum(['api', 'file']),
  state: SilenceState,
})
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>

/** POST /api/v1/maintenance body → 201 { id }; DELETE /api/v1/maintenance/{id} → { id, state: 'expired' }. */
export const MaintenanceCreate = z.object({
  name: z.string().min(1),
  matchers: z.array(Matcher).min(1),
  startsAt: isoTime,
  endsAt: isoTime,
  comment: z.string().default(''),
})
export type MaintenanceCreate = z.infer<typeof MaintenanceCreate>

/** GET /api/v1/maintenance */
export const MaintenanceResponse = z.object({ windows: z.array(MaintenanceWindow) })
export type MaintenanceResponse = z.infer<typeof MaintenanceResponse>

/** GET /api/v1/runbooks/{name} */
export const RunbookResponse = z.object({ name: z.string(), title: z.string(), markdown: z.string() })
export type RunbookResponse = z.infer<typeof RunbookResponse>
