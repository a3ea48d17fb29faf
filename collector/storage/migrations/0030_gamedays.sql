-- Game days (collector/gamedays): one row per version of a run; the controller writes a new
-- version at every change (state, a step applied or reverted, guardrail readings, the report)
-- and readers take the latest (FINAL). Steps, readings and the report are the contract's JSON
-- (contract/gameday.ts). vendors and pages are kept as columns for alerting (drill routing).
CREATE TABLE IF NOT EXISTS gameday_runs {on_cluster}
(
    id           String,
    scenario     LowCardinality(String),
    name         String,
    state        LowCardinality(String),
    dry_run      UInt8,
    pages        UInt8,
    vendors      Array(String),
    blast_radius String,
    created_at   DateTime64(3, 'UTC'),
    starts_at    DateTime64(3, 'UTC'),
    ends_at      DateTime64(3, 'UTC'),
    started_at   Nullable(DateTime64(3, 'UTC')),
    ended_at     Nullable(DateTime64(3, 'UTC')),
    end_reason   LowCardinality(String),
    abort_requested UInt8,
    steps        String,
    guardrails   String,
    report       String,
    version      UInt64
)
ENGINE = {engine:ReplacingMergeTree(version)}
ORDER BY id;

-- Every fault change a game day made at its targets (the IdP's fault and runbook APIs, the
-- simulator), with the request sent and the answer: the audit trail of a drill.
CREATE TABLE IF NOT EXISTS gameday_changes {on_cluster}
(
    ts          DateTime64(3, 'UTC'),
    gameday_id  String,
    step_id     String,
    target      LowCardinality(String),
    change      LowCardinality(String),
    remote_id   String,
    request     String,
    status      UInt16,
    error       String
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(ts)
ORDER BY (gameday_id, ts)
TTL toDateTime(ts) + INTERVAL {ttl_days} DAY;
