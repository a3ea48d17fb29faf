-- Per-minute and hourly rollups of mfa_events for dashboards over long ranges (collector/query
-- reads them when a window spans more than 6 hours). Counts are uniq states of event_id, so a
-- re-delivered event counts once here too; latency quantile states are reservoir samples of
-- latency_ms (ClickHouse `quantiles`), merged across minutes and dimensions at query time.
CREATE TABLE IF NOT EXISTS mfa_rollup_1m {on_cluster}
(
    minute      DateTime('UTC'),
    event       LowCardinality(String),
    factor      LowCardinality(String),
    provider    LowCardinality(String),
    region      LowCardinality(String),
    user_group  LowCardinality(String),
    client      LowCardinality(String),
    outcome     LowCardinality(String),
    reason      LowCardinality(String),
    events      AggregateFunction(uniq, String),
    latency     AggregateFunction(quantilesIf(0.5, 0.95, 0.99), UInt32, UInt8),
    cost_micros SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toDate(minute)
ORDER BY (event, minute, outcome, reason, factor, provider, region, user_group, client)
TTL minute + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS mfa_rollup_1h {on_cluster}
(
    minute      DateTime('UTC'),
    event       LowCardinality(String),
    factor      LowCardinality(String),
    provider    LowCardinality(String),
    region      LowCardinality(String),
    user_group  LowCardinality(String),
    client      LowCardinality(String),
    outcome     LowCardinality(String),
    reason      LowCardinality(String),
    events      AggregateFunction(uniq, String),
    latency     AggregateFunction(quantilesIf(0.5, 0.95, 0.99), UInt32, UInt8),
    cost_micros SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (event, minute, outcome, reason, factor, provider, region, user_group, client)
TTL minute + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_rollup_1m_mv {on_cluster} TO mfa_rollup_1m AS
SELECT toStartOfMinute(ts) AS minute, event, factor, provider, region, user_group, client, outcome, reason,
       uniqState(event_id) AS events,
       quantilesStateIf(0.5, 0.95, 0.99)(assumeNotNull(latency_ms), isNotNull(latency_ms)) AS latency,
       sum(cost_micros) AS cost_micros
FROM mfa_events
GROUP BY minute, event, factor, provider, region, user_group, client, outcome, reason;

-- Chained: every block written to the minute table is folded into its hour.
CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_rollup_1h_mv {on_cluster} TO mfa_rollup_1h AS
SELECT toStartOfHour(minute) AS minute, event, factor, provider, region, user_group, client, outcome, reason,
       uniqMergeState(events) AS events,
       quantilesIfMergeState(0.5, 0.95, 0.99)(latency) AS latency,
       sum(cost_micros) AS cost_micros
FROM mfa_rollup_1m
GROUP BY minute, event, factor, provider, region, user_group, client, outcome, reason;

-- Backfill events stored before the rollups existed (counts are idempotent uniq states).
INSERT INTO mfa_rollup_1m
SELECT toStartOfMinute(ts) AS minute, event, factor, provider, region, user_group, client, outcome, reason,
       uniqState(event_id), quantilesStateIf(0.5, 0.95, 0.99)(assumeNotNull(latency_ms), isNotNull(latency_ms)), sum(cost_micros)
FROM mfa_events
WHERE (SELECT count() FROM mfa_rollup_1m) = 0
GROUP BY minute, event, factor, provider, region, user_group, client, outcome, reason;
