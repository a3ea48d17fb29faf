import { z } from 'zod'
import { Channel, Factor, UserGroup } from './enums'

/**
 * Game days (provider-outage drills): the shapes shared by the reference IdP's fault API, the
 * collector's game-day controller (query port, /api/v1/gamedays) and the console. Durations
 * are seconds, timestamps ISO-8601 strings in UTC, shares fractions 0..1.
 */

const isoTime = z.iso.datetime({ offset: true })
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -, at most 64')

/** Who a fault touches inside the IdP; empty means every user. */
export const FaultScope = z
  .object({
    user_group: UserGroup.optional(),
    /** Only accounts the IdP knows as synthetic (traffic generator, probes): the safest drill. */
    synthetic_only: z.boolean().default(false),
  })
  .strict()
export type FaultScope = z.infer<typeof FaultScope>

/**
 * Faults the IdP injects in its own vendor layer (before the adapter's HTTP call):
 * error = the vendor answers 5xx, timeout = no answer until the adapter's timeout,
 * latency = answered after `latency_ms`, rate_limit = 429. `idp_unavailable` (F1) answers a
 * share of sign-ins with 503 and takes no vendor.
 */
export const IDP_FAULT_KINDS = ['error', 'timeout', 'latency', 'rate_limit', 'idp_unavailable'] as const
export const IdpFaultKind = z.enum(IDP_FAULT_KINDS)
export type IdpFaultKind = z.infer<typeof IdpFaultKind>

/** Every fault expires inside the IdP: a drill reverts itself even if whatever started it dies. */
export const MAX_FAULT_SECONDS = 4 * 3600

export const IdpFaultRequest = z
  .object({
    kind: IdpFaultKind,
    /** Registry vendor id; required for every kind but idp_unavailable. */
    vendor: z.string().min(1).optional(),
    channel: z.union([Channel, z.literal('*')]).default('*'),
    region: z.string().min(1).default('*'),
    share: z.number().gt(0).max(1).default(1),
    latency_ms: z.number().int().positive().max(120_000).optional(),
    scope: FaultScope.default({ synthetic_only: false }),
    duration_seconds: z.number().int().positive().max(MAX_FAULT_SECONDS),
    gameday_id: z.string().min(1).max(64).optional(),
    reason: z.string().max(200).default(''),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.kind !== 'idp_unavailable' && !f.vendor) ctx.addIssue({ code: 'custom', path: ['vendor'], message: `required for kind ${f.kind}` })
    if (f.kind === 'idp_unavailable' && f.vendor) ctx.addIssue({ code: 'custom', path: ['vendor'], message: 'idp_unavailable takes no vendor' })
    if (f.kind === 'latency' && f.latency_ms === undefined) ctx.addIssue({ code: 'custom', path: ['latency_ms'], message: 'required for kind latency' })
  })
export type IdpFaultRequest = z.infer<typeof IdpFaultRequest>

export const IdpFault = z.object({
  id: z.string(),
  kind: IdpFaultKind,
  vendor: z.string().nullable(),
  channel: z.string(),
  region: z.string(),
  share: z.number(),
  latency_ms: z.number().nullable(),
  scope: FaultScope,
  gameday_id: z.string().nullable(),
  reason: z.string(),
  created_at: isoTime,
  expires_at: isoTime,
  /** Set when removed before expiry (DELETE, or a game day's revert). */
  revoked_at: isoTime.nullable(),
  active: z.boolean(),
})
export type IdpFault = z.infer<typeof IdpFault>

/**
 * Runbook automation ("automated fallback activation with guardrails"): each action is
 * time-limited and reverts itself at expiry. drain_vendor forces the vendor's circuit open in
 * a region (its traffic goes down the fallback chain); promote_fallback offers `factor` first
 * to users who have it, instead of the failing `instead_of` factor.
 */
export const RUNBOOK_ACTIONS = ['drain_vendor', 'promote_fallback'] as const
export const RunbookActionKind = z.enum(RUNBOOK_ACTIONS)
export type RunbookActionKind = z.infer<typeof RunbookActionKind>

export const RunbookActionRequest = z
  .object({
    action: RunbookActionKind,
    vendor: z.string().min(1).optional(),
    channel: z.union([Channel, z.literal('*')]).default('*'),
    region: z.string().min(1).default('*'),
    factor: Factor.optional(),
    instead_of: Factor.optional(),
    duration_seconds: z.number().int().positive().max(MAX_FAULT_SECONDS),
    gameday_id: z.string().min(1).max(64).optional(),
    reason: z.string().max(200).default(''),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.action === 'drain_vendor' && !a.vendor) ctx.addIssue({ code: 'custom', path: ['vendor'], message: 'required for drain_vendor' })
    if (a.action === 'promote_fallback' && !a.factor) ctx.addIssue({ code: 'custom', path: ['factor'], message: 'required for promote_fallback' })
  })
export type RunbookActionRequest = z.infer<typeof RunbookActionRequest>

export const RunbookAction = z.object({
  id: z.string(),
  action: RunbookActionKind,
  vendor: z.string().nullable(),
  channel: z.string(),
  region: z.string(),
  factor: z.string().nullable(),
  instead_of: z.string().nullable(),
  gameday_id: z.string().nullable(),
  reason: z.string(),
  created_at: isoTime,
  expires_at: isoTime,
  revoked_at: isoTime.nullable(),
  active: z.boolean(),
})
export type RunbookAction = z.infer<typeof RunbookAction>

// ---- the collector's game-day API -------------------------------------------------------

/** GET /api/v1/gamedays/scenarios: a scenario of dashboards/gamedays/ as the console lists and confirms it (built by dashboards/schema/gameday.ts). */
export const ScenarioSummary = z.object({
  id: z.string(),
  name: z.string(),
  hypothesis: z.string(),
  blast_radius: z.string(),
  pages: z.boolean(),
  duration_seconds: z.number(),
  runbook: z.string().nullable(),
  limits: z.string().nullable(),
  steps: z.array(z.object({ id: z.string(), target: z.enum(['idp', 'simulator', 'runbook']), summary: z.string(), start_seconds: z.number(), duration_seconds: z.number() })),
  guardrails: z.array(z.object({ id: z.string(), type: z.string() })),
  expectations: z.array(z.object({ id: z.string(), type: z.string() })),
  /** Why it cannot run for real on this collector (a missing setting), or null. */
  unavailable: z.string().nullable(),
})
export type ScenarioSummary = z.infer<typeof ScenarioSummary>
export const ScenarioList = z.object({ scenarios: z.array(ScenarioSummary) })


export const GAMEDAY_STATES = ['scheduled', 'running', 'aborted', 'completed'] as const
export const GameDayState = z.enum(GAMEDAY_STATES)
export type GameDayState = z.infer<typeof GameDayState>

export const StartGameDay = z
  .object({
    scenario: id,
    dryRun: z.boolean().default(false),
    /** Later than now schedules the drill; omitted starts it at once. */
    start: isoTime.optional(),
  })
  .strict()
export type StartGameDay = z.infer<typeof StartGameDay>

export const StepState = z.enum(['pending', 'applied', 'reverted', 'failed', 'skipped'])
export const GameDayStep = z.object({
  id: z.string(),
  /** e.g. "idp error twilio sms eu 100 % for 5 min" */
  summary: z.string(),
  target: z.enum(['idp', 'simulator', 'runbook']),
  state: StepState,
  starts_at: isoTime,
  ends_at: isoTime,
  applied_at: isoTime.nullable(),
  reverted_at: isoTime.nullable(),
  /** The fault or action id at the target, for audit. */
  remote_id: z.string().nullable(),
  error: z.string().nullable(),
})
export type GameDayStep = z.infer<typeof GameDayStep>

export const GuardrailReading = z.object({
  id: z.string(),
  description: z.string(),
  /** Latest reading (burn rate, success fraction, count of unrelated pages); null before data. */
  value: z.number().nullable(),
  threshold: z.number(),
  tripped: z.boolean(),
  at: isoTime.nullable(),
})
export type GuardrailReading = z.infer<typeof GuardrailReading>

export const TIMELINE_KINDS = ['started', 'fault_applied', 'first_symptom', 'first_alert', 'breaker_open', 'fallback', 'recovery', 'fault_reverted', 'aborted', 'ended'] as const
export const TimelineEntry = z.object({ at: isoTime, kind: z.enum(TIMELINE_KINDS), detail: z.string() })
export type TimelineEntry = z.infer<typeof TimelineEntry>

export const ExpectationResult = z.object({
  id: z.string(),
  description: z.string(),
  /** null when it could not be judged (no data). */
  held: z.boolean().nullable(),
  observed: z.string(),
})
export type ExpectationResult = z.infer<typeof ExpectationResult>

export const GameDayReport = z.object({
  hypothesis: z.string(),
  timeline: z.array(TimelineEntry),
  time_to_detect_seconds: z.number().nullable(),
  time_to_failover_seconds: z.number().nullable(),
  budget_spent: z.array(z.object({ slo: z.string(), fraction: z.number().nullable(), excluded: z.boolean() })),
  affected: z.array(z.object({ user_group: z.string(), users: z.number(), flows: z.number(), failed_flows: z.number() })),
  expectations: z.array(ExpectationResult),
  charts: z.array(z.object({ title: z.string(), href: z.string() })),
})
export type GameDayReport = z.infer<typeof GameDayReport>

export const GameDay = z.object({
  id: z.string(),
  scenario: z.string(),
  name: z.string(),
  state: GameDayState,
  dry_run: z.boolean(),
  blast_radius: z.string(),
  created_at: isoTime,
  starts_at: isoTime,
  ends_at: isoTime,
  started_at: isoTime.nullable(),
  ended_at: isoTime.nullable(),
  end_reason: z.enum(['completed', 'aborted_guardrail', 'aborted_manual', 'reverted']).nullable(),
  steps: z.array(GameDayStep),
  guardrails: z.array(GuardrailReading),
  report: GameDayReport.nullable(),
})
export type GameDay = z.infer<typeof GameDay>

export const GameDayList = z.object({ gamedays: z.array(GameDay.omit({ report: true, steps: true, guardrails: true })) })
export type GameDayList = z.infer<typeof GameDayList>

/** Drill periods for chart annotations: GET /api/v1/annotations?from&to. */
export const Annotation = z.object({ gameday_id: z.string(), scenario: z.string(), name: z.string(), start: isoTime, end: isoTime.nullable(), state: GameDayState })
export const AnnotationList = z.object({ annotations: z.array(Annotation) })
export type Annotation = z.infer<typeof Annotation>
