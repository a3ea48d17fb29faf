-- ingest_conflicts (migration 0071) is written through the OTLP receiver's spool like the other
-- ingest tables: each batch carries an insert_deduplication_token named after its segment, and a
-- batch replayed after a crash (inserted, segment not yet deleted) must be dropped by ClickHouse.
-- A non-replicated MergeTree keeps no insert hashes without this window (see migration 0060),
-- so without it a replay doubled the conflict rows.
ALTER TABLE ingest_conflicts {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
