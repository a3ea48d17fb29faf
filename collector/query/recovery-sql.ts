import { ATTR } from '../../contract'
import { type ReportRequest, HISTORY_MS, params } from './security-sql'
import { filterSql, lit } from './sql'
import { FILTER_KEYS, type SqlQuery } from './types'

/**
 * SQL of the recovery and exemption reports that reads the IdP's extra attributes (request id,
 * network, risk signals, requester, approver, duration). They are not columns: the collector
 * keeps them in the `attributes` map ('' when absent). These events are rare, so the raw table
 * is read without FINAL and re-deliveries are dropped with LIMIT 1 BY event_id.
 */

/** `attributes['mfa.request_id']`: a contract attribute kept in the map. */
export const attr = (key: (typeof ATTR)[keyof typeof ATTR]): string => `attributes[${lit(key)}]`

/** From the history before the window (open requests, pairing) to its end. */
export const HISTORY = 'ts >= fromUnixTimestamp64Milli({history_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})'
export const historyParams = (req: ReportRequest) => params(req, { history_ms: req.window.fromMs - HISTORY_MS })

/** Every recovery step in the window plus the history before it (backlog, time to approve). */
export function recoveryStepsSql(req: ReportRequest): SqlQuery {
  const query = `
SELECT toUnixTimestamp64Milli(ts) AS ms, reason, factor, user_hash, country, risk_level,
  ${attr(ATTR.requestId)} AS request_id, network, risk_signals
FROM mfa_events
WHERE event = 'mfa.recovery' AND ${HISTORY} AND ${filterSql(req.filters, FILTER_KEYS)}
ORDER BY ts LIMIT 1 BY event_id LIMIT 20000`
  return { query, params: historyParams(req) }
}
