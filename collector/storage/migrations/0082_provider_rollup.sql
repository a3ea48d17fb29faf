-- Hourly rollup of the sub-processor events and of every second-factor verification
-- (collector/query/providers.ts, and explore.ts's latency by region and errors by client, read it
-- for windows over 6 hours). mfa_rollup_1h has no channel and no fallback target, and its uniq states make
-- ratios such as availability (successes / requests) imprecise once counts pass 65,536; this
-- one keeps plain counts. Ingest drops re-deliveries (event-id dedup and insert tokens), so a
-- count here is what FINAL over raw events gives, short of a duplicate that slipped both.
CREATE TABLE IF NOT EXISTS mfa_provider_rollup_1h {on_cluster}
(
    hour          DateTime('UTC'),
    event         LowCardinality(String),
    provider      LowCardinality(String),
    channel       LowCardinality(String),
    region        LowCardinality(String),
    client        LowCardinality(String),
    factor        LowCardinality(String),
    outcome       LowCardinality(String),
    reason        LowCardinality(String),
    fallback_from LowCardinality(String),
    fallback_to   LowCardinality(String),
    n             SimpleAggregateFunction(sum, UInt64),
    with_latency  SimpleAggregateFunction(sum, UInt64),
    latency       AggregateFunction(quantilesIf(0.5, 0.95, 0.99), UInt32, UInt8),
    cost_micros   SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(hour)
ORDER BY (event, hour, provider, channel, region, client, factor, outcome, reason, fallback_from, fallback_to)
TTL hour + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_provider_rollup_1h_mv {on_cluster} TO mfa_provider_rollup_1h AS
SELECT toStartOfHour(ts) AS hour, event, provider, channel, region, client, factor, outcome, reason, fallback_from, fallback_to,
       count() AS n, countIf(latency_ms IS NOT NULL) AS with_latency,
       quantilesStateIf(0.5, 0.95, 0.99)(assumeNotNull(latency_ms), isNotNull(latency_ms)) AS latency,
       sum(cost_micros) AS cost_micros
FROM mfa_events
WHERE event IN ('mfa.provider.request', 'mfa.provider.delivery', 'mfa.fallback', 'mfa.challenge.verified')
GROUP BY hour, event, provider, channel, region, client, factor, outcome, reason, fallback_from, fallback_to;

-- Events stored before this migration, once (FINAL: each counted once).
INSERT INTO mfa_provider_rollup_1h
SELECT toStartOfHour(ts) AS hour, event, provider, channel, region, client, factor, outcome, reason, fallback_from, fallback_to,
       count(), countIf(latency_ms IS NOT NULL), quantilesStateIf(0.5, 0.95, 0.99)(assumeNotNull(latency_ms), isNotNull(latency_ms)), sum(cost_micros)
FROM mfa_events FINAL
WHERE event IN ('mfa.provider.request', 'mfa.provider.delivery', 'mfa.fallback', 'mfa.challenge.verified')
  AND (SELECT count() FROM mfa_provider_rollup_1h) = 0
GROUP BY hour, event, provider, channel, region, client, factor, outcome, reason, fallback_from, fallback_to;
