import { PHISHING_RESISTANT_FACTORS } from '../../contract'
import type { OutcomesRequest } from './params'
import { SECURITY, SECURITY_FINAL, WINDOW, baseParams, bucket, filterSql, litList } from './sql'
import { FILTER_KEYS, type SqlQuery } from './types'

/**
 * Pure SQL builders of the security reports (enrollment, bypasses, recovery, attacks). Every
 * value from a request is a `{name:Type}` parameter; only contract constants are inlined.
 */

export type ReportRequest = OutcomesRequest
const DAY_MS = 24 * 3600 * 1000
/** Snapshots this far before `from` still give the "latest before the window". */
export const SNAPSHOT_LOOKBACK_MS = 30 * DAY_MS
/** Enrollment and sign-in history read to judge SMS-only users and a recovery's context. */
export const HISTORY_MS = 90 * DAY_MS
/** A recovery this soon after a factor change is the SIM-swap pattern (F6). */
export const FACTOR_CHANGE_WINDOW_MS = 7 * DAY_MS
const ACTIVE_REASONS = ['enrolled', 'activated', 'renamed'] as const
const SECOND_FACTORS_EXCLUDED = ['password', 'recovery_code', 'admin_recovery'] as const

export const where = (req: ReportRequest, event: string, extra = '1') =>
  `event = '${event}' AND ${WINDOW} AND ${filterSql(req.filters, FILTER_KEYS)} AND ${extra}`
export const params = (req: ReportRequest, extra: Record<string, number | string> = {}) => baseParams(req.window, req.filters, extra)

export function coverageSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT user_group, factor,
  argMaxIf(enrolled_count, ts, ts >= fromUnixTimestamp64Milli({from_ms:Int64})) AS enrolled,
  argMaxIf(total_count, ts, ts >= fromUnixTimestamp64Milli({from_ms:Int64})) AS total,
  countIf(ts >= fromUnixTimestamp64Milli({from_ms:Int64})) AS in_window,
  argMaxIf(enrolled_count, ts, ts < fromUnixTimestamp64Milli({from_ms:Int64})) AS prev_enrolled,
  argMaxIf(total_count, ts, ts < fromUnixTimestamp64Milli({from_ms:Int64})) AS prev_total,
  countIf(ts < fromUnixTimestamp64Milli({from_ms:Int64})) AS before
FROM ${SECURITY}
WHERE event = 'mfa.enrollment.snapshot' AND factor != 'password'
  AND ts >= fromUnixTimestamp64Milli({lookback_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  AND ${filterSql(req.filters, ['user_group', 'factor'])}
GROUP BY user_group, factor ORDER BY user_group, factor`
  return { query, params: params(req, { lookback_ms: req.window.fromMs - SNAPSHOT_LOOKBACK_MS }) }
}

/** Per bucket and group: the best-covered factor (what M8 calls coverage). */
export function coverageTrendSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT t, user_group, max(c) AS coverage FROM (
  SELECT ${bucket('ts')} AS t, user_group, factor, argMax(enrolled_count, ts) / nullIf(argMax(total_count, ts), 0) AS c
  FROM ${SECURITY}
  WHERE event = 'mfa.enrollment.snapshot' AND factor != 'password' AND ${WINDOW} AND ${filterSql(req.filters, ['user_group', 'factor'])}
  GROUP BY t, user_group, factor)
GROUP BY t, user_group ORDER BY t, user_group`
  return { query, params: params(req) }
}

/**
 * Admins who signed in with the password alone in the window, from the hourly table of
 * migration 0084 (the window's first hour whole, like the rollups).
 */
export function adminsWithoutMfaSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT user_hash, sum(n) AS n, max(last_at) AS last, argMax(service, last_at) AS service
FROM mfa_password_only_1h
WHERE user_group = 'admin' AND hour >= toStartOfHour(fromUnixTimestamp64Milli({from_ms:Int64})) AND hour < fromUnixTimestamp64Milli({to_ms:Int64})
  AND last_at >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${filterSql(req.filters, ['factor', 'provider', 'region', 'client', 'user_group'])}
GROUP BY user_hash ORDER BY last DESC LIMIT 500`
  return { query, params: params(req) }
}

/**
 * Latest enrollment change per user and factor over the history; SMS the only active one. The
 * list stops at 500 users; `count` answers how many there are (the SMS-only share).
 */
export function smsOnlySql(req: ReportRequest, count = false): SqlQuery {
  const users = `
SELECT user_hash, any(grp) AS user_group, max(last_ts) AS since FROM (
  SELECT user_hash, factor, argMax(reason, ts) AS last_reason, max(ts) AS last_ts, argMax(user_group, ts) AS grp
  FROM ${SECURITY}
  WHERE event = 'mfa.enrollment.changed' AND user_hash != '' AND factor NOT IN ${litList(SECOND_FACTORS_EXCLUDED)}
    AND ts >= fromUnixTimestamp64Milli({history_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
    AND ${filterSql(req.filters, ['user_group'])}
  GROUP BY user_hash, factor)
GROUP BY user_hash
HAVING countIf(last_reason IN ${litList(ACTIVE_REASONS)}) = 1 AND countIf(last_reason IN ${litList(ACTIVE_REASONS)} AND factor = 'sms') = 1`
  const query = count ? `SELECT count() AS n FROM (${users})` : `${users}
ORDER BY since DESC LIMIT 500`
  return { query, params: params(req, { history_ms: req.window.toMs - HISTORY_MS }) }
}

export const PHISHING_RESISTANT = PHISHING_RESISTANT_FACTORS

/** This window and the one of the same length before it. */
export function bypassCountsSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT reason, countIf(ts >= fromUnixTimestamp64Milli({from_ms:Int64})) AS n, countIf(ts < fromUnixTimestamp64Milli({from_ms:Int64})) AS prev
FROM ${SECURITY_FINAL}
WHERE event = 'mfa.bypass' AND ts >= fromUnixTimestamp64Milli({prev_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
  AND ${filterSql(req.filters, FILTER_KEYS)}
GROUP BY reason`
  return { query, params: params(req, { prev_from_ms: 2 * req.window.fromMs - req.window.toMs }) }
}

export function countSeriesSql(req: ReportRequest, event: 'mfa.bypass' | 'mfa.recovery'): SqlQuery {
  const query = `
SELECT ${bucket('ts')} AS t, reason, count() AS n FROM ${SECURITY_FINAL} WHERE ${where(req, event)} GROUP BY t, reason ORDER BY t`
  return { query, params: params(req) }
}

