-- Audit log (issue "access"; collector/access/audit-log.ts): one row per control-API action,
-- per refused request (401/403) and per console action posted to /api/v1/audit. Columns are
-- contract/access.ts AuditRecord plus `id`, the tie-break of the newest-first cursor. No tokens
-- and no personal data: actors are HMAC hashes or token:<role>. Kept 400 days whatever
-- MFA_EVENTS_TTL_DAYS says.
CREATE TABLE IF NOT EXISTS audit_log {on_cluster}
(
    ts          DateTime64(3, 'UTC'),
    id          String,
    source      LowCardinality(String),
    actor       String,
    role        LowCardinality(String),
    action      LowCardinality(String),
    target      String,
    route       LowCardinality(String),
    result      LowCardinality(String),
    status      UInt16,
    source_ip   String,
    request_id  String,
    detail      String
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(ts)
ORDER BY (ts, id)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS ttl_only_drop_parts = 1;
