import { ATTR, type AttrKey, MfaAttributes } from './attributes'
import { type EventName, EVENT_NAMES, REASONS, SCHEMA_VERSION } from './enums'

/** What each event means and which attributes it must carry. */
export const EVENT_SPECS: Record<EventName, { meaning: string; required: readonly AttrKey[] }> = {
  'mfa.login.started': {
    meaning: 'A login flow reached the second-factor stage (first factor passed, or a passwordless start).',
    required: [ATTR.flowId, ATTR.userHash],
  },
  'mfa.challenge.issued': {
    meaning: 'A second-factor challenge was presented or sent to the user.',
    required: [ATTR.flowId, ATTR.factor],
  },
  'mfa.challenge.verified': {
    meaning: 'A response to a challenge was checked; outcome says how it went, latency_ms is issue → verify.',
    required: [ATTR.flowId, ATTR.factor, ATTR.outcome],
  },
  'mfa.fallback': {
    meaning: 'A flow moved to another provider or factor (from → to, with the reason).',
    required: [ATTR.flowId, ATTR.fallbackFrom, ATTR.fallbackTo, ATTR.reason],
  },
  'mfa.provider.request': {
    meaning: 'One call to a sub-processor (send SMS, place call, send e-mail, send push).',
    required: [ATTR.provider, ATTR.channel, ATTR.outcome],
  },
  'mfa.provider.delivery': {
    meaning: 'A delivery receipt from a sub-processor (or its absence past the deadline).',
    required: [ATTR.provider, ATTR.channel, ATTR.outcome, ATTR.reason],
  },
  'mfa.enrollment.changed': {
    meaning: 'A factor was enrolled, activated, renamed, removed or reset for a user.',
    required: [ATTR.userHash, ATTR.factor, ATTR.reason],
  },
  'mfa.enrollment.snapshot': {
    meaning: 'Periodic count of users with a factor active, per user group: the denominator of coverage (M8). Reason unprotected_admin: one row per admin account with no active second factor at that snapshot (user_hash set, factor password, counts 1 of 1), so admins who never sign in are still listed.',
    required: [ATTR.userGroup, ATTR.factor, ATTR.enrolledCount, ATTR.totalCount],
  },
  'mfa.recovery': {
    meaning: 'A step of account recovery: recovery codes or admin-assisted recovery. Admin-assisted steps carry the request id (mfa.request_id) and, for decisions, the deciding admin (mfa.approver_hash).',
    required: [ATTR.reason],
  },
  'mfa.bypass': {
    meaning: 'MFA was skipped or overridden (trusted device, policy exemption, admin override, break-glass).',
    required: [ATTR.reason],
  },
  'mfa.exemption': {
    meaning: 'A step of an exemption from MFA on the two-person rule: requested, approved (active until approval + duration_s), denied, revoked or expired. Its use at sign-in is an mfa.bypass with the same request id.',
    required: [ATTR.reason, ATTR.requestId, ATTR.bypassKind],
  },
  'mfa.lockout': {
    meaning: 'A user or factor was locked (or unlocked) by an abuse control.',
    required: [ATTR.reason],
  },
  'mfa.stepup': {
    meaning: 'A sensitive action demanded (or was satisfied by) a fresh second factor.',
    required: [ATTR.flowId, ATTR.reason],
  },
  'mfa.circuit.changed': {
    meaning: 'A circuit breaker in front of a provider changed state.',
    required: [ATTR.provider, ATTR.circuitFromState, ATTR.circuitState, ATTR.reason],
  },
  'mfa.login.completed': {
    meaning: 'The terminal event of a login flow.',
    required: [ATTR.flowId, ATTR.outcome],
  },
  'gameday.started': {
    meaning: 'A provider-outage game day began; events carrying its id belong to the drill.',
    required: [ATTR.gamedayId],
  },
  'gameday.ended': {
    meaning: 'A game day ended (completed, aborted by a guardrail or by hand).',
    required: [ATTR.gamedayId, ATTR.reason],
  },
  'gameday.fault': {
    meaning: 'A fault injected in an IdP\'s own vendor layer (or a runbook action: drain a vendor, promote a fallback factor) was applied, revoked, or expired; its kind, target, share and scope ride along.',
    required: [ATTR.faultId, ATTR.faultKind, ATTR.reason],
  },
}

export type ValidationResult = { ok: true; attributes: MfaAttributes } | { ok: false; error: string }

export function isContractEventName(name: string): boolean {
  return name.startsWith('mfa.') || name.startsWith('gameday.')
}

/**
 * Check one event's attributes against the contract: known event name, typed attributes,
 * per-event required keys and the per-event reason enum. Unknown keys pass through.
 */
export function validateEvent(attrs: Record<string, unknown>): ValidationResult {
  const name = attrs[ATTR.eventName]
  if (typeof name !== 'string') return { ok: false, error: `missing ${ATTR.eventName}` }
  if (!(EVENT_NAMES as readonly string[]).includes(name)) {
    return { ok: false, error: `unknown event name "${name.slice(0, 80)}"` }
  }
  const spec = EVENT_SPECS[name as EventName]
  for (const key of spec.required) {
    if (attrs[key] === undefined || attrs[key] === null || attrs[key] === '') {
      return { ok: false, error: `${name}: missing required attribute ${key}` }
    }
  }
  const parsed = MfaAttributes.safeParse(attrs)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, error: `${name}: ${issue.path.join('.')}: ${issue.message}` }
  }
  const reason = attrs[ATTR.reason]
  if (reason !== undefined) {
    const allowed: readonly string[] = REASONS[name as EventName]
    if (!allowed.includes(String(reason))) {
      return { ok: false, error: `${name}: reason "${String(reason).slice(0, 64)}" is not one of ${allowed.join(', ')}` }
    }
  }
  return { ok: true, attributes: parsed.data }
}

/** Attributes a producer passes when emitting; the builder fills event.id and the version. */
export type EventAttributes = Partial<Record<AttrKey, string | number>> & Record<string, string | number | undefined>

/**
 * Build the attribute set of one contract event, ready to emit as an OTel log record.
 * Throws when a producer breaks the contract: that is a programming error, caught by tests.
 */
export function buildEvent(
  name: EventName,
  attrs: EventAttributes,
  newId: () => string = () => crypto.randomUUID(),
): Record<string, string | number> {
  const out: Record<string, string | number> = {
    [ATTR.eventName]: name,
    [ATTR.eventId]: newId(),
    [ATTR.schemaVersion]: SCHEMA_VERSION,
  }
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v
  const result = validateEvent(out)
  if (!result.ok) throw new Error(`contract violation: ${result.error}`)
  return out
}
