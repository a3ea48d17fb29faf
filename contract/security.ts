import { z } from 'zod'

/**
 * Read-side shapes of the collector's security, explore and executive endpoints
 * (`/api/v1/security/*`, `/api/v1/explore/*`, `/api/v1/executive`). The collector builds them,
 * the console parses them with these same schemas. Ratios are 0..1 or null when there is no
 * denominator; times are ISO 8601 strings; users appear only as HMAC hashes.
 */

const Count = z.number().int().nonnegative()
const Ratio = z.number().min(0).max(1).nullable()
const Ms = z.number().nonnegative().nullable()
const Hash = z.string().regex(/^[0-9a-f]{16,64}$/)
const Iso = z.string()
const Str = z.string().nullable()

export const ReportWindow = z.object({ from: Iso, to: Iso, step: z.number().int().positive() })

/** What a report could not show because the events do not carry it (said, never invented). */
const NotInTelemetry = z.array(z.string())

export const EnrollmentReport = z.object({
  window: ReportWindow,
  /** Latest snapshot per user group × factor, and the latest one before the window (the trend). */
  coverage: z.array(z.object({ user_group: z.string(), factor: z.string(), enrolled: Count, total: Count, coverage: Ratio, previous: Ratio })),
  /** Per bucket and group: the best-covered factor's share (a lower bound of "any second factor"). */
  trend: z.array(z.object({ t: z.number(), by_group: z.record(z.string(), Ratio) })),
  phishing_resistant: z.array(z.object({ user_group: z.string(), enrolled: Count, total: Count, share: Ratio })),
  /** Admins who signed in with the password alone (mfa.login.completed reason mfa_not_enrolled). */
  admins_without_mfa: z.array(z.object({ user_hash: Hash, sign_ins: Count, last_seen: Iso, /** service.name of the emitting IdP. */ producer: Str })),
  /** Users whose only active factor, by their mfa.enrollment.changed history, is SMS. */
  sms_only: z.array(z.object({ user_hash: Hash, user_group: Str, since: Iso })),
  history_from: Iso,
  not_in_telemetry: NotInTelemetry,
})
export type EnrollmentReport = z.infer<typeof EnrollmentReport>

export const BypassEvent = z.object({ ts: Iso, kind: z.string(), user_hash: Hash.nullable(), user_group: Str, flow_id: Str, country: Str, client: Str })
export const BypassReport = z.object({
  window: ReportWindow,
  by_kind: z.record(z.string(), Count),
  previous_by_kind: z.record(z.string(), Count),
  series: z.array(z.tuple([z.number(), Count])),
  events: z.array(BypassEvent),
  /** Break-glass uses, each an incident. */
  incidents: z.array(BypassEvent),
  not_in_telemetry: NotInTelemetry,
})
export type BypassReport = z.infer<typeof BypassReport>

export const RecoverySignal = z.enum(['after_factor_change', 'new_country', 'high_risk', 'many_from_country'])
export const RecoveryReport = z.object({
  window: ReportWindow,
  by_reason: z.record(z.string(), Count),
  series: z.array(z.tuple([z.number(), Count, Count, Count])),
  /** Admin recovery: request → first approval of the same user. */
  time_to_approve_ms: z.object({ n: Count, p50: Ms, p95: Ms }),
  backlog: z.array(z.object({ user_hash: Hash, requested_at: Iso, age_ms: z.number().nonnegative() })),
  by_country: z.array(z.object({ country: z.string(), requests: Count, users: Count })),
  suspicious: z.array(z.object({ ts: Iso, user_hash: Hash, reason: z.string(), country: Str, signals: z.array(RecoverySignal) })),
  not_in_telemetry: NotInTelemetry,
})
export type RecoveryReport = z.infer<typeof RecoveryReport>

/**
 * Where an attack came from: its source network (`mfa.network`, an IPv4 /24 or IPv6 /48; "unknown"
 * when the events carry none), the country most of its events came from, the users it touched.
 */
const NetworkRow = z.object({
  network: z.string(),
  country: z.string(),
  users: Count,
  /** The touched users' hashes when there are at most `users_listed` of them, else empty. */
  user_hashes: z.array(Hash),
  /** A sign-in from this network hit the IdP's block list in the window (`mfa.risk_signals` known_bad_ip). */
  block_listed: z.boolean(),
})

export const AttackReport = z.object({
  window: ReportWindow,
  /** mfa.login.completed reason password_failed, by country. */
  credential_stuffing: z.array(z.object({ country: z.string(), failures: Count, users: Count })),
  /** Users with at least `threshold` failed second-factor checks in the window. */
  brute_force: z.object({
    threshold: Count,
    users: z.array(z.object({ user_hash: Hash, user_group: Str, failures: Count, factors: z.array(z.string()), countries: z.array(z.string()), last: Iso })),
  }),
  lockouts: z.object({ by_reason: z.record(z.string(), Count), users: Count }),
  /** Denied pushes, fraud reports and push-bombing locks, by country. */
  push_bombing: z.array(z.object({ country: z.string(), denied: Count, fraud_reports: Count, lockouts: Count, users: Count })),
  /** The same attacks by source network: failed passwords, failed second-factor checks, locks (not unlocks), push bombing. */
  by_network: z.object({
    users_listed: Count,
    credential_stuffing: z.array(NetworkRow.extend({ failures: Count })),
    brute_force: z.array(NetworkRow.extend({ failures: Count })),
    lockouts: z.array(NetworkRow.extend({ lockouts: Count, reasons: z.array(z.string()) })),
    push_bombing: z.array(NetworkRow.extend({ denied: Count, fraud_reports: Count, lockouts: Count })),
  }),
  /** Sign-ins (mfa.login.started) per bucket: [t, low, medium, high] risk. */
  risk: z.array(z.tuple([z.number(), Count, Count, Count])),
  /** Sign-ins (mfa.login.started) per bucket with each signal: [t, new_device, new_country, impossible_travel, known_bad_ip] (RISK_SIGNALS order). */
  risk_signals: z.array(z.tuple([z.number(), Count, Count, Count, Count])),
  /** Resumes of a revoked session (mfa.login.completed reason session_revoked). */
  revoked_session_reuse: z.array(z.object({ ts: Iso, user_hash: Hash.nullable(), country: Str, client: Str })),
  not_in_telemetry: NotInTelemetry,
})
export type AttackReport = z.infer<typeof AttackReport>

export const FailedChallenge = z.object({
  ts: Iso, flow_id: Str, factor: Str, provider: Str, region: Str, client: Str, country: Str, user_group: Str,
  outcome: z.string(), reason: Str, risk_level: Str, attempt: Count.nullable(), latency_ms: Ms, user_hash: Hash.nullable(),
})
export const FailuresReport = z.object({ window: ReportWindow, total: Count, events: z.array(FailedChallenge) })
export type FailuresReport = z.infer<typeof FailuresReport>

export const FlowTimeline = z.object({
  flow_id: z.string(),
  events: z.array(z.object({
    ts: Iso, event: z.string(), reason: Str, outcome: Str, factor: Str, provider: Str, channel: Str,
    latency_ms: Ms, since_prev_ms: Ms, since_start_ms: z.number(), trace_id: Str,
  })),
  spans: z.array(z.object({
    trace_id: z.string(), span_id: z.string(), parent_span_id: Str, name: z.string(), service: z.string(),
    start: Iso, offset_ms: z.number(), duration_ms: z.number().nonnegative(), status: z.string(), depth: Count,
  })),
})
export type FlowTimeline = z.infer<typeof FlowTimeline>

export const Breakdown = z.object({
  window: ReportWindow,
  regions: z.array(z.object({ region: z.string(), verifications: Count, p50_ms: Ms, p95_ms: Ms })),
  clients: z.array(z.object({ client: z.string(), verifications: Count, failures: Count, error_rate: Ratio, by_reason: z.record(z.string(), Count) })),
  /** Per provider: accepted sends still waiting for a receipt, young (in flight) or past the deadline. */
  queues: z.array(z.object({ provider: z.string(), channel: z.string(), sent: Count, in_flight: Count, receipts_outstanding: Count, oldest_outstanding_ms: Ms })),
  receipt_deadline_ms: Count,
})
export type Breakdown = z.infer<typeof Breakdown>

export const KpiId = z.enum(['enrollment_coverage', 'mfa_success', 'bypass_incidents', 'break_glass', 'provider_availability', 'recovery_rate'])
export const ExecutiveSnapshot = z.object({
  window: ReportWindow,
  previous: z.object({ from: Iso, to: Iso }),
  kpis: z.array(z.object({ id: KpiId, current: z.number().nullable(), previous: z.number().nullable(), unit: z.enum(['ratio', 'count']) })),
  cost_by_channel: z.array(z.object({ channel: z.string(), current_micros: z.number().nullable(), previous_micros: z.number().nullable(), successes: Count })),
})
export type ExecutiveSnapshot = z.infer<typeof ExecutiveSnapshot>
