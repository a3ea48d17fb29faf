-- The otel_logs -> mfa_events view of 0041, again with the contract's event names as they are
-- now: mfa.exemption (issue 14) joined them, and a Collector's exporter sending it would
-- otherwise see it dropped. The view is replaced whole (its SELECT is 0041's, the name list
-- updated); test/otel-collector-view.test.ts checks it against contract/.
-- Between the DROP and the CREATE nothing reads otel_logs: migrations run before ingest starts.
DROP VIEW IF EXISTS otel_logs_mfa_events_mv {on_cluster};

CREATE MATERIALIZED VIEW IF NOT EXISTS otel_logs_mfa_events_mv {on_cluster} TO mfa_events AS
WITH
    if(EventName != '', EventName, LogAttributes['event.name']) AS name,
    if(LogAttributes['mfa.user_hash'] != '', LogAttributes['mfa.user_hash'], LogAttributes['user.hash']) AS hashed_user
SELECT
    toDateTime64(Timestamp, 3, 'UTC') AS ts,
    name AS event,
    multiIf(
        LogAttributes['event.id'] != '', LogAttributes['event.id'],
        LogAttributes['log.record.uid'] != '', LogAttributes['log.record.uid'],
        lower(hex(substring(SHA256(concat(ServiceName, '\0', toString(Timestamp), '\0', TraceId, '\0', SpanId, '\0', Body, '\0', toString(LogAttributes))), 1, 16)))
    ) AS event_id,
    LogAttributes['mfa.schema_version'] AS schema_version,
    ServiceName AS service,
    LogAttributes['mfa.flow_id'] AS flow_id,
    LogAttributes['mfa.factor'] AS factor,
    LogAttributes['mfa.provider'] AS provider,
    LogAttributes['mfa.channel'] AS channel,
    LogAttributes['mfa.outcome'] AS outcome,
    LogAttributes['mfa.reason'] AS reason,
    toUInt32OrNull(LogAttributes['mfa.latency_ms']) AS latency_ms,
    toUInt16OrZero(LogAttributes['mfa.attempt']) AS attempt,
    hashed_user AS user_hash,
    LogAttributes['mfa.user_group'] AS user_group,
    LogAttributes['mfa.region'] AS region,
    LogAttributes['mfa.country'] AS country,
    LogAttributes['mfa.client'] AS client,
    LogAttributes['mfa.risk_level'] AS risk_level,
    toUInt64OrZero(LogAttributes['mfa.cost_micros']) AS cost_micros,
    LogAttributes['mfa.gameday_id'] AS gameday_id,
    LogAttributes['mfa.intent'] AS intent,
    LogAttributes['mfa.provider_message_id'] AS provider_message_id,
    LogAttributes['mfa.http_status_class'] AS http_status_class,
    LogAttributes['mfa.fallback_from'] AS fallback_from,
    LogAttributes['mfa.fallback_to'] AS fallback_to,
    LogAttributes['mfa.circuit_state'] AS circuit_state,
    LogAttributes['mfa.circuit_from_state'] AS circuit_from_state,
    toUInt32OrZero(LogAttributes['mfa.enrolled_count']) AS enrolled_count,
    toUInt32OrZero(LogAttributes['mfa.total_count']) AS total_count,
    TraceId AS trace_id,
    SpanId AS span_id,
    mapFilter((k, v) -> k NOT IN ('event.name', 'event.id', 'mfa.schema_version', 'mfa.flow_id', 'mfa.factor', 'mfa.provider', 'mfa.channel', 'mfa.outcome', 'mfa.reason', 'mfa.latency_ms', 'mfa.attempt', 'mfa.user_hash', 'mfa.user_group', 'mfa.region', 'mfa.country', 'mfa.client', 'mfa.risk_level', 'mfa.cost_micros', 'mfa.gameday_id', 'mfa.intent', 'mfa.provider_message_id', 'mfa.http_status_class', 'mfa.fallback_from', 'mfa.fallback_to', 'mfa.circuit_state', 'mfa.circuit_from_state', 'mfa.enrolled_count', 'mfa.total_count'), LogAttributes) AS attributes
FROM otel_logs
WHERE FactorWatchIngest = 0
  AND name IN ('mfa.login.started', 'mfa.challenge.issued', 'mfa.challenge.verified', 'mfa.fallback', 'mfa.provider.request', 'mfa.provider.delivery', 'mfa.enrollment.changed', 'mfa.enrollment.snapshot', 'mfa.recovery', 'mfa.bypass', 'mfa.exemption', 'mfa.lockout', 'mfa.stepup', 'mfa.circuit.changed', 'mfa.login.completed', 'gameday.started', 'gameday.ended', 'gameday.fault')
  AND LogAttributes['mfa.factor'] IN ('', 'password', 'totp', 'webauthn', 'sms', 'voice', 'email', 'push', 'recovery_code', 'admin_recovery')
  AND LogAttributes['mfa.outcome'] IN ('', 'success', 'failure', 'expired', 'replayed', 'rate_limited', 'locked_out', 'abandoned', 'error', 'timeout')
  AND (hashed_user = '' OR match(hashed_user, '^[0-9a-f]{16,64}$'));
