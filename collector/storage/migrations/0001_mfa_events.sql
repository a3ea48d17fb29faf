-- Typed MFA events of the contract (contract/). One row per log record whose event.name
-- starts with mfa. or gameday.; unknown attributes go to the `attributes` map.
-- ReplacingMergeTree on (event, ts, event_id) drops duplicate deliveries of one event.
CREATE TABLE IF NOT EXISTS mfa_events {on_cluster}
(
    ts                  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    event               LowCardinality(String),
    event_id            String CODEC(ZSTD(1)),
    schema_version      LowCardinality(String),
    service             LowCardinality(String),
    flow_id             String CODEC(ZSTD(1)),
    factor              LowCardinality(String),
    provider            LowCardinality(String),
    channel             LowCardinality(String),
    outcome             LowCardinality(String),
    reason              LowCardinality(String),
    latency_ms          Nullable(UInt32),
    attempt             UInt16,
    user_hash           String CODEC(ZSTD(1)),
    user_group          LowCardinality(String),
    region              LowCardinality(String),
    country             LowCardinality(String),
    client              LowCardinality(String),
    risk_level          LowCardinality(String),
    cost_micros         UInt64,
    gameday_id          LowCardinality(String),
    intent              LowCardinality(String),
    provider_message_id String CODEC(ZSTD(1)),
    http_status_class   LowCardinality(String),
    fallback_from       LowCardinality(String),
    fallback_to         LowCardinality(String),
    circuit_state       LowCardinality(String),
    circuit_from_state  LowCardinality(String),
    enrolled_count      UInt32,
    total_count         UInt32,
    trace_id            String CODEC(ZSTD(1)),
    span_id             String CODEC(ZSTD(1)),
    attributes          Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    inserted_at         DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_flow flow_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_msg provider_message_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {engine:ReplacingMergeTree(inserted_at)}
PARTITION BY toDate(ts)
ORDER BY (event, ts, event_id)
TTL toDateTime(ts) + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1;
