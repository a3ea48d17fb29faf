-- Contract events refused as conflicts (issue 11): an event.id already stored with other
-- content. The first stored stays in mfa_events; the later one is counted
-- (factorwatch_otlp_records_total{result="conflict"}), kept here for inspection and served by
-- GET /api/v1/ingest/conflicts. `attributes` are the refused record's attributes as sent
-- (contract-valid, so no raw user ids); first_hash/conflict_hash are the receiver's
-- fingerprints of the two contents (collector/ingest/dedup.ts).
CREATE TABLE IF NOT EXISTS ingest_conflicts {on_cluster}
(
    seen_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    ts            DateTime64(3, 'UTC'),
    event         LowCardinality(String),
    event_id      String CODEC(ZSTD(1)),
    service       LowCardinality(String),
    tenant        LowCardinality(String) DEFAULT 'default',
    first_hash    UInt32,
    conflict_hash UInt32,
    attributes    Map(LowCardinality(String), String) CODEC(ZSTD(1))
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(ts)
ORDER BY (ts, event_id)
TTL toDateTime(ts) + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1;
