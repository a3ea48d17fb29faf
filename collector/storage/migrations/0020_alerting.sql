-- Alert state transitions (collector/alerting): every change of every alert, kept even when a
-- silence or maintenance window held its notification back (suppressed = 1).
CREATE TABLE IF NOT EXISTS alert_history {on_cluster}
(
    ts          DateTime64(3, 'UTC'),
    alert_id    String,
    rule_id     LowCardinality(String),
    alertname   LowCardinality(String),
    severity    LowCardinality(String),
    from_state  LowCardinality(String),
    to_state    LowCardinality(String),
    reason      String,
    value       Nullable(Float64),
    labels      Map(LowCardinality(String), String),
    suppressed  UInt8
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(ts)
ORDER BY (ts, alert_id)
TTL toDateTime(ts) + INTERVAL {ttl_days} DAY;

-- Silences and maintenance windows created over the API. Expiring one writes a new version
-- with ends_at = now; readers take the latest version (FINAL).
CREATE TABLE IF NOT EXISTS alert_mutes {on_cluster}
(
    id          String,
    kind        LowCardinality(String),
    name        String,
    matchers    String,
    starts_at   DateTime64(3, 'UTC'),
    ends_at     DateTime64(3, 'UTC'),
    created_by  String,
    comment     String,
    version     UInt64
)
ENGINE = {engine:ReplacingMergeTree(version)}
ORDER BY (kind, id);
