import { z } from 'zod'

/**
 * Closed enums of the MFA event contract. Every value here is documented in
 * docs/semantic-conventions.md (generated from contract/docs.ts).
 */

export const SCHEMA_VERSION = '1.0.0'

export const EVENT_NAMES = [
  'mfa.login.started',
  'mfa.challenge.issued',
  'mfa.challenge.verified',
  'mfa.fallback',
  'mfa.provider.request',
  'mfa.provider.delivery',
  'mfa.enrollment.changed',
  'mfa.enrollment.snapshot',
  'mfa.recovery',
  'mfa.bypass',
  'mfa.exemption',
  'mfa.lockout',
  'mfa.stepup',
  'mfa.circuit.changed',
  'mfa.login.completed',
  'gameday.started',
  'gameday.ended',
  'gameday.fault',
] as const
export const EventName = z.enum(EVENT_NAMES)
export type EventName = z.infer<typeof EventName>

export const Factor = z.enum([
  'password',
  'totp',
  'webauthn',
  'sms',
  'voice',
  'email',
  'push',
  'recovery_code',
  'admin_recovery',
])
export type Factor = z.infer<typeof Factor>

/** Factors that resist phishing (origin-bound). Used for M8's phishing-resistant share. */
export const PHISHING_RESISTANT_FACTORS: readonly Factor[] = ['webauthn']

export const Channel = z.enum(['sms', 'voice', 'email', 'push', 'app', 'platform', 'none'])
export type Channel = z.infer<typeof Channel>

export const Outcome = z.enum([
  'success',
  'failure',
  'expired',
  'replayed',
  'rate_limited',
  'locked_out',
  'abandoned',
  'error',
  'timeout',
])
export type Outcome = z.infer<typeof Outcome>

export const UserGroup = z.enum(['admin', 'workforce', 'customer', 'vendor'])
export type UserGroup = z.infer<typeof UserGroup>

export const Client = z.enum(['web', 'ios', 'android', 'api'])
export type Client = z.infer<typeof Client>

export const RiskLevel = z.enum(['low', 'medium', 'high'])
/** Signals behind a risk level (`mfa.risk_signals`); `known_bad_ip` is a block-list hit. */
export const RISK_SIGNALS = ['new_device', 'new_country', 'impossible_travel', 'known_bad_ip'] as const
export type RiskSignal = (typeof RISK_SIGNALS)[number]
/** Kinds of an exemption from MFA granted on the two-person rule (`mfa.bypass_kind` of `mfa.exemption`). */
export const EXEMPTION_KINDS = ['policy_exempt', 'admin_override', 'break_glass'] as const
export const ExemptionKind = z.enum(EXEMPTION_KINDS)
export type RiskLevel = z.infer<typeof RiskLevel>

export const Intent = z.enum(['login', 'enrollment', 'recovery', 'stepup'])
export type Intent = z.infer<typeof Intent>

export const HttpStatusClass = z.enum(['2xx', '3xx', '4xx', '5xx', 'none'])
export type HttpStatusClass = z.infer<typeof HttpStatusClass>

export const CircuitState = z.enum(['closed', 'open', 'half_open'])
export type CircuitState = z.infer<typeof CircuitState>

/**
 * `mfa.reason` is a closed enum per event. A reason outside its event's list is a
 * contract violation and the record is rejected (reported in OTLP partial_success).
 */
export const REASONS = {
  'mfa.login.started': ['password_verified', 'passwordless', 'session_resume'],
  'mfa.challenge.issued': ['login_required', 'stepup_required', 'enrollment_verify', 'risk_high', 'fallback', 'resend'],
  'mfa.challenge.verified': [
    'ok',
    'invalid_code',
    'code_expired',
    'code_replayed',
    'too_many_attempts',
    'locked_out',
    'rate_limited',
    'provider_error',
    'user_denied',
    'fraud_reported',
    'no_response',
    'signature_invalid',
    'counter_regression',
    'unknown_credential',
    'number_mismatch',
    'internal_error',
  ],
  'mfa.fallback': [
    'provider_error',
    'provider_timeout',
    'circuit_open',
    'rate_limited',
    'no_receipt',
    'delivery_failed',
    'user_choice',
    'risk_policy',
  ],
  'mfa.provider.request': ['ok', 'http_4xx', 'http_5xx', 'timeout', 'network_error', 'rate_limited', 'circuit_open'],
  'mfa.provider.delivery': ['delivered', 'failed', 'undeliverable', 'late', 'never_receipted'],
  'mfa.enrollment.changed': ['enrolled', 'activated', 'removed', 'renamed', 'reset', 'verification_failed'],
  'mfa.enrollment.snapshot': ['scheduled', 'on_demand', 'unprotected_admin'],
  'mfa.recovery': [
    'requested',
    'approved',
    'denied',
    'completed',
    'expired',
    'recovery_code_used',
    'recovery_codes_regenerated',
  ],
  'mfa.bypass': ['trusted_device', 'policy_exempt', 'admin_override', 'break_glass'],
  'mfa.exemption': ['requested', 'approved', 'denied', 'revoked', 'expired'],
  'mfa.lockout': ['too_many_failures', 'fraud_reported', 'push_bombing', 'admin_lock', 'unlocked'],
  'mfa.stepup': ['required', 'satisfied', 'failed', 'fresh_enough'],
  'mfa.circuit.changed': ['failure_threshold', 'cooldown_elapsed', 'probe_succeeded', 'probe_failed', 'manual'],
  'mfa.login.completed': [
    'mfa_satisfied',
    'trusted_device',
    'mfa_bypassed',
    'risk_blocked',
    'passwordless',
    'mfa_not_enrolled',
    'mfa_failed',
    'abandoned',
    'locked_out',
    'password_failed',
    'session_revoked',
    'idp_unavailable',
  ],
  'gameday.started': ['manual', 'scheduled'],
  'gameday.ended': ['completed', 'aborted_guardrail', 'aborted_manual', 'reverted'],
  'gameday.fault': ['applied', 'revoked', 'expired'],
} as const satisfies Record<EventName, readonly [string, ...string[]]>

export type ReasonOf<E extends EventName> = (typeof REASONS)[E][number]
export type Reason = ReasonOf<EventName>

/** Every reason of every event, for the storage column's LowCardinality dictionary and docs. */
export const ALL_REASONS: readonly string[] = [...new Set(Object.values(REASONS).flat())].sort()
