-- Insert deduplication for the tables materialized views fill that 0060, 0073, 0081 and 0087 did
-- not reach. A spool segment replayed after a crash carries its first insert's token; its
-- blocks are dropped in mfa_events, and in a view's target only when that table keeps insert
-- hashes (non_replicated_deduplication_window; Replicated tables keep them by default). Without
-- it the plain counts of the provider rollups (0082, 0090) and of password-only sign-ins (0084)
-- counted a replayed batch twice. The other two only take min/max or replace rows, which a
-- replay cannot change, and are set for the rule's sake: every view target keeps the window
-- (collector/ingest/dedup-chdb.test.ts checks them all).
ALTER TABLE mfa_provider_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_provider_rollup_5m {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_password_only_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_user_countries {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_flow_rollup_dirty {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
