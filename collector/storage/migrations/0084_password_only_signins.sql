-- Sign-ins that passed with the password alone because the account has no second factor
-- (mfa.login.completed reason mfa_not_enrolled), per hour and user hash: the Security page's
-- "admins without a second factor" (collector/query/security-sql.ts). They are rare but spread
-- over every part of mfa_events, so reading them raw over 30 days read every sign-in's columns.
-- Counts are rows: ingest drops re-deliveries (event-id dedup and insert tokens).
CREATE TABLE IF NOT EXISTS mfa_password_only_1h {on_cluster}
(
    hour       DateTime('UTC'),
    user_group LowCardinality(String),
    user_hash  String,
    factor     LowCardinality(String),
    provider   LowCardinality(String),
    region     LowCardinality(String),
    client     LowCardinality(String),
    n          SimpleAggregateFunction(sum, UInt64),
    last_at    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    service    SimpleAggregateFunction(anyLast, LowCardinality(String))
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(hour)
ORDER BY (user_group, hour, user_hash, factor, provider, region, client)
TTL hour + INTERVAL {ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_password_only_1h_mv {on_cluster} TO mfa_password_only_1h AS
SELECT toStartOfHour(ts) AS hour, user_group, user_hash, factor, provider, region, client, count() AS n, max(ts) AS last_at, anyLast(service) AS service
FROM mfa_events
WHERE event = 'mfa.login.completed' AND reason = 'mfa_not_enrolled' AND user_hash != ''
GROUP BY hour, user_group, user_hash, factor, provider, region, client;

INSERT INTO mfa_password_only_1h
SELECT toStartOfHour(ts) AS hour, user_group, user_hash, factor, provider, region, client, count(), max(ts), anyLast(service)
FROM mfa_events FINAL
WHERE event = 'mfa.login.completed' AND reason = 'mfa_not_enrolled' AND user_hash != ''
  AND (SELECT count() FROM mfa_password_only_1h) = 0
GROUP BY hour, user_group, user_hash, factor, provider, region, client;
