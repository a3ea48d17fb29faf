import type { ClickHouseClient } from '@clickhouse/client'
import { PHISHING_RESISTANT_FACTORS } from '../../contract'
import type { EnrollmentReport, TargetStatus } from '../../contract/security'
import type { loadEnrollmentTargets } from '../../dashboards/schema/enrollment-targets'
import { isoFromClickHouse } from './events'
import { runSql, windowJson } from './run'
import { str } from './security-run'
import * as q from './security-sql'
import { byBucket, ratio, round } from './series'
import { SECURITY, WINDOW, filterSql, num } from './sql'
import type { Row, SqlQuery } from './types'

/** Enrollment coverage (M8) against dashboards/enrollment-targets.yaml. */

export type EnrollmentTargets = ReturnType<typeof loadEnrollmentTargets>

/**
 * The admins of the latest unprotected_admin snapshot in the window. The IdP emits those rows
 * right after the snapshot's counts, so rows older than the latest admin snapshot (less a margin
 * for a slow job) belong to an earlier run: an admin who has enrolled since is not listed.
 */
export function unprotectedAdminsSql(req: q.ReportRequest): SqlQuery {
  const snapshots = `event = 'mfa.enrollment.snapshot' AND ${WINDOW} AND ${filterSql(req.filters, ['user_group'])}`
  const query = `
SELECT user_hash, max(ts) AS at, argMax(service, ts) AS service
FROM ${SECURITY}
WHERE ${snapshots} AND reason = 'unprotected_admin' AND user_hash != ''
GROUP BY user_hash
HAVING at >= (SELECT max(ts) FROM ${SECURITY} WHERE ${snapshots} AND user_group = 'admin') - INTERVAL 5 MINUTE
ORDER BY user_hash LIMIT 500`
  return { query, params: q.params(req) }
}

/** met / missed against a minimum (coverage) or a maximum (SMS-only share); no_target, no_data otherwise. */
export function judge(actual: number | null, target: number | undefined | null, bound: 'min' | 'max' = 'min'): TargetStatus {
  if (target === undefined || target === null) return 'no_target'
  if (actual === null) return 'no_data'
  return (bound === 'min' ? actual >= target : actual <= target) ? 'met' : 'missed'
}


/** Password-only sign-ins and the latest snapshot's unprotected admins, one row per admin. */
export function unprotectedAdmins(signIns: Row[], snapshot: Row[]): EnrollmentReport['admins_without_mfa'] {
  const m = new Map<string, EnrollmentReport['admins_without_mfa'][number]>()
  for (const r of signIns) m.set(String(r.user_hash), { user_hash: String(r.user_hash), sign_ins: num(r.n), last_seen: isoFromClickHouse(r.last), producer: str(r.service), sources: ['sign_in'] })
  for (const r of snapshot) {
    const had = m.get(String(r.user_hash))
    if (had) had.sources = ['snapshot', 'sign_in']
    else m.set(String(r.user_hash), { user_hash: String(r.user_hash), sign_ins: 0, last_seen: null, producer: str(r.service), sources: ['snapshot'] })
  }
  return [...m.values()]
}

export async function runEnrollment(client: ClickHouseClient, req: q.ReportRequest, targets: EnrollmentTargets): Promise<EnrollmentReport> {
  // Side by side: each read waits on ClickHouse, not on the others.
  const [cov, trend, signIns, snapshot, sms, smsTotal] = await Promise.all([q.coverageSql(req), q.coverageTrendSql(req), q.adminsWithoutMfaSql(req), unprotectedAdminsSql(req), q.smsOnlySql(req), q.smsOnlySql(req, true)].map((s) => runSql(client, s)))
  const smsCount = num(smsTotal[0]?.n ?? 0)
  const coverage = cov.map((r) => {
    const current = num(r.in_window) > 0 ? { e: num(r.enrolled), t: num(r.total) } : { e: num(r.prev_enrolled), t: num(r.prev_total) }
    return {
      user_group: String(r.user_group), factor: String(r.factor), enrolled: current.e, total: current.t, coverage: ratio(current.e, current.t),
      previous: num(r.before) > 0 ? ratio(num(r.prev_enrolled), num(r.prev_total)) : null,
    }
  })
  const groups = new Map<string, { enrolled: number; total: number; best: number | null }>()
  for (const c of coverage) {
    const g = groups.get(c.user_group) ?? { enrolled: 0, total: c.total, best: null }
    g.total = Math.max(g.total, c.total)
    if (c.coverage !== null) g.best = Math.max(g.best ?? 0, c.coverage)
    if ((PHISHING_RESISTANT_FACTORS as readonly string[]).includes(c.factor)) g.enrolled = Math.max(g.enrolled, c.enrolled)
    groups.set(c.user_group, g)
  }
  // A group with a target but no snapshot is listed as no_data rather than left out.
  for (const g of Object.keys(targets.coverage)) if (!groups.has(g) && (!req.filters.user_group || req.filters.user_group === g)) groups.set(g, { enrolled: 0, total: 0, best: null })
  const accounts = [...groups.values()].reduce((a, g) => a + g.total, 0)
  const smsShare = ratio(smsCount, accounts)
  const rows = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))
  const pr = targets.phishing_resistant as Record<string, number | undefined>
  const cv = targets.coverage as Record<string, number | undefined>
  const admins = unprotectedAdmins(signIns, snapshot)
  return {
    window: windowJson(req.window),
    targets: { coverage: cv as Record<string, number>, phishing_resistant: pr as Record<string, number>, sms_only_max_share: targets.sms_only_max_share ?? null, source: targets.source },
    coverage,
    coverage_by_group: rows.map(([user_group, g]) => ({ user_group, coverage: g.best, target: cv[user_group] ?? null, status: judge(g.best, cv[user_group]) })),
    trend: [...byBucket(trend).entries()].map(([t, rs]) => ({ t, by_group: Object.fromEntries(rs.map((r) => [String(r.user_group), r.coverage === null ? null : Math.min(1, round(num(r.coverage), 6))])) })),
    phishing_resistant: rows.filter(([, g]) => g.total > 0).map(([user_group, g]) => {
      const share = ratio(g.enrolled, g.total)
      return { user_group, enrolled: g.enrolled, total: g.total, share, target: pr[user_group] ?? null, status: judge(share, pr[user_group]) }
    }),
    admins_without_mfa: admins,
    unprotected_snapshot_at: snapshot.length ? isoFromClickHouse(snapshot.map((r) => String(r.at)).sort().pop()) : null,
    sms_only: sms.map((r) => ({ user_hash: String(r.user_hash), user_group: str(r.user_group), since: isoFromClickHouse(r.since) })),
    sms_only_share: { users: smsCount, accounts, share: smsShare, max: targets.sms_only_max_share ?? null, status: judge(smsShare, targets.sms_only_max_share, 'max') },
    history_from: new Date(req.window.toMs - q.HISTORY_MS).toISOString(),
    not_in_telemetry: [],
  }
}
