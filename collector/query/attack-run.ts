import type { ClickHouseClient } from '@clickhouse/client'
import { REASONS, RISK_SIGNALS } from '../../contract'
import type { AttackReport } from '../../contract/security'
import * as q from './attack-sql'
import { isoFromClickHouse } from './events'
import { runSql, windowJson } from './run'
import { str } from './security-run'
import type { ReportRequest } from './security-sql'
import { fillSeries, sum } from './series'
import { num } from './sql'
import type { Row, SqlQuery } from './types'

/** Thin shell of the attack report: run attack-sql.ts's builders, shape rows into AttackReport. */

/** Where a grouped row came from and whom it touched (see attack-sql.ts `grouped`). */
function origin(r: Row, blockListed: ReadonlySet<string>) {
  const users = num(r.users)
  const network = String(r.k)
  return {
    network: network || 'unknown',
    country: (r.top_country as string[])[0] || 'unknown',
    users,
    user_hashes: users <= q.USERS_LISTED ? [...(r.hashes as string[])].sort() : [],
    block_listed: blockListed.has(network),
  }
}

export async function runAttacks(client: ClickHouseClient, req: ReportRequest): Promise<AttackReport> {
  const run = (sql: SqlQuery) => runSql(client, sql)
  // Independent reads, issued together: over a month each is a few to tens of milliseconds, and
  // one after another they added up past the panel's budget.
  const [stuffing, brute, locks, push, risk, revoked, blockListed, netStuffing, netBrute, netLocks, netPush] = await Promise.all([
    run(q.credentialStuffingSql(req, 'country')),
    run(q.bruteForceSql(req)),
    run(q.lockoutsSql(req)),
    run(q.pushBombingSql(req, 'country')),
    run(q.riskSeriesSql(req)),
    run(q.revokedSessionSql(req)),
    run(q.blockListedSql(req)),
    run(q.credentialStuffingSql(req, 'network')),
    run(q.secondFactorFailuresSql(req)),
    run(q.lockoutsByNetworkSql(req)),
    run(q.pushBombingSql(req, 'network')),
  ])
  const listed = new Set(blockListed.map((r) => String(r.k)))
  const net = { stuffing: netStuffing, brute: netBrute, locks: netLocks, push: netPush }
  const byReason: Record<string, number> = Object.fromEntries(REASONS['mfa.lockout'].map((r) => [r, 0]))
  for (const r of locks) if (r.reason !== '') byReason[String(r.reason)] = num(r.n)
  const pushCounts = (r: Row) => ({ denied: num(r.denied), fraud_reports: num(r.fraud_reports), lockouts: num(r.lockouts) })
  return {
    window: windowJson(req.window),
    credential_stuffing: stuffing.map((r) => ({ country: String(r.k) || 'unknown', failures: num(r.failures), users: num(r.users) })),
    brute_force: {
      threshold: q.BRUTE_FORCE_THRESHOLD,
      users: brute.map((r) => ({ user_hash: String(r.user_hash), user_group: str(r.user_group), failures: num(r.failures), factors: (r.factors as string[]).filter(Boolean), countries: r.countries as string[], last: isoFromClickHouse(r.last) })),
    },
    lockouts: { by_reason: byReason, users: num(locks.find((r) => r.reason === '')?.n ?? 0) },
    push_bombing: push.map((r) => ({ country: String(r.k) || 'unknown', ...pushCounts(r), users: num(r.users) })),
    by_network: {
      users_listed: q.USERS_LISTED,
      credential_stuffing: net.stuffing.map((r) => ({ ...origin(r, listed), failures: num(r.failures) })),
      brute_force: net.brute.map((r) => ({ ...origin(r, listed), failures: num(r.failures) })),
      lockouts: net.locks.map((r) => ({ ...origin(r, listed), lockouts: num(r.lockouts), reasons: r.reasons as string[] })),
      push_bombing: net.push.map((r) => ({ ...origin(r, listed), ...pushCounts(r) })),
    },
    risk: fillSeries(req.window, risk, (b) => [sum(b, 'low'), sum(b, 'medium'), sum(b, 'high')]),
    risk_signals: fillSeries(req.window, risk, (b) => RISK_SIGNALS.map((s) => sum(b, s)) as [number, number, number, number]),
    revoked_session_reuse: revoked.map((r) => ({ ts: isoFromClickHouse(r.ts), user_hash: str(r.user_hash), country: str(r.country), client: str(r.client) })),
    not_in_telemetry: [],
  }
}
