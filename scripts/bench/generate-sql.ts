/**
 * Realistic contract events generated inside ClickHouse (INSERT … SELECT FROM numbers()), so
 * 100 million of them take minutes, not hours, and the rollup views fill as they do from ingest.
 *
 * One number is one sign-in flow, its time rising with the number (blocks land in one or two
 * day partitions, as ingest's do). Per flow, from independent hashes of the number: region
 * (eu-west / us-east), country, client, user group, risk; a factor (TOTP 35 %, passkey 15 %,
 * push 20 %, SMS 20 %, voice 3 %, e-mail 7 %) and the vendor the registry's fallback chain picks
 * first; a vendor request that fails 2 % of the time (60 % for Twilio during a two-hour outage
 * at 40 % of the span) and then falls back to the next vendor; delivery receipts (95 % delivered);
 * one to three verification attempts with log-normal latency per factor; 5 % abandoned; the
 * login's completion and, after repeated failures, a lockout. Besides the flows: hourly
 * enrollment snapshots, Twilio's circuit opening and closing around the outage, and a trickle of
 * recoveries, bypasses and step-ups. Values are the contract's (contract/enums.ts). Each row's
 * `inserted_at` is its own time, as if it had arrived then (not all in the last hour).
 *
 * Bump GENERATOR_VERSION whenever the SQL changes what is generated: cached data dirs carry it.
 */
export const GENERATOR_VERSION = 3

const COLUMNS = [
  'ts', 'event', 'event_id', 'schema_version', 'service', 'flow_id', 'factor', 'provider', 'channel', 'outcome', 'reason',
  'latency_ms', 'attempt', 'user_hash', 'user_group', 'region', 'country', 'client', 'risk_level', 'cost_micros', 'intent',
  'provider_message_id', 'http_status_class', 'fallback_from', 'fallback_to', 'trace_id', 'span_id', 'inserted_at',
].join(', ')

/** Uniform 0..999 draw number `k` of flow `n`. */
const u = (k: number) => `(cityHash64(n, ${k}) % 1000)`
/** A UUID-shaped event id, unique per (flow, event) and the same on every run (generateUUIDv4 is evaluated once per flow before ARRAY JOIN). */
const uuid = (...keys: string[]) => `toString(reinterpretAsUUID(concat(reinterpretAsString(cityHash64(${keys.join(', ')}, 101)), reinterpretAsString(cityHash64(${keys.join(', ')}, 102)))))`
/** A standard normal draw from four uniforms (Irwin–Hall, scaled). */
const z = (k: number) => `((${[0, 1, 2, 3].map((i) => `${u(k + i)}`).join(' + ')}) / 1000.0 - 2.0) * 1.7320508`

/**
 * Each flow's events as an array of tuples:
 * (event, offset ms, provider, outcome, reason, latency, attempt, cost, fallback_from, fallback_to, message id, status class).
 */
const EVENTS_ARRAY = `arrayConcat(
  [('mfa.login.started', 0, '', '', 'password_verified', CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), '', '', '', '')],
  [('mfa.challenge.issued', 200, '', '', 'login_required', CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), '', '', '', '')],
  if(p1 != '', [('mfa.provider.request', 300, p1, if(fail, if(fail_timeout, 'timeout', 'error'), 'success'), if(fail, if(fail_timeout, 'timeout', 'http_5xx'), 'ok'),
    toNullable(lat_req), toUInt16(1), toUInt64(cost1), '', '', concat('m', flow_id), if(fail, if(fail_timeout, '', '5xx'), '2xx'))], []),
  if(fail AND p2 != '', [
    ('mfa.fallback', 300 + lat_req, '', '', if(fail_timeout, 'provider_timeout', 'provider_error'), CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), p1, p2, '', ''),
    ('mfa.provider.request', 350 + lat_req, p2, 'success', 'ok', toNullable(lat_req2), toUInt16(1), toUInt64(cost2), '', '', concat('b', flow_id), '2xx')], []),
  if(channel IN ('sms', 'voice', 'email') AND NOT (fail AND p2 = ''), [('mfa.provider.delivery', 800 + lat_dlv, if(fail, p2, p1), if(dlv IN ('delivered', 'late'), 'success', 'failure'), dlv,
    toNullable(lat_dlv), toUInt16(0), toUInt64(0), '', '', concat(if(fail, 'b', 'm'), flow_id), '')], []),
  if(abandoned,
    [('mfa.login.completed', 660000, '', 'abandoned', 'abandoned', CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), '', '', '', '')],
    arrayConcat(
      arrayMap(a -> ('mfa.challenge.verified', 200 + intDiv(lat_verify * a, attempts), '',
        if(a < attempts OR NOT ok, if(factor = 'push', 'failure', if(a = attempts AND cityHash64(n, 40) % 3 = 0, 'expired', 'failure')), 'success'),
        if(a < attempts OR NOT ok, if(factor = 'push', 'user_denied', if(a = attempts AND cityHash64(n, 40) % 3 = 0, 'code_expired', 'invalid_code')), 'ok'),
        toNullable(toUInt32(intDiv(lat_verify * a, attempts))), toUInt16(a), toUInt64(0), '', '', '', ''), range(1, attempts + 1)),
      [('mfa.login.completed', 300 + lat_verify, '', if(ok, 'success', 'failure'), if(ok, 'mfa_satisfied', 'mfa_failed'), CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), '', '', '', '')],
      if(lock, [('mfa.lockout', 400 + lat_verify, '', '', 'too_many_failures', CAST(NULL AS Nullable(UInt32)), toUInt16(0), toUInt64(0), '', '', '', '')], [])))
)`

/** The per-flow attributes, one row per flow, for flows [lo, lo + count) of `total` spread over [fromMs, toMs). */
function flowsSubquery(lo: number, count: number, total: number, fromMs: number, toMs: number): string {
  const span = toMs - fromMs
  const outageFrom = fromMs + Math.floor(span * 0.4)
  return `
SELECT n, t0, region, country, client, user_group, risk, factor, channel, p1, p2, fail, fail_timeout, attempts, abandoned, ok, lock,
  lat_verify, lat_req, lat_req2, lat_dlv, dlv, user_hash, flow_id, trace_id,
  multiIf(channel = 'sms', if(p1 = 'twilio', 7900, 6500), channel = 'voice', 13000, channel = 'email', 100, 0) AS cost1,
  multiIf(channel = 'sms', if(p2 = 'twilio', 7900, 6500), channel = 'voice', 13000, channel = 'email', 100, 0) AS cost2,
  ${EVENTS_ARRAY} AS evs
FROM (
  SELECT number AS n,
    toInt64(${fromMs} + intDiv(toUInt64(n) * ${span}, ${total})) AS t0,
    if(${u(1)} < 550, 'eu-west', 'us-east') AS region,
    if(region = 'eu-west', ['DE', 'FR', 'NL', 'GB', 'ES', 'IT'][1 + ${u(2)} % 6], ['US', 'US', 'US', 'CA', 'BR', 'MX'][1 + ${u(2)} % 6]) AS country,
    multiIf(${u(3)} < 550, 'web', ${u(3)} < 750, 'ios', ${u(3)} < 950, 'android', 'api') AS client,
    multiIf(${u(4)} < 700, 'customer', ${u(4)} < 920, 'workforce', ${u(4)} < 970, 'vendor', 'admin') AS user_group,
    multiIf(${u(5)} < 800, 'low', ${u(5)} < 950, 'medium', 'high') AS risk,
    multiIf(${u(6)} < 350, 'totp', ${u(6)} < 500, 'webauthn', ${u(6)} < 700, 'push', ${u(6)} < 900, 'sms', ${u(6)} < 930, 'voice', 'email') AS factor,
    if(factor IN ('push', 'sms', 'voice', 'email'), factor, '') AS channel,
    multiIf(factor = 'sms', 'twilio', factor = 'voice', if(region = 'eu-west', 'twilio-voice', 'vonage-voice'),
      factor = 'email', if(region = 'eu-west', 'ses', 'sendgrid'), factor = 'push', if(client = 'ios' OR (client != 'android' AND ${u(7)} < 500), 'apns', 'fcm'), '') AS p1,
    multiIf(factor = 'sms', 'vonage', factor = 'voice', if(region = 'eu-west', 'vonage-voice', 'twilio-voice'), factor = 'email', if(region = 'eu-west', 'sendgrid', 'ses'), '') AS p2,
    p1 != '' AND (${u(8)} < 20 OR (p1 = 'twilio' AND t0 >= ${outageFrom} AND t0 < ${outageFrom + 7_200_000} AND ${u(8)} < 600)) AS fail,
    ${u(9)} < 300 AS fail_timeout,
    ${u(10)} < 50 AS abandoned,
    multiIf(${u(11)} < 850, 1, ${u(11)} < 970, 2, 3) AS attempts,
    ${u(12)} < 940 OR (attempts = 1 AND ${u(12)} < 970) AS ok,
    NOT ok AND attempts = 3 AND ${u(13)} < 300 AS lock,
    toUInt32(least(300000, multiIf(factor = 'webauthn', 4000, factor = 'totp', 9000, factor = 'push', 7000, factor = 'sms', 22000, factor = 'voice', 35000, 40000) * exp(0.6 * ${z(14)}))) AS lat_verify,
    toUInt32(least(30000, multiIf(channel = 'push', 120, channel = 'email', 180, 250) * exp(0.5 * ${z(18)}))) AS lat_req,
    toUInt32(least(30000, 300 * exp(0.5 * ${z(22)}))) AS lat_req2,
    toUInt32(least(120000, multiIf(channel = 'email', 6000, 3000) * exp(0.7 * ${z(26)}))) AS lat_dlv,
    multiIf(${u(30)} < 950, 'delivered', ${u(30)} < 970, 'late', ${u(30)} < 990, 'failed', 'undeliverable') AS dlv,
    cityHash64(n, 31) % 2000000 AS uid,
    lower(concat(hex(cityHash64(uid, 1)), hex(cityHash64(uid, 2)))) AS user_hash,
    lower(hex(cityHash64(n, 32))) AS flow_id,
    lower(concat(hex(cityHash64(n, 33)), hex(cityHash64(n, 34)))) AS trace_id
  FROM numbers(${lo}, ${count})
)`
}

/** INSERT of flows [lo, lo + count) of `total` over [fromMs, toMs) into mfa_events. */
export function flowsInsertSql(o: { lo: number; count: number; total: number; fromMs: number; toMs: number; table?: string; limit?: number }): string {
  return `
INSERT INTO ${o.table ?? 'mfa_events'} (${COLUMNS})
SELECT fromUnixTimestamp64Milli(toInt64(t0 + e.2)), e.1, ${uuid('n', 'k')}, '1.0.0', 'reference-idp', flow_id, factor, e.3,
  channel, e.4, e.5, e.6, e.7, user_hash, user_group, region, country, client, risk, e.8, 'login', e.11, e.12, e.9, e.10,
  trace_id, lower(hex(cityHash64(n, 50 + k))), fromUnixTimestamp64Milli(toInt64(t0 + e.2))
FROM (${flowsSubquery(o.lo, o.count, o.total, o.fromMs, o.toMs)})
ARRAY JOIN evs AS e, arrayEnumerate(evs) AS k${o.limit === undefined ? '' : `
LIMIT ${o.limit}`}
SETTINGS max_insert_block_size = 1048576, min_insert_block_size_rows = 1048576, max_block_size = 65536`
}

/**
 * Mean events per flow of this generator (`SELECT sum(length(evs)) / count()` over the flows
 * subquery): how many flows make N events. Measure again when the generator changes.
 */
export const EVENTS_PER_FLOW = 4.93

/** Everything that is not a flow: snapshots, Twilio's circuit around the outage, recoveries, bypasses, step-ups. */
export function sideEventsSql(fromMs: number, toMs: number, flows: number): string[] {
  const span = toMs - fromMs
  const hours = Math.floor(span / 3_600_000)
  const outageFrom = fromMs + Math.floor(span * 0.4)
  const cols = 'ts, event, event_id, schema_version, service, flow_id, factor, provider, channel, reason, user_hash, user_group, region, intent, circuit_from_state, circuit_state, enrolled_count, total_count, inserted_at'
  const rare = Math.max(1, Math.floor(flows / 200))
  return [
    `INSERT INTO mfa_events (${cols})
SELECT fromUnixTimestamp64Milli(toInt64(${fromMs} + h * 3600000 + 240000)), 'mfa.enrollment.snapshot', ${uuid("'snapshot'", 'h', 'g', 'f')}, '1.0.0', 'reference-idp', '', f, '', '', 'scheduled', '', g, '', '', '', '',
  toUInt32(total * multiIf(f = 'totp', 0.55, f = 'webauthn', if(g IN ('admin', 'workforce'), 0.6, 0.12), f = 'push', 0.3, f = 'sms', 0.45, f = 'voice', 0.04, 0.2) + h % 7), total,
  fromUnixTimestamp64Milli(toInt64(${fromMs} + h * 3600000 + 240000))
FROM (SELECT number AS h FROM numbers(${hours}))
ARRAY JOIN ['admin', 'workforce', 'customer', 'vendor'] AS g, [50, 4000, 1500000, 20000] AS total
ARRAY JOIN ['totp', 'webauthn', 'push', 'sms', 'voice', 'email'] AS f`,
    `INSERT INTO mfa_events (${cols})
SELECT fromUnixTimestamp64Milli(toInt64(${outageFrom} + c.1)), 'mfa.circuit.changed', ${uuid("'circuit'", 'c.1', 'r')}, '1.0.0', 'reference-idp', '', 'sms', 'twilio', 'sms', c.4, '', '', r, '', c.2, c.3, 0, 0,
  fromUnixTimestamp64Milli(toInt64(${outageFrom} + c.1))
FROM (SELECT 1) ARRAY JOIN [(60000, 'closed', 'open', 'failure_threshold'), (90000, 'open', 'half_open', 'cooldown_elapsed'), (91000, 'half_open', 'open', 'probe_failed'),
  (7200000, 'open', 'half_open', 'cooldown_elapsed'), (7201000, 'half_open', 'closed', 'probe_succeeded')] AS c ARRAY JOIN ['eu-west', 'us-east'] AS r`,
    `INSERT INTO mfa_events (${cols})
SELECT fromUnixTimestamp64Milli(toInt64(${fromMs} + intDiv(toUInt64(number) * ${span}, ${rare}))), x.1, ${uuid("'rare'", 'number', 'x.3')}, '1.0.0', 'reference-idp',
  lower(hex(cityHash64(number, 60))), x.2, '', '', x.3, lower(concat(hex(cityHash64(number % 2000000, 1)), hex(cityHash64(number % 2000000, 2)))),
  ['customer', 'customer', 'workforce', 'admin'][1 + number % 4], if(number % 20 < 11, 'eu-west', 'us-east'), x.4, '', '', 0, 0,
  fromUnixTimestamp64Milli(toInt64(${fromMs} + intDiv(toUInt64(number) * ${span}, ${rare})))
FROM numbers(${rare})
ARRAY JOIN [[('mfa.recovery', 'recovery_code', 'requested', 'recovery'), ('mfa.recovery', 'recovery_code', 'completed', 'recovery')],
  [('mfa.bypass', '', 'trusted_device', 'login')], [('mfa.stepup', 'webauthn', 'satisfied', 'stepup')],
  [('mfa.recovery', 'admin_recovery', 'requested', 'recovery'), ('mfa.recovery', 'admin_recovery', 'approved', 'recovery')],
  [('mfa.bypass', '', 'break_glass', 'login')], [('mfa.enrollment.changed', 'totp', 'enrolled', 'enrollment')]][1 + number % 6] AS x`,
  ]
}
