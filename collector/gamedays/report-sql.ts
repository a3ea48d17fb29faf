import { lit, litList } from '../query/sql'
import type { SqlQuery } from '../query/types'

/**
 * SQL builders for the game-day report (report.ts). Vendors and ids are parameters; event
 * names, outcomes and reasons are contract constants.
 */

const WINDOW = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'

/** Vendor reasons that mean the vendor failed us (as the vendor SLOs count them, plus 429s). */
export const VENDOR_FAILURES = ['http_5xx', 'timeout', 'network_error', 'rate_limited', 'circuit_open'] as const
/** A provider call slower than this is a symptom of a latency fault (F4). */
export const SLOW_CALL_MS = 2000
/** Terminal reasons of a challenged login (M10's total, plus the IdP answering 503 under F1). */
export const CHALLENGED_ENDINGS = ['mfa_satisfied', 'mfa_failed', 'abandoned', 'locked_out', 'idp_unavailable'] as const

/**
 * A failed step touching the drill: a vendor call that failed (or was slow) for a faulted vendor,
 * a delivery that never arrived, a verification that hit a system error, a sign-in the IdP
 * refused under F1, or any event the IdP tagged with the drill's id that did not succeed.
 * With no vendors (an IdP fault) every vendor counts.
 */
function symptom(): string {
  const vendor = `(empty({vendors:Array(String)}) OR has({vendors:Array(String)}, provider))`
  return `(
    (event = ${lit('mfa.provider.request')} AND ${vendor} AND (reason IN ${litList(VENDOR_FAILURES)} OR latency_ms > {slow_ms:UInt32}))
    OR (event = ${lit('mfa.provider.delivery')} AND ${vendor} AND reason IN ('failed', 'undeliverable', 'never_receipted', 'late'))
    OR (event = ${lit('mfa.challenge.verified')} AND outcome IN ('error', 'timeout'))
    OR (event = ${lit('mfa.login.completed')} AND reason = 'idp_unavailable')
    OR (gameday_id = {gameday:String} AND outcome NOT IN ('success', ''))
  )`
}
const SYMPTOM_EVENTS = litList(['mfa.provider.request', 'mfa.provider.delivery', 'mfa.challenge.verified', 'mfa.login.completed', 'mfa.fallback', 'mfa.challenge.issued', 'mfa.login.started'])

/** The first symptom in [from, to): its time, event, vendor and reason (no row when none). */
export function firstSymptomSql(vendors: readonly string[], gamedayId: string, fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT toUnixTimestamp64Milli(ts) AS t, event, provider, reason, outcome FROM mfa_events FINAL
WHERE event IN ${SYMPTOM_EVENTS} AND ${WINDOW} AND ${symptom()}
ORDER BY ts LIMIT 1`,
    params: { vendors: [...vendors], gameday: gamedayId, slow_ms: SLOW_CALL_MS, from_ms: fromMs, to_ms: toMs },
  }
}

/**
 * The first successful failover in [from, to): a flow with an mfa.fallback away from one of
 * `from` (vendors or factors; any when empty) that then succeeded (a vendor call, a
 * verification or the sign-in). A send's attempts and its fallback share a moment, so a success
 * up to a second before the fallback event counts.
 */
export function firstFailoverSql(from: readonly string[], fromMs: number, toMs: number): SqlQuery {
  const fb = `(event = ${lit('mfa.fallback')} AND (empty({from:Array(String)}) OR has({from:Array(String)}, fallback_from)))`
  const ok = `((event IN ${litList(['mfa.provider.request', 'mfa.challenge.verified', 'mfa.login.completed'])}) AND outcome = 'success')`
  return {
    query: `
SELECT toUnixTimestamp64Milli(fb_ts) AS t, fb_from, fb_to FROM (
  SELECT flow_id, minIf(ts, ${fb}) AS fb_ts, argMinIf(fallback_from, ts, ${fb}) AS fb_from, argMinIf(fallback_to, ts, ${fb}) AS fb_to, maxIf(ts, ${ok}) AS ok_ts, countIf(${ok}) AS oks
  FROM mfa_events FINAL
  WHERE event IN ${litList(['mfa.fallback', 'mfa.provider.request', 'mfa.challenge.verified', 'mfa.login.completed'])} AND flow_id != '' AND ${WINDOW}
  GROUP BY flow_id
  HAVING countIf(${fb}) > 0 AND oks > 0 AND toUnixTimestamp64Milli(ok_ts) >= toUnixTimestamp64Milli(fb_ts) - 1000
)
ORDER BY fb_ts LIMIT 1`,
    params: { from: [...from], from_ms: fromMs, to_ms: toMs },
  }
}

/** Challenged sign-ins ending per minute in [from, to): b (epoch ms), ok, n. */
export function endingsSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT intDiv(toUnixTimestamp64Milli(ts), 60000) * 60000 AS b, countIf(reason = 'mfa_satisfied') AS ok, count() AS n
FROM mfa_events FINAL
WHERE event = ${lit('mfa.login.completed')} AND reason IN ${litList(CHALLENGED_ENDINGS)} AND ${WINDOW}
GROUP BY b ORDER BY b`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/** Per user group: users with a failed step, flows seen, flows with a failed step, within [from, to). */
export function affectedSql(vendors: readonly string[], gamedayId: string, fromMs: number, toMs: number): SqlQuery {
  const failed = `(${symptom()} OR (event = ${lit('mfa.login.completed')} AND reason IN ('mfa_failed', 'abandoned')) OR (event = ${lit('mfa.fallback')} AND reason NOT IN ('user_choice', 'risk_policy')))`
  return {
    query: `
SELECT user_group, uniqExactIf(user_hash, ${failed} AND user_hash != '') AS users, uniqExactIf(flow_id, flow_id != '') AS flows, uniqExactIf(flow_id, ${failed} AND flow_id != '') AS failed_flows
FROM mfa_events FINAL
WHERE event IN ${SYMPTOM_EVENTS} AND user_group != '' AND ${WINDOW}
GROUP BY user_group ORDER BY user_group`,
    params: { vendors: [...vendors], gameday: gamedayId, slow_ms: SLOW_CALL_MS, from_ms: fromMs, to_ms: toMs },
  }
}
