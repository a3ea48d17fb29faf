-- Finalized flows, per hour (collector/query/flow-rollup.ts). M1, M3, M6 and M10 count flows,
-- not events: retries and fallbacks inside one flow_id count once. Read from raw events that
-- means grouping every flow of the window, millions over 30 days. Once an hour's flows can no
-- longer change (the hour ended longer ago than the 10-minute flow lookahead plus a margin for
-- late exports), the collector's flow-rollup job groups them once and writes here:
--   metric  M1 | M3 | M6 | M10
--   dim     '' for every flow, or the one filter key a query may use (factor, provider, region,
--           user_group, client) with its value: the flows a raw query with that one filter counts
--   flows   flows counted (M10: decided flows), hits the numerator, seen every flow (M10 pending)
-- A flow belongs to the hour of its first anchor event (first verification for M1, first
-- challenge for the others). Recomputing an hour replaces its rows (ReplacingMergeTree on
-- computed_at, read with FINAL), so a job that dies between its insert and its watermark row
-- does no harm when it runs again.
CREATE TABLE IF NOT EXISTS mfa_flow_rollup_1h {on_cluster}
(
    hour        DateTime('UTC'),
    metric      LowCardinality(String),
    dim         LowCardinality(String),
    value       LowCardinality(String),
    flows       UInt64,
    hits        UInt64,
    seen        UInt64,
    computed_at DateTime64(3, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(computed_at)}
PARTITION BY toYYYYMM(hour)
ORDER BY (metric, dim, value, hour)
TTL hour + INTERVAL {ttl_days} DAY;

-- One row per finalized hour: the job's watermark. Hours are finalized oldest first, so every
-- hour up to the newest row here is in mfa_flow_rollup_1h.
CREATE TABLE IF NOT EXISTS mfa_flow_rollup_hours {on_cluster}
(
    hour        DateTime('UTC'),
    flows       UInt64,
    computed_at DateTime64(3, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(computed_at)}
ORDER BY hour
TTL hour + INTERVAL {ttl_days} DAY;

-- Hours that received flow events after they were finalized (a producer's buffer flushed late,
-- a spool replayed after a long stop): the job finalizes them again. Each insert block marks the
-- hours of its events, and the hour before (a flow anchored there may end in this one).
CREATE TABLE IF NOT EXISTS mfa_flow_rollup_dirty {on_cluster}
(
    hour        DateTime('UTC'),
    last_insert DateTime64(3, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(last_insert)}
ORDER BY hour
TTL hour + INTERVAL {ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_flow_rollup_dirty_mv {on_cluster} TO mfa_flow_rollup_dirty AS
SELECT h AS hour, max(now64(3)) AS last_insert
FROM mfa_events
ARRAY JOIN [toStartOfHour(ts), toStartOfHour(ts - INTERVAL 10 MINUTE)] AS h
WHERE event IN ('mfa.challenge.issued', 'mfa.challenge.verified', 'mfa.fallback', 'mfa.provider.request', 'mfa.login.completed') AND flow_id != ''
GROUP BY hour;
