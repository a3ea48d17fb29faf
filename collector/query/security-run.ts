import type { ClickHouseClient } from '@clickhouse/client'
import { PHISHING_RESISTANT_FACTORS, REASONS } from '../../contract'
import type { BypassReport, EnrollmentReport, RecoveryReport } from '../../contract/security'
import { isoFromClickHouse } from './events'
import { buildRecoveryReport, contextOf, stepOf } from './recovery-report'
import { runSql, windowJson } from './run'
import * as q from './security-sql'
import { byBucket, fillSeries, ratio, round } from './series'
import { num } from './sql'
import type { Row } from './types'

/** Thin shell of the security reports: run the builders' SQL, shape rows into the contract/security.ts shapes. */

/** A ClickHouse string column as the API's nullable string (attack-run.ts too). */
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

export async function runEnrollment(client: ClickHouseClient, req: q.ReportRequest): Promise<EnrollmentReport> {
  const cov = await runSql(client, q.coverageSql(req))
  const trend = await runSql(client, q.coverageTrendSql(req))
  const admins = await runSql(client, q.adminsWithoutMfaSql(req))
  const sms = await runSql(client, q.smsOnlySql(req))
  const coverage = cov.map((r) => {
    const current = num(r.in_window) > 0 ? { e: num(r.enrolled), t: num(r.total) } : { e: num(r.prev_enrolled), t: num(r.prev_total) }
    return {
      user_group: String(r.user_group), factor: String(r.factor), enrolled: current.e, total: current.t, coverage: ratio(current.e, current.t),
      previous: num(r.before) > 0 ? ratio(num(r.prev_enrolled), num(r.prev_total)) : null,
    }
  })
  const groups = new Map<string, { enrolled: number; total: number }>()
  for (const c of coverage) {
    const g = groups.get(c.user_group) ?? { enrolled: 0, total: c.total }
    g.total = Math.max(g.total, c.total)
    if ((PHISHING_RESISTANT_FACTORS as readonly string[]).includes(c.factor)) g.enrolled = Math.max(g.enrolled, c.enrolled)
    groups.set(c.user_group, g)
  }
  const buckets = byBucket(trend)
  return {
    window: windowJson(req.window),
    coverage,
    trend: [...buckets.entries()].map(([t, rows]) => ({ t, by_group: Object.fromEntries(rows.map((r) => [String(r.user_group), r.coverage === null ? null : Math.min(1, round(num(r.coverage), 6))])) })),
    phishing_resistant: [...groups.entries()].map(([user_group, g]) => ({ user_group, ...g, share: ratio(g.enrolled, g.total) })),
    admins_without_mfa: admins.map((r) => ({ user_hash: String(r.user_hash), sign_ins: num(r.n), last_seen: isoFromClickHouse(r.last), producer: str(r.service) })),
    sms_only: sms.map((r) => ({ user_hash: String(r.user_hash), user_group: str(r.user_group), since: isoFromClickHouse(r.since) })),
    history_from: new Date(req.window.toMs - q.HISTORY_MS).toISOString(),
    not_in_telemetry: ['admins with no second factor who did not sign in during the window (the snapshot counts them, without hashes)'],
  }
}

const bypassEvent = (r: Row) => ({ ts: isoFromClickHouse(r.ts), kind: String(r.kind), user_hash: str(r.user_hash), user_group: str(r.user_group), flow_id: str(r.flow_id), country: str(r.country), client: str(r.client) })

export async function runBypasses(client: ClickHouseClient, req: q.ReportRequest): Promise<BypassReport> {
  const events = (await runSql(client, q.bypassEventsSql(req))).map(bypassEvent)
  const counts = await runSql(client, q.bypassCountsSql(req))
  const series = await runSql(client, q.countSeriesSql(req, 'mfa.bypass'))
  const zero = () => Object.fromEntries(REASONS['mfa.bypass'].map((k) => [k, 0]))
  const byKind: Record<string, number> = zero(), prev: Record<string, number> = zero()
  for (const r of counts) { byKind[String(r.reason)] = num(r.n); prev[String(r.reason)] = num(r.prev) }
  return {
    window: windowJson(req.window),
    by_kind: byKind,
    previous_by_kind: prev,
    series: fillSeries(req.window, series, (b) => [b.reduce((a, r) => a + num(r.n), 0)]),
    events,
    incidents: events.filter((e) => e.kind === 'break_glass'),
    not_in_telemetry: ['requester and approver hashes', 'exemption duration and status (open, expiring)', 'free-text reason: the IdP keeps them in its audit log, mfa.bypass carries only the kind'],
  }
}

export async function runRecovery(client: ClickHouseClient, req: q.ReportRequest): Promise<RecoveryReport> {
  const steps = (await runSql(client, q.recoveryStepsSql(req))).map(stepOf)
  const ctx = contextOf(await runSql(client, q.recoveryContextSql(req)))
  return {
    window: windowJson(req.window),
    ...buildRecoveryReport(req.window, steps, ctx),
    not_in_telemetry: ['source network (/24, /48) and block-list hits: the IdP uses the address for risk but never emits it; country and risk level stand in'],
  }
}
