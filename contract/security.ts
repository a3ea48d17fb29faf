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

/** Judged against dashboards/enrollment-targets.yaml: no_target when the group has none, no_data without a figure. */
export const TargetStatus = z.enum(['met', 'missed', 'no_target', 'no_data'])
export type TargetStatus = z.infer<typeof TargetStatus>
const Target = z.number().min(0).max(1).nullable()
/** Where an admin without a second factor was seen: the IdP's unprotected_admin snapshot row, or a password-only sign-in. */
export const UnprotectedSource = z.enum(['snapshot', 'sign_in'])

export const EnrollmentReport = z.object({
  window: ReportWindow,
  /** The targets the collector read at start-up (dashboards/enrollment-targets.yaml), per user group. */
  targets: z.object({
    coverage: z.record(z.string(), z.number().min(0).max(1)),
    phishing_resistant: z.record(z.string(), z.number().min(0).max(1)),
    sms_only_max_share: Target,
    source: z.string(),
  }),
  /** Latest snapshot per user group × factor, and the latest one before the window (the trend). */
  coverage: z.array(z.object({ user_group: z.string(), factor: z.string(), enrolled: Count, total: Count, coverage: Ratio, previous: Ratio })),
  /** Per group: the best-covered factor's share (a lower bound of "any second factor") against the group's target. */
  coverage_by_group: z.array(z.object({ user_group: z.string(), coverage: Ratio, target: Target, status: TargetStatus })),
  /** Per bucket and group: the best-covered factor's share (a lower bound of "any second factor"). */
  trend: z.array(z.object({ t: z.number(), by_group: z.record(z.string(), Ratio) })),
  phishing_resistant: z.array(z.object({ user_group: z.string(), enrolled: Count, total: Count, share: Ratio, target: Target, status: TargetStatus })),
  /**
   * Admins with no second factor: the rows of the latest unprotected_admin snapshot in the window
   * (listed even when they never sign in) united with admins who signed in with the password alone
   * (mfa.login.completed reason mfa_not_enrolled). sign_ins and last_seen come from the sign-ins.
   */
  admins_without_mfa: z.array(z.object({ user_hash: Hash, sign_ins: Count, last_seen: Iso.nullable(), /** service.name of the emitting IdP. */ producer: Str, sources: z.array(UnprotectedSource) })),
  /** When the unprotected_admin rows listed were taken; null when no such snapshot came in the window. */
  unprotected_snapshot_at: Iso.nullable(),
  /** Users whose only active factor, by their mfa.enrollment.changed history, is SMS. */
  sms_only: z.array(z.object({ user_hash: Hash, user_group: Str, since: Iso })),
  /** SMS-only users over all accounts of the latest snapshots, against the maximum allowed. */
  sms_only_share: z.object({ users: Count, accounts: Count, share: Ratio, max: Target, status: TargetStatus }),
  history_from: Iso,
  not_in_telemetry: NotInTelemetry,
})
export type EnrollmentReport = z.infer<typeof EnrollmentReport>

/** A sign-in that skipped MFA (mfa.bypass); an exemption's use carries its request id, requester and approver. */
export const BypassEvent = z.object({
  ts: Iso, kind: z.string(), user_hash: Hash.nullable(), user_group: Str, flow_id: Str, country: Str, client: Str,
  request_id: Str, requester_hash: Hash.nullable(), approver_hash: Hash.nullable(),
})
export type BypassEvent = z.infer<typeof BypassEvent>
/**
 * open: requested, awaiting a second admin; active: approved and not yet ended; expiring: active
 * and ending within 24 h of the report's end; used: an admin override consumed at a sign-in.
 */
export const ExemptionStatus = z.enum(['open', 'active', 'expiring', 'expired', 'denied', 'revoked', 'used'])
export const Exemption = z.object({
  request_id: z.string(), kind: z.string(), status: ExemptionStatus,
  /** The exempted account. */
  user_hash: Hash.nullable(), user_group: Str, requester_hash: Hash.nullable(), approver_hash: Hash.nullable(),
  duration_s: Count.nullable(), requested_at: Iso.nullable(), approved_at: Iso.nullable(),
  /** approved + duration; null until approved. */
  expires_at: Iso.nullable(),
  /** Denied, revoked or expired: when (an expiry without its event is approved + duration). */
  ended_at: Iso.nullable(),
  /** Sign-ins that skipped MFA on it (mfa.bypass with this request id) in the window. */
  uses: Count,
})
export type Exemption = z.infer<typeof Exemption>
export const BypassReport = z.object({
  window: ReportWindow,
  by_kind: z.record(z.string(), Count),
  previous_by_kind: z.record(z.string(), Count),
  series: z.array(z.tuple([z.number(), Count])),
  events: z.array(BypassEvent),
  /** Every exemption with a step in the window or still open or active at its start, latest step first. */
  exemptions: z.array(Exemption),
  /** Requested and not yet decided, at the report's end. */
  open: z.array(Exemption),
  /** Active and ending within `expiring_within_s` of the report's end. */
  expiring: z.array(Exemption),
  expiring_within_s: Count,
  /** Break-glass exemptions, each an incident, with its requester, approver, duration and uses. */
  incidents: z.array(Exemption),
  /** Break-glass uses with no exemption step in the telemetry (producers without mfa.exemption). */
  unpaired_break_glass: z.array(BypassEvent),
  not_in_telemetry: NotInTelemetry,
})
export type BypassReport = z.infer<typeof BypassReport>

export const RecoverySignal = z.enum(['after_factor_change', 'new_country', 'high_risk', 'blocklisted_network', 'many_from_network'])
export const RecoveryReport = z.object({
  window: ReportWindow,
  by_reason: z.record(z.string(), Count),
  series: z.array(z.tuple([z.number(), Count, Count, Count])),
  /** Admin recovery: request → its approval, paired by mfa.request_id (or, without one, the same user's next decision). */
  time_to_approve_ms: z.object({ n: Count, p50: Ms, p95: Ms }),
  backlog: z.array(z.object({ user_hash: Hash, request_id: Str, requested_at: Iso, age_ms: z.number().nonnegative(), network: Str })),
  by_country: z.array(z.object({ country: z.string(), requests: Count, users: Count })),
  /** Recovery starts by source network (/24 or /48); `unknown` when the producer does not send mfa.network. */
  by_network: z.array(z.object({ network: z.string(), requests: Count, users: Count })),
  /** Distinct users recovering from one network that flag each of them (many_from_network). */
  many_from_network_threshold: Count,
  /** Starts with an abuse signal, newest first; at most 500 listed, `suspicious_total` counts them all. */
  suspicious: z.array(z.object({ ts: Iso, user_hash: Hash, request_id: Str, reason: z.string(), country: Str, network: Str, signals: z.array(RecoverySignal) })),
  suspicious_total: Count,
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
  /** Start of the sends the queues look at: the window's start, or the last day of a longer window. */
  queue_from: Iso,
  /** Where regions and clients were counted: raw events, or the hourly rollup for windows over 6 h (its first hour whole). */
  source: z.enum(['raw', 'rollup_1h']),
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
