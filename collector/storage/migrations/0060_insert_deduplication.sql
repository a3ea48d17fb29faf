-- Insert deduplication for the OTLP receiver's spool (collector/ingest/spool.ts, batcher.ts).
-- Every batch is inserted with an insert_deduplication_token named after its spool segment; a
-- batch replayed after a crash (inserted, but its segment not yet deleted) carries the same token
-- and ClickHouse drops it. A non-replicated MergeTree keeps no insert hashes unless this window is
-- set (Replicated tables keep replicated_deduplication_window by default). The rollups and lookups
-- fed by materialized views need it too: with deduplicate_blocks_in_dependent_materialized_views
-- the views' blocks carry tokens derived from the insert's, and are dropped with it
-- (collector/ingest/dedup-chdb.test.ts checks that chDB does so, chained views included).
-- 1,000 blocks: a replay is at most the one batch per table that was in flight at the crash.
-- Side effect, wanted: an identical block inserted without a token (an OTel Collector exporter's
-- retry into otel_logs) is dropped as well.
ALTER TABLE mfa_events {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_rollup_1m {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_logs {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_traces {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_traces_trace_id_ts {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_gauge {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_sum {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_histogram {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
