import type { ClickHouseClient } from '@clickhouse/client'
import type { RecoveryReport } from '../../contract/security'
import { REASONS } from '../../contract'
import { MANY_FROM_ONE_NETWORK, USERS_AS_PARAM, recoveryCountsSql, recoveryRequestsSql, recoverySuspiciousSql } from './recovery-sql'
import { runSql, windowJson } from './run'
import { fillSeries } from './series'
import { num } from './sql'
import type { ReportRequest } from './security-sql'
import type { QueryWindow, Row } from './types'

/**
 * The recovery report: recovery-sql.ts's three aggregates in, the report out. The pairing of admin
 * requests with their decisions and the abuse signals are decided in SQL (see there, and
 * recovery-report.test.ts for the cases); this module only shapes the rows.
 */

export interface RecoveryRows { counts: Row[]; requests: Row[]; suspicious: Row[] }
type Suspicious = RecoveryReport['suspicious'][number]
/** In the order the report lists them. */
const SIGNALS: Suspicious['signals'] = ['after_factor_change', 'new_country', 'high_risk', 'blocklisted_network', 'many_from_network']

const orNull = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v))
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v))
const flag = (v: unknown): boolean => v === true || num(v) === 1

function tally<K extends 'network' | 'country'>(rows: Row[], by: K): ({ [P in K]: string } & { requests: number; users: number })[] {
  return rows.filter((r) => r.kind === by)
    .map((r) => ({ [by]: String(r.key) || 'unknown', requests: num(r.requests), users: num(r.users) }) as { [P in K]: string } & { requests: number; users: number })
    .sort((a, b) => b.requests - a.requests)
}

export function buildRecoveryReport(w: QueryWindow, rows: RecoveryRows): Omit<RecoveryReport, 'window' | 'not_in_telemetry'> {
  const byReason: Record<string, number> = Object.fromEntries(REASONS['mfa.recovery'].map((r) => [r, 0]))
  const counts = rows.counts.filter((r) => r.kind === 'count')
  for (const r of counts) byReason[String(r.reason)] = (byReason[String(r.reason)] ?? 0) + num(r.n)
  const pairing = rows.requests[0] ?? {}
  const n = num(pairing.n ?? 0)
  const open = (pairing.open as [unknown, unknown, unknown, unknown][] | undefined) ?? []
  return {
    by_reason: byReason,
    series: fillSeries(w, counts.map((r) => ({ ...r, t: num(r.t) })), (b) => ['requested', 'approved', 'denied'].map((x) => b.filter((r) => r.reason === x).reduce((a, r) => a + num(r.n), 0)) as [number, number, number]),
    time_to_approve_ms: { n, p50: n > 0 ? msOrNull(pairing.p50) : null, p95: n > 0 ? msOrNull(pairing.p95) : null },
    backlog: open.map(([user, requestId, network, ms]) => ({
      user_hash: String(user), request_id: orNull(requestId), requested_at: new Date(num(ms)).toISOString(),
      age_ms: Math.max(0, w.toMs - num(ms)), network: orNull(network),
    })),
    by_country: tally(rows.counts, 'country'),
    by_network: tally(rows.counts, 'network'),
    many_from_network_threshold: MANY_FROM_ONE_NETWORK,
    suspicious: rows.suspicious.map((r): Suspicious => ({
      ts: new Date(num(r.ms)).toISOString(), user_hash: String(r.user_hash), request_id: orNull(r.request_id), reason: String(r.reason),
      country: orNull(r.country), network: orNull(r.network), signals: SIGNALS.filter((x) => flag(r[x])),
    })),
    suspicious_total: rows.suspicious.length > 0 ? num(rows.suspicious[0].total) : 0,
  }
}

/** The networks many users recovered from: their starts are flagged many_from_network. */
export const busyNetworks = (counts: Row[]): string[] =>
  counts.filter((r) => r.kind === 'network' && r.key !== '' && num(r.users) >= MANY_FROM_ONE_NETWORK).map((r) => String(r.key))

/** The window's starting users, or null past USERS_AS_PARAM (the statement then finds them itself). */
export function startingUsers(counts: Row[]): string[] | null {
  const users = ((counts.find((r) => r.kind === 'users')?.start_users as unknown[] | undefined) ?? []).map(String)
  return users.length > USERS_AS_PARAM ? null : users
}

export async function runRecovery(client: ClickHouseClient, req: ReportRequest): Promise<RecoveryReport> {
  // One query connection runs one statement at a time: the counts first, whose busy networks the suspicious list needs.
  const counts = await runSql(client, recoveryCountsSql(req))
  const [requests, suspicious] = await Promise.all([runSql(client, recoveryRequestsSql(req)), runSql(client, recoverySuspiciousSql(req, busyNetworks(counts), startingUsers(counts)))])
  return { window: windowJson(req.window), ...buildRecoveryReport(req.window, { counts, requests, suspicious }), not_in_telemetry: ['free-text reasons of a request or decision: the IdP keeps them in its audit log'] }
}
