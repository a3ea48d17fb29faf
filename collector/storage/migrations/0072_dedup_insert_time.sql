-- When each row was stored, so the receiver's dedup memory (collector/ingest/dedup.ts
-- loadRecentKeys) can be refilled at start with what arrived in the last hour, whatever the
-- records' own times (an exporter's backlog resent after a restart carries old timestamps).
-- otel_logs and otel_traces get a MATERIALIZED column, hidden from SELECT * and filled by the
-- server, so the tables still read like the contrib exporter's; mfa_events has inserted_at.
-- minmax indexes let the start-up read skip everything older.
ALTER TABLE otel_logs {on_cluster} ADD COLUMN IF NOT EXISTS FactorWatchInsertedAt DateTime MATERIALIZED now() CODEC(Delta, ZSTD(1));
ALTER TABLE otel_logs {on_cluster} ADD INDEX IF NOT EXISTS idx_fw_inserted_at FactorWatchInsertedAt TYPE minmax GRANULARITY 1;
ALTER TABLE otel_traces {on_cluster} ADD COLUMN IF NOT EXISTS FactorWatchInsertedAt DateTime MATERIALIZED now() CODEC(Delta, ZSTD(1));
ALTER TABLE otel_traces {on_cluster} ADD INDEX IF NOT EXISTS idx_fw_inserted_at FactorWatchInsertedAt TYPE minmax GRANULARITY 1;
ALTER TABLE mfa_events {on_cluster} ADD INDEX IF NOT EXISTS idx_inserted_at inserted_at TYPE minmax GRANULARITY 1;
