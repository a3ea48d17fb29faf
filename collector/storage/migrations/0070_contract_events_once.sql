-- Contract events are written once (issue 11): mfa_events holds them and otel_logs holds only
-- the other log records, so each event costs one row in one table (plus its rollups) instead of
-- two. Queries that want every log record read the view otel_logs_all below, which renders
-- mfa_events rows as otel_logs rows.
--
-- The log record's envelope moves into mfa_events so the view can render it: severity, body,
-- trace flags, scope, resource attributes. content_hash is the receiver's fingerprint of the
-- row (collector/ingest/dedup.ts): it tells an event id resent with the same content (a
-- duplicate) from one reused with other content (a conflict), across restarts; 0 marks rows
-- written by another path (the otel_logs view of migration 0041, rows from before this one).
-- tenant comes with migration 0050 (access); repeated here only so this file stands alone.
ALTER TABLE mfa_events {on_cluster}
    ADD COLUMN IF NOT EXISTS tenant LowCardinality(String) DEFAULT 'default',
    ADD COLUMN IF NOT EXISTS severity_text LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS severity_number UInt8 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS body String DEFAULT '' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS trace_flags UInt8 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS scope_name LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS scope_version LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS content_hash UInt32 DEFAULT 0;

-- The dedup key of a log record outside the contract (a 64-bit hash of its content), so a batch
-- resent after a restart is recognised. MATERIALIZED like FactorWatchIngest: an exporter's
-- INSERT leaves it 0 and SELECT * does not show it.
ALTER TABLE otel_logs {on_cluster} ADD COLUMN IF NOT EXISTS FactorWatchHash UInt64 MATERIALIZED 0;

-- Every log record as otel_logs rows: otel_logs as stored (the receiver's other logs, and
-- everything an OpenTelemetry Collector's exporter wrote, contract events included, as it
-- wrote them), plus the receiver's contract events from mfa_events (content_hash != 0; rows the
-- 0041 view derived from otel_logs are already in the first half). Rendered: Timestamp to the
-- millisecond (mfa_events keeps DateTime64(3)); LogAttributes are the attributes map plus the
-- typed columns under their contract keys, non-empty strings and non-zero numbers only (the
-- snapshot counts always), so an absent key and an explicit 0 of mfa.attempt or
-- mfa.cost_micros read alike; ResourceSchemaUrl, ScopeSchemaUrl and ScopeAttributes are empty.
CREATE VIEW IF NOT EXISTS otel_logs_all {on_cluster} AS
SELECT Timestamp, TimestampTime, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
       ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName
FROM otel_logs
UNION ALL
SELECT
    toDateTime64(ts, 9) AS Timestamp,
    toDateTime(ts) AS TimestampTime,
    trace_id AS TraceId,
    span_id AS SpanId,
    trace_flags AS TraceFlags,
    severity_text AS SeverityText,
    severity_number AS SeverityNumber,
    service AS ServiceName,
    body AS Body,
    '' AS ResourceSchemaUrl,
    resource_attributes AS ResourceAttributes,
    '' AS ScopeSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    map() AS ScopeAttributes,
    mapUpdate(attributes, mapFilter((k, v) -> v != '', map(
        'event.name', event, 'event.id', event_id, 'mfa.schema_version', schema_version, 'mfa.flow_id', flow_id,
        'mfa.factor', factor, 'mfa.provider', provider, 'mfa.channel', channel, 'mfa.outcome', outcome, 'mfa.reason', reason,
        'mfa.latency_ms', ifNull(toString(latency_ms), ''), 'mfa.attempt', if(attempt = 0, '', toString(attempt)),
        'mfa.user_hash', user_hash, 'mfa.user_group', user_group, 'mfa.region', region, 'mfa.country', country, 'mfa.client', client,
        'mfa.risk_level', risk_level, 'mfa.cost_micros', if(cost_micros = 0, '', toString(cost_micros)), 'mfa.gameday_id', gameday_id,
        'mfa.intent', intent, 'mfa.provider_message_id', provider_message_id, 'mfa.http_status_class', http_status_class,
        'mfa.fallback_from', fallback_from, 'mfa.fallback_to', fallback_to, 'mfa.circuit_state', circuit_state,
        'mfa.circuit_from_state', circuit_from_state,
        'mfa.enrolled_count', if(enrolled_count = 0 AND event != 'mfa.enrollment.snapshot', '', toString(enrolled_count)),
        'mfa.total_count', if(total_count = 0 AND event != 'mfa.enrollment.snapshot', '', toString(total_count))
    ))) AS LogAttributes,
    event AS EventName
FROM mfa_events
WHERE content_hash != 0;
