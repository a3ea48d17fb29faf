import { paramBinder, sloConditions } from '../alerting/sql'
import type { Slo } from '../alerting/types'
import { lit } from '../query/sql'
import type { SqlQuery } from '../query/types'

/**
 * SQL builders for game-day guardrails, expectations and the report. Event names are contract
 * constants (inlined through `lit`); every other value travels as a `{name:Type}` parameter.
 */

const WINDOW = 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'

/** Game days overlapping [from, to): the latest version of each run (G2's gameday_runs, migration 0030). */
export function drillWindowsSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT id, scenario, name, state, dry_run, pages, vendors, toUnixTimestamp64Milli(started_at) AS started_ms, toUnixTimestamp64Milli(ended_at) AS ended_ms
FROM gameday_runs FINAL
WHERE started_at IS NOT NULL AND started_at < fromUnixTimestamp64Milli({to_ms:Int64})
  AND (ended_at IS NULL OR ended_at >= fromUnixTimestamp64Milli({from_ms:Int64}))
ORDER BY started_at, id`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/** Total (t) and bad (b) events of one SLO within [from, to). */
export function sloWindowSql(slo: Slo, fromMs: number, toMs: number): SqlQuery {
  const params: SqlQuery['params'] = { from_ms: fromMs, to_ms: toMs }
  const c = sloConditions(slo, 0, paramBinder(params))
  return {
    query: `
SELECT countIf(${c.total}) AS t, countIf(${c.bad}) AS b
FROM mfa_events FINAL
WHERE event IN (${c.events.map(lit).join(', ')}) AND ${WINDOW}`,
    params,
  }
}

/**
 * Sign-ins that reached the second factor and how many finished signed in, counted as the
 * mfa-success SLO counts them (mfa.login.completed mfa_satisfied / mfa_satisfied + mfa_failed):
 * a guessing attack that ends locked out is not a failed sign-in of the group, so a demo's
 * attackers cannot trip a drill's admin floor. Rows as M1's: {flows, hits}.
 */
export function signInSuccessSql(fromMs: number, toMs: number, userGroup?: string): SqlQuery {
  return {
    query: `
SELECT countIf(reason IN ('mfa_satisfied', 'mfa_failed')) AS flows, countIf(reason = 'mfa_satisfied') AS hits
FROM mfa_events FINAL
WHERE event = ${lit('mfa.login.completed')} AND ${WINDOW}${userGroup ? ' AND user_group = {user_group:String}' : ''}`,
    params: { from_ms: fromMs, to_ms: toMs, ...(userGroup ? { user_group: userGroup } : {}) },
  }
}

/** Page alerts that started firing in [from, to) without this drill's gameday label (not held back by a silence). */
export function unrelatedPagesSql(gamedayId: string, fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT uniqExact(alert_id) AS n FROM alert_history
WHERE to_state = 'firing' AND severity = 'page' AND suppressed = 0 AND labels['gameday'] != {gameday:String} AND ${WINDOW}`,
    params: { gameday: gamedayId, from_ms: fromMs, to_ms: toMs },
  }
}

/** Every transition to firing within [from, to), oldest first. */
export function alertFiringsSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT toUnixTimestamp64Milli(ts) AS t, alert_id, rule_id, alertname, labels FROM alert_history
WHERE to_state = 'firing' AND ${WINDOW}
ORDER BY ts, alert_id LIMIT 1000`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/**
 * First breaker open per vendor within [from, to) that the breaker decided itself: a runbook
 * drain forces the circuit open too (reason manual), but that is the operator, not detection.
 */
export function breakerOpensSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT provider, toUnixTimestamp64Milli(min(ts)) AS t FROM mfa_events FINAL
WHERE event = ${lit('mfa.circuit.changed')} AND circuit_state = 'open' AND reason != 'manual' AND ${WINDOW}
GROUP BY provider`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/** mfa.fallback events within [from, to) by from, to and factor. */
export function fallbacksSql(fromMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT fallback_from, fallback_to, factor, count() AS n FROM mfa_events FINAL
WHERE event = ${lit('mfa.fallback')} AND ${WINDOW}
GROUP BY fallback_from, fallback_to, factor`,
    params: { from_ms: fromMs, to_ms: toMs },
  }
}

/** Events of one name in [from, mid) (before) and [mid, to) (during). */
export function volumeSql(event: string, fromMs: number, midMs: number, toMs: number): SqlQuery {
  return {
    query: `
SELECT countIf(ts < fromUnixTimestamp64Milli({mid_ms:Int64})) AS before, countIf(ts >= fromUnixTimestamp64Milli({mid_ms:Int64})) AS during
FROM mfa_events FINAL
WHERE event = {event:String} AND ${WINDOW}`,
    params: { event, from_ms: fromMs, mid_ms: midMs, to_ms: toMs },
  }
}
