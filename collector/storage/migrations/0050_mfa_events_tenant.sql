-- The tenant of each event (issue "access"): the collector stamps the producer token's tenant
-- on every record's resource as factorwatch.tenant (contract/access.ts TENANT_ATTRIBUTE),
-- overwriting whatever the payload said; collector/ingest/log-rows.ts copies it here. Rows from
-- before this migration, and rows the otel_logs view (0041) makes from a Collector's own
-- exporter (no producer token), read 'default'.
ALTER TABLE mfa_events {on_cluster} ADD COLUMN IF NOT EXISTS tenant LowCardinality(String) DEFAULT 'default';
