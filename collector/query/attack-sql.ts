import { RISK_SIGNALS } from '../../contract'
import { type ReportRequest, params } from './security-sql'
import { ROLLUP_AFTER_S } from './source'
import { WINDOW, bucket, filterSql, lit, litList, rowBucket } from './sql'
import { FILTER_KEYS, type QueryWindow, type SqlQuery } from './types'

/**
 * Pure SQL builders of the attack report. Windows up to ROLLUP_AFTER_S read raw events; longer
 * ones the hourly rollups of migration 0081 (widened to whole hours like the other rollups: the
 * first hour may start before `from`, the last end after `to`). Raw reads go without FINAL and
 * count distinct event ids instead (a re-delivery not yet merged away counts once); the rollups
 * count rows (`hourly`). Each filters on `event` first, the head of every sort key.
 */

export const BRUTE_FORCE_THRESHOLD = 3
/** A group's touched users are listed by hash up to this many. */
export const USERS_LISTED = 10
const FAILED = ['failure', 'expired', 'replayed', 'rate_limited', 'locked_out', 'error', 'timeout'] as const
const PUSH_REASONS = ['user_denied', 'fraud_reported', 'push_bombing'] as const
/** mfa.risk_signals as an array (a column of mfa_events since 0081, and of both rollups). */
const SIGNALS = "splitByChar(',', risk_signals)"
/** Where the block list is judged: the sign-in's start and end and the attack events themselves. */
const BLOCK_LIST_EVENTS = ['mfa.login.started', 'mfa.login.completed', 'mfa.challenge.verified', 'mfa.lockout'] as const

export type AttackGroup = 'country' | 'network'

/** What an attack query reads: raw events, or an hourly rollup of them (0081). */
export interface AttackSource {
  name: 'raw' | 'rollup_1h'
  from: string
  window: string
  /** Events, overall and under a condition: distinct ids raw, rows in a rollup. */
  count: string
  countIf: (cond: string) => string
  /** The country most of the rows came from (an array of at most one). */
  topCountry: string
  last: string
  bucket: string
}

const HOURS = 'hour >= toStartOfHour(fromUnixTimestamp64Milli({from_ms:Int64})) AND hour < fromUnixTimestamp64Milli({to_ms:Int64})'

const RAW: AttackSource = {
  name: 'raw',
  from: 'mfa_events',
  window: WINDOW,
  count: 'uniq(event_id)',
  countIf: (cond) => `uniqIf(event_id, ${cond})`,
  topCountry: "topKIf(1)(country, country != '')",
  last: 'max(ts)',
  bucket: bucket('ts'),
}

/**
 * The rollups count rows (n), not distinct event ids: equal unless an event was stored twice past
 * the receiver's dedup (a copy resent after its window, or written around it), which counts twice
 * here and once raw. See migration 0081.
 */
const hourly = (table: string): AttackSource => ({
  name: 'rollup_1h',
  from: table,
  window: HOURS,
  count: 'sum(n)',
  countIf: (cond) => `sumIf(n, ${cond})`,
  topCountry: "topKWeightedIf(1)(country, n, country != '')",
  last: 'max(last)',
  bucket: rowBucket('hour'),
})
export const ATTACK_ROLLUP = hourly('mfa_attack_rollup_1h')
export const RISK_ROLLUP = hourly('mfa_risk_rollup_1h')

const long = (w: QueryWindow) => (w.toMs - w.fromMs) / 1000 > ROLLUP_AFTER_S
/** The attack events' source for a window (as chooseSource in source.ts decides for the metrics). */
export const attackSource = (w: QueryWindow): AttackSource => (long(w) ? ATTACK_ROLLUP : RAW)
/** The risk series' source: the hourly rollup only when its buckets are whole hours. */
export const riskSource = (w: QueryWindow): AttackSource => (long(w) && w.stepS % 3600 === 0 ? RISK_ROLLUP : RAW)

const matching = (src: AttackSource, req: ReportRequest, events: readonly string[], cond = '1') =>
  `event IN ${litList(events)} AND ${src.window} AND ${filterSql(req.filters, FILTER_KEYS)} AND ${cond}`

/**
 * One row per country or source network (`k`) of the given events: the counts asked for, the
 * country most of them came from, the users touched and up to USERS_LISTED of their hashes.
 * By network, each event counts under its own mfa.network ('' when absent): the IdP stamps
 * every event of a sign-in with the network the sign-in started from, so a push denied on the
 * victim's phone carries the attacker's network, not the phone's.
 */
function grouped(req: ReportRequest, by: AttackGroup, events: readonly string[], cond: string, counts: (src: AttackSource) => string, order: string): SqlQuery {
  const src = attackSource(req.window)
  const query = `
SELECT ${by} AS k, ${counts(src)}, ${src.topCountry} AS top_country,
  uniqExactIf(user_hash, user_hash != '') AS users, groupUniqArrayIf(${USERS_LISTED})(user_hash, user_hash != '') AS hashes
FROM ${src.from}
WHERE ${matching(src, req, events, cond)}
GROUP BY k ORDER BY ${order} DESC, k LIMIT 50`
  return { query, params: params(req) }
}

/** Failed passwords (mfa.login.completed reason password_failed). */
export const credentialStuffingSql = (req: ReportRequest, by: AttackGroup): SqlQuery =>
  grouped(req, by, ['mfa.login.completed'], "reason = 'password_failed'", (src) => `${src.count} AS failures`, 'failures')

/** Failed second-factor checks by network (the per-user view with its threshold is bruteForceSql). */
export const secondFactorFailuresSql = (req: ReportRequest): SqlQuery =>
  grouped(req, 'network', ['mfa.challenge.verified'], `outcome IN ${litList(FAILED)}`, (src) => `${src.count} AS failures`, 'failures')

/** Locks (not unlocks) by network, with their reasons. */
export const lockoutsByNetworkSql = (req: ReportRequest): SqlQuery =>
  grouped(req, 'network', ['mfa.lockout'], "reason != 'unlocked'", (src) => `${src.count} AS lockouts, arraySort(groupUniqArray(reason)) AS reasons`, 'lockouts')

/** Denied pushes, fraud reports and the push locks they caused. */
export const pushBombingSql = (req: ReportRequest, by: AttackGroup): SqlQuery =>
  grouped(req, by, ['mfa.challenge.verified', 'mfa.lockout'], `factor = 'push' AND reason IN ${litList(PUSH_REASONS)}`, (src) => `
  ${src.countIf("event = 'mfa.challenge.verified' AND reason = 'user_denied'")} AS denied,
  ${src.countIf("event = 'mfa.challenge.verified' AND reason = 'fraud_reported'")} AS fraud_reports,
  ${src.countIf("event = 'mfa.lockout' AND reason IN ('push_bombing', 'fraud_reported')")} AS lockouts`, 'denied + fraud_reports + lockouts')

/**
 * Networks with a block-list hit (known_bad_ip) in the window. Not narrowed by the request's
 * filters: being on the block list is the network's, whoever it was signing in as.
 */
export function blockListedSql(req: ReportRequest): SqlQuery {
  const src = attackSource(req.window)
  const query = `
SELECT DISTINCT network AS k FROM ${src.from}
WHERE event IN ${litList(BLOCK_LIST_EVENTS)} AND ${src.window} AND has(${SIGNALS}, 'known_bad_ip') AND k != ''
LIMIT 10000`
  return { query, params: params(req) }
}

export function bruteForceSql(req: ReportRequest): SqlQuery {
  const src = attackSource(req.window)
  const query = `
SELECT user_hash, any(user_group) AS user_group, ${src.count} AS failures, arraySort(groupUniqArray(factor)) AS factors,
  arraySort(groupUniqArrayIf(country, country != '')) AS countries, ${src.last} AS last
FROM ${src.from}
WHERE ${matching(src, req, ['mfa.challenge.verified'], `outcome IN ${litList(FAILED)} AND user_hash != ''`)}
GROUP BY user_hash HAVING failures >= {threshold:UInt32} ORDER BY failures DESC, last DESC LIMIT 200`
  return { query, params: params(req, { threshold: BRUTE_FORCE_THRESHOLD }) }
}

export function lockoutsSql(req: ReportRequest): SqlQuery {
  const src = attackSource(req.window)
  const lockouts = `FROM ${src.from} WHERE ${matching(src, req, ['mfa.lockout'])}`
  const query = `
SELECT reason, ${src.count} AS n ${lockouts} GROUP BY reason
UNION ALL
SELECT '' AS reason, uniqExactIf(user_hash, user_hash != '' AND reason != 'unlocked') AS n ${lockouts}`
  return { query, params: params(req) }
}

/** Sign-ins per bucket by risk level and by each risk signal (a sign-in with two signals counts under both). */
export function riskSeriesSql(req: ReportRequest): SqlQuery {
  const src = riskSource(req.window)
  const signals = RISK_SIGNALS.map((s) => `${src.countIf(`has(${SIGNALS}, ${lit(s)})`)} AS ${s}`).join(', ')
  const levels = (['low', 'medium', 'high'] as const).map((l) => `${src.countIf(`risk_level = ${lit(l)}`)} AS ${l}`).join(', ')
  // The risk rollup holds mfa.login.started only: no event column.
  const started = src === RAW ? "event = 'mfa.login.started' AND " : ''
  const query = `
SELECT ${src.bucket} AS t, ${levels},
  ${signals}
FROM ${src.from} WHERE ${started}${src.window} AND ${filterSql(req.filters, FILTER_KEYS)} GROUP BY t ORDER BY t`
  return { query, params: params(req) }
}

/** Each reuse of a revoked session, newest first: rows of their own, so always raw (few, found by event and reason). */
export function revokedSessionSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT ts, user_hash, country, client FROM ${RAW.from} WHERE ${matching(RAW, req, ['mfa.login.completed'], "reason = 'session_revoked'")} ORDER BY ts DESC LIMIT 1 BY event_id LIMIT 200`
  return { query, params: params(req) }
}
