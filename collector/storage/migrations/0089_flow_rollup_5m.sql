-- The flow rollup at five-minute resolution. 0080 kept finalized flows per hour, so only panels
-- with whole-hour steps could read it; a day's chart (15-minute steps, contract/time-window.ts)
-- grouped every flow of the day from raw events (~250-280 ms at 100 M events over 30 days).
-- Here a flow belongs to the five-minute bucket of its first anchor event; any step that is a
-- multiple of five minutes (every step the API picks for windows over 6 hours) sums whole
-- buckets. The job still finalizes whole hours and keeps its watermark per hour
-- (mfa_flow_rollup_hours); only the rows it writes are finer.
CREATE TABLE IF NOT EXISTS mfa_flow_rollup_5m {on_cluster}
(
    bucket      DateTime('UTC'),
    metric      LowCardinality(String),
    dim         LowCardinality(String),
    value       LowCardinality(String),
    flows       UInt64,
    hits        UInt64,
    seen        UInt64,
    computed_at DateTime64(3, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(computed_at)}
PARTITION BY toYYYYMM(bucket)
ORDER BY (metric, dim, value, bucket)
TTL bucket + INTERVAL {ttl_days} DAY;

-- Every hour is finalized again into the new table (minutes over 30 days of events): flow
-- metrics read raw events for every hour the job has not yet finalized again. The old table goes
-- first: an older collector still running against the same server then fails its next
-- finalization before it writes the watermark, instead of marking hours done after the TRUNCATE.
DROP TABLE IF EXISTS mfa_flow_rollup_1h {on_cluster};
TRUNCATE TABLE IF EXISTS mfa_flow_rollup_hours {on_cluster};
