import { ATTR } from '../../contract'
import { type ReportRequest, FACTOR_CHANGE_WINDOW_MS, HISTORY_MS, params } from './security-sql'
import { SECURITY, WINDOW, filterSql, lit } from './sql'
import { FILTER_KEYS, type SqlQuery } from './types'

/**
 * SQL of the recovery and exemption reports. They read the IdP's extra attributes (requester,
 * approver, duration) from the `attributes` map ('' when absent), and request id, network and risk
 * signals from columns. Recovery steps are rare next to sign-ins: they are read from
 * mfa_security_events (0087, a month in a part or two), without FINAL, re-deliveries dropped with
 * LIMIT 1 BY event_id.
 *
 * The recovery report is aggregated here, not in JavaScript: a month of a large tenant holds tens
 * of thousands of steps, and shipping them as rows cost more than the report (and a row cap would
 * silently drop the newest). Three statements answer it, each a few rows, each reading the
 * window once:
 *  - counts by bucket and reason, the starts tallied by network and by country, the starting users;
 *  - admin recovery requests paired with their decisions: the backlog, and the waits to approval;
 *  - the starts with an abuse signal, newest first, capped, with the total.
 */

/** `attributes['mfa.request_id']`: a contract attribute kept in the map. */
export const attr = (key: (typeof ATTR)[keyof typeof ATTR]): string => `attributes[${lit(key)}]`

/** From the history before the window (open requests, pairing) to its end. */
export const HISTORY = 'ts >= fromUnixTimestamp64Milli({history_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'
export const historyParams = (req: ReportRequest) => params(req, { history_ms: req.window.fromMs - HISTORY_MS })

/** Recoveries by this many distinct users from one /24 or /48 flag each of them. */
export const MANY_FROM_ONE_NETWORK = 3
/** The suspicious list holds the newest this many; `suspicious_total` counts them all. */
export const SUSPICIOUS_LISTED = 500

const STARTS = "reason IN ('requested', 'recovery_code_used')"

/** At most this many starting users are handed to the suspicious list's statement as a parameter. */
export const USERS_AS_PARAM = 1000

/**
 * One pass over the window's recovery steps (every step once): kind 'count' rows by bucket and
 * reason (the series and the totals); the starts (admin requests and recovery codes) tallied by
 * network ('' when the producer sends none) and by country, with their distinct users (uniq:
 * exact at these sizes); and one kind 'users' row listing up to USERS_AS_PARAM + 1 starting users.
 */
export function recoveryCountsSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT multiIf(grouping(t) = 0, 'count', grouping(network) = 0, 'network', grouping(country) = 0, 'country', 'users') AS kind,
  t, reason, multiIf(grouping(network) = 0, network, grouping(country) = 0, country, '') AS key,
  count() AS n, countIf(start) AS requests, uniqIf(user_hash, start AND user_hash != '') AS users,
  if(kind = 'users', groupUniqArrayIf(${USERS_AS_PARAM + 1})(user_hash, start AND user_hash != ''), []) AS start_users
FROM (SELECT intDiv(toUnixTimestamp64Milli(ts), {step_ms:Int64}) * {step_ms:Int64} AS t, reason, user_hash, network, country, ${STARTS} AS start
  FROM ${SECURITY} WHERE event = 'mfa.recovery' AND ${WINDOW} AND ${filterSql(req.filters, FILTER_KEYS)} LIMIT 1 BY event_id)
GROUP BY GROUPING SETS ((t, reason), (network), (country), ())
HAVING kind IN ('count', 'users') OR requests > 0
ORDER BY kind, t, requests DESC, key`
  return { query, params: params(req) }
}

/**
 * Admin recovery requests over the history and the window, each with its decisions. A step is
 * keyed by its request id (mfa.request_id); a decision without one (an older producer) belongs to
 * the same user's latest request before it, which is right because the IdP allows one open
 * request per user. A request opened without an id is keyed by its user and time, and a later
 * id-less request of the same user supersedes it. Decisions count only from the request on, and
 * an approval only until the request is closed (denied, expired, completed).
 *
 * One row (one pass over the requests): `open`, the requests neither approved nor closed by the
 * window's end as (user, request id, network, time), oldest first; and how many requests were
 * first approved inside the window, with the nearest-rank p50 and p95 of request → approval.
 */
export function recoveryRequestsSql(req: ReportRequest): SqlQuery {
  const closing = "reason IN ('denied', 'expired', 'completed')"
  const query = `
WITH keyed AS (
  SELECT ms, reason, user_hash, request_id, network,
    if(request_id != '', concat('id:', request_id),
      anyLast(if(reason = 'requested', if(request_id != '', concat('id:', request_id), concat('at:', user_hash, ':', toString(ms))), NULL))
        OVER (PARTITION BY user_hash ORDER BY ms, reason != 'requested' ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS k
  FROM (SELECT toUnixTimestamp64Milli(ts) AS ms, reason, user_hash, request_id, network
    FROM ${SECURITY}
    WHERE event = 'mfa.recovery' AND factor = 'admin_recovery' AND user_hash != '' AND ${HISTORY}
      AND reason IN ('requested', 'approved', 'denied', 'expired', 'completed') AND ${filterSql(req.filters, FILTER_KEYS)}
    LIMIT 1 BY event_id)
),
timed AS (
  SELECT *, min(if(reason = 'requested', ms, NULL)) OVER (PARTITION BY k) AS req_ms FROM keyed WHERE k IS NOT NULL
),
requests AS (
  SELECT k, anyIf(user_hash, reason = 'requested') AS user_hash, anyIf(request_id, reason = 'requested') AS request_id,
    argMinIf(network, ms, reason = 'requested') AS network, any(req_ms) AS requested_ms,
    countIf(${closing} AND ms >= req_ms) AS closed, minIf(ms, ${closing} AND ms >= req_ms) AS closed_ms,
    countIf(reason = 'approved' AND ms >= req_ms) AS approvals, minIf(ms, reason = 'approved' AND ms >= req_ms) AS approved_ms
  FROM timed WHERE req_ms IS NOT NULL
  GROUP BY k
),
decided AS (
  SELECT *, approvals > 0 AND (closed = 0 OR approved_ms <= closed_ms) AS approved,
    max(if(request_id = '', requested_ms, 0)) OVER (PARTITION BY user_hash) AS latest_idless
  FROM requests
)
SELECT arraySort(x -> x.4, groupArrayIf((user_hash, request_id, network, requested_ms), NOT approved AND closed = 0 AND (request_id != '' OR requested_ms = latest_idless))) AS open,
  arraySort(groupArrayIf(approved_ms - requested_ms, approved AND approved_ms >= {from_ms:Int64})) AS w,
  length(w) AS n, if(n = 0, NULL, w[toUInt64(ceil(0.5 * n))]) AS p50, if(n = 0, NULL, w[toUInt64(ceil(0.95 * n))]) AS p95
FROM decided`
  return { query, params: historyParams(req) }
}

/**
 * Starts with at least one abuse signal, newest first, at most `SUSPICIOUS_LISTED`, each with the
 * total. `busy` are the networks with `MANY_FROM_ONE_NETWORK` or more users, `users` the starting
 * users (both from the counts); past USERS_AS_PARAM users (null) they are found again by a subquery.
 * One pass reads the window's starts (admin requests and recovery codes) together with every
 * user's factor changes over the history (the SIM-swap pattern, F6), grouped by user; the first
 * time each country appeared in a user's successful sign-ins comes from mfa_user_countries (0083,
 * one row per user and country). Read without FINAL, copies dropped by event id: a copy changes
 * neither a first-seen time nor whether a change happened.
 */
export function recoverySuspiciousSql(req: ReportRequest, busy: string[], users: string[] | null): SqlQuery {
  const starts = `event = 'mfa.recovery' AND ${STARTS} AND ${WINDOW} AND ${filterSql(req.filters, FILTER_KEYS)}`
  const starting = users === null ? `(SELECT user_hash FROM ${SECURITY} WHERE ${starts})` : '{users:Array(String)}'
  const query = `
WITH seen AS (
  SELECT user_hash, groupArray((ms, country)) AS logins FROM (
    SELECT user_hash, country, toUnixTimestamp64Milli(min(first_seen)) AS ms FROM mfa_user_countries
    WHERE user_hash IN ${starting}
    GROUP BY user_hash, country)
  GROUP BY user_hash)
SELECT s.1 AS ms, u.user_hash AS user_hash, s.2 AS reason, s.3 AS country, s.4 AS network, s.7 AS request_id,
  arrayExists(t -> t < s.1 AND s.1 - t <= ${FACTOR_CHANGE_WINDOW_MS}, u.changes) AS after_factor_change,
  has(splitByChar(',', s.6), 'new_country')
    OR (s.3 != '' AND arrayExists(x -> x.1 < s.1, l.logins) AND NOT arrayExists(x -> x.1 < s.1 AND x.2 = s.3, l.logins)) AS new_country,
  s.5 = 'high' AS high_risk,
  has(splitByChar(',', s.6), 'known_bad_ip') AS blocklisted_network,
  s.4 != '' AND has({busy:Array(String)}, s.4) AS many_from_network,
  count() OVER () AS total
FROM (
  SELECT user_hash,
    groupArrayIf(ms, event = 'mfa.enrollment.changed') AS changes,
    groupArrayIf((ms, reason, country, network, risk_level, risk_signals, request_id), event = 'mfa.recovery') AS starts
  FROM (
    SELECT toUnixTimestamp64Milli(ts) AS ms, event, user_hash, reason, country, network, risk_level, risk_signals, request_id
    FROM ${SECURITY}
    WHERE user_hash != '' AND ((${starts}) OR (event = 'mfa.enrollment.changed' AND intent != 'recovery' AND ${HISTORY} AND user_hash IN ${starting}))
    LIMIT 1 BY event_id)
  GROUP BY user_hash HAVING notEmpty(starts)) AS u
ARRAY JOIN u.starts AS s
LEFT JOIN seen AS l ON l.user_hash = u.user_hash
WHERE after_factor_change OR new_country OR high_risk OR blocklisted_network OR many_from_network
ORDER BY ms DESC, user_hash LIMIT ${SUSPICIOUS_LISTED}`
  return { query, params: { ...historyParams(req), busy, ...(users === null ? {} : { users }) } }
}
