-- First and last successful sign-in per user hash and country (collector/query/security-sql.ts,
-- recovery abuse signals: "recovery from a country this user never signed in from"). Read from
-- raw events that meant grouping every successful sign-in of 90 days; this table has one row per
-- user and country. A row leaves with the events: its last sign-in older than the retention.
CREATE TABLE IF NOT EXISTS mfa_user_countries {on_cluster}
(
    user_hash  String,
    country    LowCardinality(String),
    first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen  SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = {engine:AggregatingMergeTree}
ORDER BY (user_hash, country)
TTL toDateTime(last_seen) + INTERVAL {ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_user_countries_mv {on_cluster} TO mfa_user_countries AS
SELECT user_hash, country, min(ts) AS first_seen, max(ts) AS last_seen
FROM mfa_events
WHERE event = 'mfa.login.completed' AND outcome = 'success' AND country != '' AND user_hash != ''
GROUP BY user_hash, country;

INSERT INTO mfa_user_countries
SELECT user_hash, country, min(ts), max(ts)
FROM mfa_events
WHERE event = 'mfa.login.completed' AND outcome = 'success' AND country != '' AND user_hash != ''
  AND (SELECT count() FROM mfa_user_countries) = 0
GROUP BY user_hash, country;
