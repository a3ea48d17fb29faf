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
-- Counting: `events` is a uniq state of event_id, as the raw report's uniq(event_id) and the
-- rollups of 0010: the receiver drops re-deliveries only within its dedup window
-- (collector/ingest/dedup.ts, ~20 s at 10,000 records/s, at most 1 h), and the otel_logs view and
-- direct inserts not at all, so a plain count() would count a copy resent later twice. `n` is the
-- row count (copies included) and only weights the top country, as topK over raw rows does.
-- `last` is the latest ts (brute force's last attempt).
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
    events       AggregateFunction(uniq, String),
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
    events       AggregateFunction(uniq, String)
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
       uniqState(event_id) AS events, count() AS n, max(ts) AS last
FROM mfa_events
WHERE (event = 'mfa.login.completed' AND reason IN ('password_failed', 'session_revoked'))
   OR (event = 'mfa.challenge.verified' AND outcome != 'success')
   OR event = 'mfa.lockout'
   OR (event IN ('mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified') AND has(splitByChar(',', attributes['mfa.risk_signals']), 'known_bad_ip'))
GROUP BY hour, event, outcome, reason, factor, provider, region, user_group, client, country, network, risk_signals, user_hash;

CREATE MATERIALIZED VIEW IF NOT EXISTS mfa_risk_rollup_1h_mv {on_cluster} TO mfa_risk_rollup_1h AS
SELECT toStartOfHour(ts) AS hour, risk_level, attributes['mfa.risk_signals'] AS risk_signals, factor, provider, region, user_group, client,
       uniqState(event_id) AS events
FROM mfa_events
WHERE event = 'mfa.login.started'
GROUP BY hour, risk_level, risk_signals, factor, provider, region, user_group, client;

-- Replayed spool batches are dropped here too (see 0060).
ALTER TABLE mfa_attack_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE mfa_risk_rollup_1h {on_cluster} MODIFY SETTING non_replicated_deduplication_window = 1000;

-- Backfill events stored before the rollups existed, once: only while a rollup is empty (a
-- migration interrupted after its backfill runs again without adding a second copy; uniq
-- states would not double the counts anyway, only `n`).
INSERT INTO mfa_attack_rollup_1h
SELECT toStartOfHour(ts) AS hour, event, outcome, reason, factor, provider, region, user_group, client, country,
       attributes['mfa.network'] AS network, attributes['mfa.risk_signals'] AS risk_signals, user_hash,
       uniqState(event_id), count(), max(ts)
FROM mfa_events
WHERE ((event = 'mfa.login.completed' AND reason IN ('password_failed', 'session_revoked'))
   OR (event = 'mfa.challenge.verified' AND outcome != 'success')
   OR event = 'mfa.lockout'
   OR (event IN ('mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified') AND has(splitByChar(',', attributes['mfa.risk_signals']), 'known_bad_ip')))
  AND (SELECT count() FROM mfa_attack_rollup_1h) = 0
GROUP BY hour, event, outcome, reason, factor, provider, region, user_group, client, country, network, risk_signals, user_hash;

INSERT INTO mfa_risk_rollup_1h
SELECT toStartOfHour(ts) AS hour, risk_level, attributes['mfa.risk_signals'] AS risk_signals, factor, provider, region, user_group, client,
       uniqState(event_id)
FROM mfa_events
WHERE event = 'mfa.login.started' AND (SELECT count() FROM mfa_risk_rollup_1h) = 0
GROUP BY hour, risk_level, risk_signals, factor, provider, region, user_group, client;
