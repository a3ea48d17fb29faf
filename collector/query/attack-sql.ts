import { ATTR, RISK_SIGNALS } from '../../contract'
import { type ReportRequest, params, where } from './security-sql'
import { WINDOW, bucket, filterSql, lit, litList } from './sql'
import { FILTER_KEYS, type SqlQuery } from './types'

/**
 * Pure SQL builders of the attack report. They scan every sign-in of the window, so they read
 * the table without FINAL and count distinct event ids instead (as the rollups do with uniq),
 * which tolerates re-deliveries at a fraction of FINAL's cost; each filters on `event` first,
 * the head of the table's sort key.
 */

const RAW = 'mfa_events'
export const BRUTE_FORCE_THRESHOLD = 3
/** A group's touched users are listed by hash up to this many. */
export const USERS_LISTED = 10
const FAILED = ['failure', 'expired', 'replayed', 'rate_limited', 'locked_out', 'error', 'timeout'] as const
const PUSH_REASONS = ['user_denied', 'fraud_reported', 'push_bombing'] as const
/** Source network and risk signals are attributes of the IdP's events, not columns: read from the map ('' when absent). */
const NETWORK = `attributes[${lit(ATTR.network)}]`
const SIGNALS = `splitByChar(',', attributes[${lit(ATTR.riskSignals)}])`
/** Where the block list is judged: the sign-in's start and end and the attack events themselves. */
const BLOCK_LIST_EVENTS = ['mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified', 'mfa.lockout'] as const

export type AttackGroup = 'country' | 'network'

/** A flow's own start may precede the window by this much (a push answered, a code tried, after the password step). */
const FLOW_LOOKBACK_MS = 3_600_000

/**
 * One row per country or source network (`k`) of the given events: the counts asked for, the
 * country most of them came from, the users touched and up to USERS_LISTED of their hashes.
 * By network, an event of a sign-in counts under the network and country that sign-in started
 * from (its mfa.login.started): a push is denied from the victim's phone, but the attack came
 * from where the password was typed. Events of no started sign-in keep their own.
 */
function grouped(req: ReportRequest, by: AttackGroup, events: readonly string[], cond: string, counts: string, order: string): SqlQuery {
  const matched = `event IN ${litList(events)} AND ${WINDOW} AND ${filterSql(req.filters, FILTER_KEYS)} AND ${cond}`
  const started = `
  LEFT JOIN (
    SELECT flow_id, any(${NETWORK}) AS s_network, any(country) AS s_country FROM ${RAW}
    WHERE event = 'mfa.login.started' AND ts >= fromUnixTimestamp64Milli({from_ms:Int64} - {flow_lookback_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
      AND flow_id IN (SELECT flow_id FROM ${RAW} WHERE ${matched} AND flow_id != '')
    GROUP BY flow_id) AS s USING (flow_id)`
  const [key, country] = by === 'network'
    ? [`if(s_network != '', s_network, ${NETWORK})`, "if(s_country != '', s_country, country)"]
    : ['country', 'country']
  const query = `
SELECT ${key} AS k, ${counts}, topKIf(1)(${country}, ${country} != '') AS top_country,
  uniqExactIf(user_hash, user_hash != '') AS users, groupUniqArrayIf(${USERS_LISTED})(user_hash, user_hash != '') AS hashes
FROM ${RAW}${by === 'network' ? started : ''}
WHERE ${matched}
GROUP BY k ORDER BY ${order} DESC, k LIMIT 50`
  return { query, params: params(req, { flow_lookback_ms: FLOW_LOOKBACK_MS }) }
}

/** Failed passwords (mfa.login.completed reason password_failed). */
export const credentialStuffingSql = (req: ReportRequest, by: AttackGroup): SqlQuery =>
  grouped(req, by, ['mfa.login.completed'], "reason = 'password_failed'", 'uniq(event_id) AS failures', 'failures')

/** Failed second-factor checks by network (the per-user view with its threshold is bruteForceSql). */
export const secondFactorFailuresSql = (req: ReportRequest): SqlQuery =>
  grouped(req, 'network', ['mfa.challenge.verified'], `outcome IN ${litList(FAILED)}`, 'uniq(event_id) AS failures', 'failures')

/** Locks (not unlocks) by network, with their reasons. */
export const lockoutsByNetworkSql = (req: ReportRequest): SqlQuery =>
  grouped(req, 'network', ['mfa.lockout'], "reason != 'unlocked'", 'uniq(event_id) AS lockouts, arraySort(groupUniqArray(reason)) AS reasons', 'lockouts')

/** Denied pushes, fraud reports and the push locks they caused. */
export const pushBombingSql = (req: ReportRequest, by: AttackGroup): SqlQuery =>
  grouped(req, by, ['mfa.challenge.verified', 'mfa.lockout'], `factor = 'push' AND reason IN ${litList(PUSH_REASONS)}`, `
  uniqIf(event_id, event = 'mfa.challenge.verified' AND reason = 'user_denied') AS denied,
  uniqIf(event_id, event = 'mfa.challenge.verified' AND reason = 'fraud_reported') AS fraud_reports,
  uniqIf(event_id, event = 'mfa.lockout' AND reason IN ('push_bombing', 'fraud_reported')) AS lockouts`, 'denied + fraud_reports + lockouts')

/**
 * Networks with a block-list hit (known_bad_ip) in the window. Not narrowed by the request's
 * filters: being on the block list is the network's, whoever it was signing in as.
 */
export function blockListedSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT DISTINCT ${NETWORK} AS k FROM ${RAW}
WHERE event IN ${litList(BLOCK_LIST_EVENTS)} AND ${WINDOW} AND has(${SIGNALS}, 'known_bad_ip') AND k != ''
LIMIT 10000`
  return { query, params: params(req) }
}

export function bruteForceSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT user_hash, any(user_group) AS user_group, uniq(event_id) AS failures, arraySort(groupUniqArray(factor)) AS factors,
  arraySort(groupUniqArrayIf(country, country != '')) AS countries, max(ts) AS last
FROM ${RAW}
WHERE ${where(req, 'mfa.challenge.verified', `outcome IN ${litList(FAILED)} AND user_hash != ''`)}
GROUP BY user_hash HAVING failures >= {threshold:UInt32} ORDER BY failures DESC, last DESC LIMIT 200`
  return { query, params: params(req, { threshold: BRUTE_FORCE_THRESHOLD }) }
}

export function lockoutsSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT reason, uniq(event_id) AS n FROM ${RAW} WHERE ${where(req, 'mfa.lockout')} GROUP BY reason
UNION ALL
SELECT '' AS reason, uniqExactIf(user_hash, user_hash != '' AND reason != 'unlocked') AS n FROM ${RAW} WHERE ${where(req, 'mfa.lockout')}`
  return { query, params: params(req) }
}

/** Sign-ins per bucket by risk level and by each risk signal (a sign-in with two signals counts under both). */
export function riskSeriesSql(req: ReportRequest): SqlQuery {
  const signals = RISK_SIGNALS.map((s) => `uniqIf(event_id, has(${SIGNALS}, ${lit(s)})) AS ${s}`).join(', ')
  const query = `
SELECT ${bucket('ts')} AS t, uniqIf(event_id, risk_level = 'low') AS low, uniqIf(event_id, risk_level = 'medium') AS medium, uniqIf(event_id, risk_level = 'high') AS high,
  ${signals}
FROM ${RAW} WHERE ${where(req, 'mfa.login.started')} GROUP BY t ORDER BY t`
  return { query, params: params(req) }
}

export function revokedSessionSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT ts, user_hash, country, client FROM ${RAW} WHERE ${where(req, 'mfa.login.completed', "reason = 'session_revoked'")} ORDER BY ts DESC LIMIT 1 BY event_id LIMIT 200`
  return { query, params: params(req) }
}
