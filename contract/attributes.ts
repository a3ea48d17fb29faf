import { z } from 'zod'
import {
  Channel,
  CircuitState,
  Client,
  ExemptionKind,
  RISK_SIGNALS,
  Factor,
  HttpStatusClass,
  Intent,
  Outcome,
  RiskLevel,
  UserGroup,
} from './enums'
import { IDP_FAULT_KINDS, RUNBOOK_ACTIONS } from './gameday'

/**
 * Attribute keys of the contract, exactly as they appear on OpenTelemetry log records and
 * spans. Nothing else in the code base spells an attribute name: import `ATTR`.
 */
export const ATTR = {
  eventName: 'event.name',
  eventId: 'event.id',
  schemaVersion: 'mfa.schema_version',
  flowId: 'mfa.flow_id',
  factor: 'mfa.factor',
  provider: 'mfa.provider',
  channel: 'mfa.channel',
  outcome: 'mfa.outcome',
  reason: 'mfa.reason',
  latencyMs: 'mfa.latency_ms',
  attempt: 'mfa.attempt',
  userHash: 'mfa.user_hash',
  userGroup: 'mfa.user_group',
  region: 'mfa.region',
  country: 'mfa.country',
  client: 'mfa.client',
  riskLevel: 'mfa.risk_level',
  costMicros: 'mfa.cost_micros',
  gamedayId: 'mfa.gameday_id',
  intent: 'mfa.intent',
  providerMessageId: 'mfa.provider_message_id',
  httpStatusClass: 'mfa.http_status_class',
  fallbackFrom: 'mfa.fallback_from',
  fallbackTo: 'mfa.fallback_to',
  circuitState: 'mfa.circuit_state',
  circuitFromState: 'mfa.circuit_from_state',
  enrolledCount: 'mfa.enrolled_count',
  totalCount: 'mfa.total_count',
  faultId: 'mfa.fault_id',
  faultKind: 'mfa.fault_kind',
  faultShare: 'mfa.fault_share',
  faultScope: 'mfa.fault_scope',
  network: 'mfa.network',
  riskSignals: 'mfa.risk_signals',
  requestId: 'mfa.request_id',
  requesterHash: 'mfa.requester_hash',
  approverHash: 'mfa.approver_hash',
  durationS: 'mfa.duration_s',
  bypassKind: 'mfa.bypass_kind',
} as const
export type AttrKey = (typeof ATTR)[keyof typeof ATTR]

/** Resource attribute naming the emitting service (OpenTelemetry semantic convention). */
export const SERVICE_NAME = 'service.name'

const id = z.string().min(1).max(128)
const shortText = z.string().min(1).max(64)
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const userHash = z
  .string()
  .regex(/^[0-9a-f]{16,64}$/, 'expected a lowercase hex HMAC of the user id (16-64 chars), never a raw id')

/** The client's network, never its address: an IPv4 /24 or an IPv6 /48 in CIDR form. */
export const NETWORK_PATTERN = /^(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.0\/24|[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48)$/
const Network = z.string().regex(NETWORK_PATTERN, 'expected an IPv4 /24 (203.0.113.0/24) or an IPv6 /48 (2001:db8:1::/48), never an address')
/** Comma-joined, in RISK_SIGNALS order, no repeats; empty is not sent (absent = none). */
// A regex, not a refine: the collector compiles the contract's string checks into plain
// predicates for ingest (collector/ingest/contract-check.ts) and refuses custom ones at start-up.
// One alternative per first signal, each later one optional after a comma: in order, no repeats.
const RISK_SIGNALS_PATTERN = new RegExp(`^(?:${RISK_SIGNALS.map((s, i) => s + RISK_SIGNALS.slice(i + 1).map((t) => `(?:,${t})?`).join('')).join('|')})$`)
const RiskSignals = z.string().regex(RISK_SIGNALS_PATTERN, `expected signals from ${RISK_SIGNALS.join(', ')} joined by commas in that order`)

/**
 * The typed attributes of an MFA event. Keys are the wire keys; all are optional at this
 * level, per-event requirements are in `events.ts`. Unknown keys are allowed and kept by the
 * collector in an `attributes` map column.
 */
export const MfaAttributes = z
  .object({
    [ATTR.eventName]: z.string(),
    [ATTR.eventId]: id.optional(),
    [ATTR.schemaVersion]: z.string().max(16).optional(),
    [ATTR.flowId]: id.optional(),
    [ATTR.factor]: Factor.optional(),
    [ATTR.provider]: shortText.optional(),
    [ATTR.channel]: Channel.optional(),
    [ATTR.outcome]: Outcome.optional(),
    [ATTR.reason]: z.string().max(64).optional(),
    [ATTR.latencyMs]: count.max(4_294_967_295).optional(),
    [ATTR.attempt]: count.max(65_535).optional(),
    [ATTR.userHash]: userHash.optional(),
    [ATTR.userGroup]: UserGroup.optional(),
    [ATTR.region]: shortText.optional(),
    [ATTR.country]: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code').optional(),
    [ATTR.client]: Client.optional(),
    [ATTR.riskLevel]: RiskLevel.optional(),
    [ATTR.costMicros]: count.optional(),
    [ATTR.gamedayId]: id.optional(),
    [ATTR.intent]: Intent.optional(),
    [ATTR.providerMessageId]: id.optional(),
    [ATTR.httpStatusClass]: HttpStatusClass.optional(),
    [ATTR.fallbackFrom]: shortText.optional(),
    [ATTR.fallbackTo]: shortText.optional(),
    [ATTR.circuitState]: CircuitState.optional(),
    [ATTR.circuitFromState]: CircuitState.optional(),
    [ATTR.enrolledCount]: count.optional(),
    [ATTR.totalCount]: count.optional(),
    [ATTR.faultId]: id.optional(),
    [ATTR.faultKind]: z.enum([...IDP_FAULT_KINDS, ...RUNBOOK_ACTIONS]).optional(),
    [ATTR.faultShare]: z.number().min(0).max(1).optional(),
    [ATTR.faultScope]: z.string().max(64).optional(),
    [ATTR.network]: Network.optional(),
    [ATTR.riskSignals]: RiskSignals.optional(),
    [ATTR.requestId]: id.optional(),
    [ATTR.requesterHash]: userHash.optional(),
    [ATTR.approverHash]: userHash.optional(),
    [ATTR.durationS]: count.max(366 * 86_400).optional(),
    [ATTR.bypassKind]: ExemptionKind.optional(),
  })
  .passthrough()
export type MfaAttributes = z.infer<typeof MfaAttributes>

/** Human meaning of every attribute, for the generated reference page. */
export const ATTR_DOCS: Record<AttrKey, string> = {
  'event.name': 'Name of the event, one of the contract event names.',
  'event.id': 'Unique id of this event (UUID or similar); consumers deduplicate on it.',
  'mfa.schema_version': 'Version of this contract the producer speaks (semver).',
  'mfa.flow_id': 'One login (or enrollment, recovery, step-up) attempt end to end; retries inside a flow share it.',
  'mfa.factor': 'Authentication factor involved.',
  'mfa.provider': 'Sub-processor (vendor) id from dashboards/subprocessors.yaml, or `local`.',
  'mfa.channel': 'Delivery channel of the factor.',
  'mfa.outcome': 'Result of the step.',
  'mfa.reason': 'Why: a closed enum per event (see the events table).',
  'mfa.latency_ms': 'Milliseconds: challenge issue → verify for verifications, request round trip for provider calls, send → receipt for deliveries.',
  'mfa.attempt': 'Attempt number inside the flow, from 1.',
  'mfa.user_hash': 'HMAC-SHA256 of the user id with the producer\'s key (hex). Never a raw id, phone number or e-mail.',
  'mfa.user_group': 'Population the user belongs to; admins have stricter objectives.',
  'mfa.region': 'Deployment or vendor region (e.g. eu-west, us-east).',
  'mfa.country': 'ISO 3166-1 alpha-2 country of the client, from IP geolocation.',
  'mfa.client': 'Client type the user is on.',
  'mfa.risk_level': 'Risk assessed for this flow.',
  'mfa.cost_micros': 'Cost of a provider call in millionths of the billing currency unit.',
  'mfa.gameday_id': 'Set on events produced while a game day is running, so drills can be separated.',
  'mfa.intent': 'What the flow is for.',
  'mfa.provider_message_id': 'Vendor message id; joins a provider.request to its provider.delivery receipt.',
  'mfa.http_status_class': 'HTTP status class of a provider call (`none` when no response).',
  'mfa.fallback_from': 'Provider or factor the flow moved away from.',
  'mfa.fallback_to': 'Provider or factor the flow moved to.',
  'mfa.circuit_state': 'Circuit breaker state after a transition.',
  'mfa.circuit_from_state': 'Circuit breaker state before a transition.',
  'mfa.enrolled_count': 'Enrollment snapshot: users in the group with the factor active.',
  'mfa.total_count': 'Enrollment snapshot: users in the group.',
  'mfa.fault_id': 'Game days: id of a fault or runbook action at the IdP that applied it.',
  'mfa.fault_kind': 'Game days: error, timeout, latency, rate_limit, idp_unavailable (faults) or drain_vendor, promote_fallback (runbook actions).',
  'mfa.fault_share': 'Game days: fraction (0..1) of matching calls a fault touches.',
  'mfa.fault_scope': 'Game days: who a fault touches: `all`, `synthetic`, `user_group:<group>` or both joined by `,`.',
  'mfa.network': 'Source network of the client: the IPv4 /24 or IPv6 /48 holding its address, in CIDR form (203.0.113.0/24, 2001:db8:1::/48); for events of a sign-in flow, the network of the request that started the flow (where the password or passkey was presented), not of the request that emitted the event (a push answered from the phone). Never the address itself.',
  'mfa.risk_signals': 'Signals behind the risk level, comma-joined in this order: new_device, new_country, impossible_travel, known_bad_ip (a block-list hit); for events of a sign-in flow, the signals of the request that started the flow. Absent when none.',
  'mfa.request_id': 'Id of a recovery request or exemption in the producer\'s store; pairs its requested / approved / denied / completed steps.',
  'mfa.requester_hash': 'HMAC of the admin who asked for an exemption (same key as mfa.user_hash).',
  'mfa.approver_hash': 'HMAC of the second admin who approved (or denied, or revoked) an exemption or recovery.',
  'mfa.duration_s': 'Exemptions: how long the exemption lasts once approved, in seconds.',
  'mfa.bypass_kind': 'Exemptions: policy_exempt, admin_override or break_glass.',
}

/**
 * Where the contract meets the OpenTelemetry semantic conventions. `equivalent`: a producer
 * that speaks only the standard key is read as if it had sent the contract key (the collector
 * copies it when the contract key is absent). `source` rows say where the contract reads a
 * fact that OTel keeps outside the attributes.
 */
export const OTEL_MAPPING: readonly { contract: string; otel: string; how: 'equivalent' | 'source' | 'related'; note: string }[] = [
  { contract: ATTR.eventName, otel: 'LogRecord `EventName` field', how: 'source', note: 'Read from the log record\'s EventName (OTel logs data model) when set, else from the `event.name` attribute that older producers send. The reference IdP sends both.' },
  { contract: ATTR.eventId, otel: 'log.record.uid', how: 'equivalent', note: 'Unique id of the log record; the collector deduplicates on it.' },
  { contract: ATTR.userHash, otel: 'user.hash', how: 'equivalent', note: 'The contract still requires lowercase hex (an HMAC of the user id), never a raw id.' },
  { contract: SERVICE_NAME, otel: 'resource `service.name`', how: 'source', note: 'The emitting service, from the resource (OTEL_SERVICE_NAME), never an event attribute.' },
  { contract: 'trace / span id', otel: 'LogRecord `TraceId`, `SpanId`', how: 'source', note: 'Correlation with the request\'s span; no attribute needed.' },
  { contract: ATTR.region, otel: 'cloud.region', how: 'related', note: 'The IdP sets cloud.region on its resource and mfa.region on each event (a vendor\'s region can differ from the deployment\'s).' },
  { contract: ATTR.country, otel: 'geo.country.iso_code', how: 'related', note: 'Same value space (ISO 3166-1 alpha-2); the contract key is the one read.' },
]
