-- The rare events the security reports and the circuit history read (enrollment changes and
-- snapshots, recovery, bypass, exemption, lockout, circuit changes; SECURITY_EVENTS in
-- collector/query/sql.ts), copied from mfa_events into a table partitioned by month.
--
-- mfa_events is partitioned by day, so a month's read of a rare event opens every part of 30
-- partitions to find a few granules in each: ~25 ms a pass at the demo's scale however few rows
-- match, and the recovery report makes several. Here the same rows sit in one or two parts per
-- month (~4x cheaper a pass, measured at 39 M events). Same key and engine as mfa_events, so a
-- re-delivered copy is kept and dropped the same way (queries drop copies by event id or FINAL).
-- network, risk_signals and request_id are plain columns, taken from the attributes map as
-- mfa_events' MATERIALIZED ones are (0081, 0086).
CREATE TABLE IF NOT EXISTS mfa_security_events {on_cluster}
(
    ts                  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    event               LowCardinality(String),
    event_id            String CODEC(ZSTD(1)),
    tenant              LowCardinality(String),
    service             LowCardinality(String),
    flow_id             String CODEC(ZSTD(1)),
    factor              LowCardinality(String),
    provider            LowCardinality(String),
    channel             LowCardinality(String),
    outcome             LowCardinality(String),
    reason              LowCardinality(String),
    attempt             UInt16,
    user_hash           String CODEC(ZSTD(1)),
    user_group          LowCardinality(String),
    region              LowCardinality(String),
    country             LowCardinality(String),
    client              LowCardinality(String),
    risk_level          LowCardinality(String),
    intent              LowCardinality(String),
    circuit_state       LowCardinality(String),
    circuit_from_state  LowCardinality(String),
    enrolled_count      UInt32,
    total_count         UInt32,
    network             LowCardinality(String),
    risk_signals        LowCardinality(String),
    request_id          String CODEC(ZSTD(1)),
    trace_id            String CODEC(ZSTD(1)),
    attributes          Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    inserted_at         DateTime64(3, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(inserted_at)}
PARTITION BY toYYYYMM(ts)
ORDER BY (event, ts, event_id)
TTL toDateTime(ts) + INTERVAL {ttl_days} DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_security_events_mv {on_cluster} TO mfa_security_events AS
SELECT ts, event, event_id, tenant, service, flow_id, factor, provider, channel, outcome, reason, attempt, user_hash, user_group,
       region, country, client, risk_level, intent, circuit_state, circuit_from_state, enrolled_count, total_count,
       attributes['mfa.network'] AS network, attributes['mfa.risk_signals'] AS risk_signals, attributes['mfa.request_id'] AS request_id,
       trace_id, attributes, inserted_at
FROM mfa_events
WHERE event IN ('mfa.enrollment.changed', 'mfa.enrollment.snapshot', 'mfa.recovery', 'mfa.bypass', 'mfa.exemption', 'mfa.lockout', 'mfa.circuit.changed');

-- Backfill the events stored before this migration. Not guarded by "only into an empty table":
-- rows the view copies while this runs (another collector, the otel_logs view) would then skip
-- the whole history, and a crash mid-way would leave it partial for good. Running it again only
-- adds copies, which every reader drops (by event id, FINAL or argMax) and merges remove.
INSERT INTO mfa_security_events
SELECT ts, event, event_id, tenant, service, flow_id, factor, provider, channel, outcome, reason, attempt, user_hash, user_group,
       region, country, client, risk_level, intent, circuit_state, circuit_from_state, enrolled_count, total_count,
       attributes['mfa.network'], attributes['mfa.risk_signals'], attributes['mfa.request_id'], trace_id, attributes, inserted_at
FROM mfa_events
WHERE event IN ('mfa.enrollment.changed', 'mfa.enrollment.snapshot', 'mfa.recovery', 'mfa.bypass', 'mfa.exemption', 'mfa.lockout', 'mfa.circuit.changed');
