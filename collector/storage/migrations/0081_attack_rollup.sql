-- The attack report over long windows (issue 14: the Security page's panels under 200 ms over
-- 30 days; collector/query/attack-sql.ts reads these when a window spans more than 6 hours).
--
-- The IdP's source network and risk signals become columns: grouping by a Map key reads the
-- whole attributes map. MATERIALIZED, so the receiver's inserts (explicit column lists) and the
-- otel_logs view (0041) fill them without naming them, and `SELECT *` does not show them. Parts
-- written before this migration compute them from the map when read.
ALTER TABLE mfa_events {on_cluster} ADD COLUMN IF NOT EXISTS network LowCardinality(String) MATERIALIZED attributes['mfa.network'];
ALTER TABLE mfa_events {on_cluster} ADD COLUMN IF NOT EXISTS risk_signals LowCardinality(String) MATERIALIZED attributes['mfa.risk_signals'];

-- Attack events per hour, one row per combination of everything the report groups or filters by
-- (user_hash included: users touched, brute force per user). Rows:
--   failed passwords and revoked-session reuse (mfa.login.completed reason password_failed or
--   session_revoked), failed second-factor checks (mfa.challenge.verified outcome != 'success'),
--   every mfa.lockout, and, for the block list, any sign-in step whose risk signals hold
--   known_bad_ip (mfa.login.started / completed, mfa.challenge.verified).
-- Counting, in both rollups: n = count(), rows, not uniq states of event_id as the raw report's
-- uniq(event_id) and the rollups of 0010 keep. Merging such states cost the month's report
-- 250 ms at the demo's scale (39 M events), sums 140 ms in all. Rows equal distinct events as long
-- as no event is stored twice: the receiver drops re-deliveries within its dedup window
-- (collector/ingest/dedup.ts: the last 200,000 records or 1 h) and replayed spool batches by
-- insert token (0060). Not dropped, and so counted twice here but once by the raw report: a copy
-- resent after that window, or inserted around the receiver (an identical row written again
-- straight into mfa_events). `last` is the latest ts (brute force's last attempt).
CREATE TABLE IF NOT EXISTS mfa_attack_rollup_1h {on_cluster}
(
    hour         DateTime('UTC'),
    event        LowCardinality(String),
    outcome      LowCardinality(String),
    reason       LowCardinality(String),
    factor       LowCardinality(String),
    provider     LowCardinality(String),
    region       LowCardinality(String),
    user_group   LowCardinality(String),
    client       LowCardinality(String),
    country      LowCardinality(String),
    network      LowCardinality(String),
    risk_signals LowCardinality(String),
    user_hash    String CODEC(ZSTD(1)),
    n            SimpleAggregateFunction(sum, UInt64),
    last         SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(hour)
ORDER BY (event, hour, outcome, reason, factor, provider, region, user_group, client, country, network, risk_signals, user_hash)
TTL hour + INTERVAL {ttl_days} DAY;

-- Sign-ins (mfa.login.started) per hour by risk level and signals, for the risk series.
CREATE TABLE IF NOT EXISTS mfa_risk_rollup_1h {on_cluster}
(
    hour         DateTime('UTC'),
    risk_level   LowCardinality(String),
    risk_signals LowCardinality(String),
    factor       LowCardinality(String),
    provider     LowCardinality(String),
    region       LowCardinality(String),
    user_group   LowCardinality(String),
    client       LowCardinality(String),
    n            SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, risk_level, risk_signals, factor, provider, region, user_group, client)
TTL hour + INTERVAL {ttl_days} DAY;

-- Views and backfill read the map, not the new columns: the same value, whether or not a part
-- has the column stored yet.
CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_attack_rollup_1h_mv {on_cluster} TO mfa_attack_rollup_1h AS
SELECT toStartOfHour(ts) AS hour, event, outcome, reason, factor, provider, region, user_group, client, country,
       attributes['mfa.network'] AS network, attributes['mfa.risk_signals'] AS risk_signals, user_hash,
       count() AS n, max(ts) AS last
FROM mfa_events
WHERE (event = 'mfa.login.completed' AND reason IN ('password_failed', 'session_revoked'))
   OR (event = 'mfa.challenge.verified' AND outcome != 'success')
   OR event = 'mfa.lockout'
   OR (event IN ('mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified') AND has(splitByChar(',', attributes['mfa.risk_signals']), 'known_bad_ip'))
GROUP BY hour, event, outcome, reason, factor, provider, region, user_group, client, country, network, risk_signals, user_hash;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_risk_rollup_1h_mv {on_cluster} TO mfa_risk_rollup_1h AS
SELECT toStartOfHour(ts) AS hour, risk_level, attributes['mfa.risk_signals'] AS risk_signals, factor, provider, region, user_group, client,
       count() AS n
FROM mfa_events
WHERE event = 'mfa.login.started'
GROUP BY hour, risk_level, risk_signals, factor, provider, region, user_group, client;

-- Replayed spool batches are dropped here too (see 0060).
ALTER TABLE mfa_attack_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_risk_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;

-- Backfill events stored before the rollups existed, once: only while a rollup is empty (a
-- migration interrupted after its backfill runs again without adding a second copy).
INSERT INTO mfa_attack_rollup_1h
SELECT toStartOfHour(ts) AS hour, event, outcome, reason, factor, provider, region, user_group, client, country,
       attributes['mfa.network'] AS network, attributes['mfa.risk_signals'] AS risk_signals, user_hash,
       count(), max(ts)
FROM mfa_events
WHERE ((event = 'mfa.login.completed' AND reason IN ('password_failed', 'session_revoked'))
   OR (event = 'mfa.challenge.verified' AND outcome != 'success')
   OR event = 'mfa.lockout'
   OR (event IN ('mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified') AND has(splitByChar(',', attributes['mfa.risk_signals']), 'known_bad_ip')))
  AND (SELECT count() FROM mfa_attack_rollup_1h) = 0
GROUP BY hour, event, outcome, reason, factor, provider, region, user_group, client, country, network, risk_signals, user_hash;

INSERT INTO mfa_risk_rollup_1h
SELECT toStartOfHour(ts) AS hour, risk_level, attributes['mfa.risk_signals'] AS risk_signals, factor, provider, region, user_group, client,
       count()
FROM mfa_events
WHERE event = 'mfa.login.started' AND (SELECT count() FROM mfa_risk_rollup_1h) = 0
GROUP BY hour, risk_level, risk_signals, factor, provider, region, user_group, client;
