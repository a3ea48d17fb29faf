-- Where the OTLP receiver inserts contract events: a Null table with mfa_events' insert columns
-- (MFA_EVENTS_COLUMNS in collector/ingest/log-rows.ts) whose view passes every block on to
-- mfa_events, and from there to its rollups and copies as before.
--
-- Why: ClickHouse reads a LowCardinality column from text one value at a time, each through a
-- temporary column of its own; mfa_events has ~25 of them (and two maps keyed by one). Parsing
-- the receiver's TabSeparated rows was ~13 µs of a ~30 µs insert per row. Read as plain String
-- here, the view converts whole columns at once: the same insert costs ~20 µs per row (measured
-- on 20,000-row inserts through chDB, rollup views included; 2 cores).
--
-- Defaults are mfa_events' own (a column left out of an INSERT takes this table's default, not
-- the target's); a test compares both tables' columns, types and defaults.
--
-- Deduplication is unchanged: a Null table keeps no blocks, and the insert's
-- insert_deduplication_token reaches mfa_events and its views through this view
-- (deduplicate_blocks_in_dependent_materialized_views), so a replayed spool segment is dropped
-- by mfa_events as before. The receiver writes here except on a cluster, where it keeps
-- inserting into the Distributed mfa_events (collector/ingest/write-path.ts INSERT_TARGETS).
CREATE TABLE IF NOT EXISTS mfa_events_in {on_cluster}
(
    ts                   DateTime64(3, 'UTC'),
    event                String,
    service              String,
    tenant               String DEFAULT 'default',
    latency_ms           Nullable(UInt32),
    event_id             String,
    schema_version       String,
    flow_id              String,
    factor               String,
    provider             String,
    channel              String,
    outcome              String,
    reason               String,
    user_hash            String,
    user_group           String,
    region               String,
    country              String,
    client               String,
    risk_level           String,
    gameday_id           String,
    intent               String,
    provider_message_id  String,
    http_status_class    String,
    fallback_from        String,
    fallback_to          String,
    circuit_state        String,
    circuit_from_state   String,
    attempt              UInt16,
    cost_micros          UInt64,
    enrolled_count       UInt32,
    total_count          UInt32,
    trace_id             String,
    span_id              String,
    trace_flags          UInt8,
    severity_text        String,
    severity_number      UInt8,
    body                 String,
    scope_name           String,
    scope_version        String,
    resource_attributes  Map(String, String),
    attributes           Map(String, String),
    content_hash         UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_events_in_mv {on_cluster} TO mfa_events AS
SELECT ts, event, service, tenant, latency_ms, event_id, schema_version, flow_id, factor, provider, channel, outcome, reason,
       user_hash, user_group, region, country, client, risk_level, gameday_id, intent, provider_message_id, http_status_class,
       fallback_from, fallback_to, circuit_state, circuit_from_state, attempt, cost_micros, enrolled_count, total_count,
       trace_id, span_id, trace_flags, severity_text, severity_number, body, scope_name, scope_version,
       resource_attributes, attributes, content_hash
FROM mfa_events_in;
