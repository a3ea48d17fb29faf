import { AttackReport, BypassReport, EnrollmentReport, type Exemption, RecoveryReport, type TargetStatus } from '../../contract/security'
import { attackCsvRows } from './attacks'
import { type CollectorDeps, ConsoleError, getFromCollector } from './collector-client'
import { parseFilters } from './filters'
import { windowParams } from './security'

/**
 * The monthly audit ("audit enrollment coverage, review policy exceptions"): one period's
 * enrollment, exceptions and bypasses, recoveries and attacks, as a printable page, CSV and PDF.
 */

type Params = { get(name: string): string | null }

export interface MonthlyReport {
  period: { from: string; to: string; label: string }
  source: string
  generatedAt: string
  enrollment: EnrollmentReport
  bypasses: BypassReport
  recovery: RecoveryReport
  attacks: AttackReport
}

/** `?month=2026-11` (a calendar month, UTC), or the range of the Security page, or this month so far. */
export function reportPeriod(params: Params, now: Date): { from: string; to: string; step: string; label: string } {
  const month = params.get('month')
  if (month !== null) {
    const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month)
    if (!m) throw new ConsoleError('invalid_parameter', `invalid month: got "${month.slice(0, 20)}", expected YYYY-MM such as 2026-11`, 'month')
    const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1))
    const to = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1))
    return { from: from.toISOString(), to: to.toISOString(), step: '86400', label: `${from.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })} (${from.toISOString().slice(0, 10)} 00:00 – ${to.toISOString().slice(0, 10)} 00:00 UTC)` }
  }
  if (params.get('range') ?? params.get('from')) {
    const w = windowParams(params, now, '7d')
    return { ...w, label: `${w.from.slice(0, 16).replace('T', ' ')} – ${w.to.slice(0, 16).replace('T', ' ')} UTC` }
  }
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000)
  return { from: from.toISOString(), to: to.toISOString(), step: '86400', label: `${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 16).replace('T', ' ')} UTC (month to date)` }
}

export async function loadReport(params: Params, deps: CollectorDeps, now: Date): Promise<MonthlyReport> {
  const { label, ...w } = reportPeriod(params, now)
  const filters = parseFilters(params)
  if (!filters.ok) throw new ConsoleError('invalid_parameter', filters.error.message, filters.error.parameter)
  const q = { ...w, ...filters.value }
  return {
    period: { from: w.from, to: w.to, label },
    source: `MFA events (mfa_events) and traces in the FactorWatch collector at ${deps.baseUrl}, as sent by the identity provider over OTLP`,
    generatedAt: now.toISOString(),
    enrollment: await getFromCollector(deps, '/api/v1/security/enrollment', q, EnrollmentReport),
    bypasses: await getFromCollector(deps, '/api/v1/security/bypasses', q, BypassReport),
    recovery: await getFromCollector(deps, '/api/v1/security/recovery', q, RecoveryReport),
    attacks: await getFromCollector(deps, '/api/v1/security/attacks', q, AttackReport),
  }
}

const CSV_COLUMNS = ['section', 'time', 'user_hash', 'item', 'value', 'previous'] as const
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>

/** RFC 4180 field; a leading = + - @ is neutralised so a spreadsheet never runs it as a formula. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** "workforce (target 0.95): missed" — a row judged against dashboards/enrollment-targets.yaml. */
const judged = (what: string, target: number | null, status: TargetStatus, bound: 'target' | 'max' = 'target') => `${what} (${bound} ${target ?? 'none'}): ${status}`

/** An exemption in long form: the exempted account with its status, then who asked, who decided, how long and how often used. */
function exemptionRows(e: Exemption): CsvRow[] {
  const id = `${e.kind} ${e.request_id}`
  return [
    { section: e.kind === 'break_glass' ? 'break_glass_incident' : 'exemption', time: e.requested_at, user_hash: e.user_hash, item: id, value: e.status },
    { section: 'exemption_requester', time: e.requested_at, user_hash: e.requester_hash, item: id },
    { section: 'exemption_approver', time: e.approved_at ?? e.ended_at, user_hash: e.approver_hash, item: id, value: e.status },
    { section: 'exemption_duration_s', time: e.expires_at, item: id, value: e.duration_s },
    { section: 'exemption_uses', item: id, value: e.uses },
  ]
}

/** One CSV, every section in long form: section, time, user hash, item, value, previous value. */
export function reportCsv(r: MonthlyReport): string {
  const rows: CsvRow[] = [
    { section: 'period', item: 'from', value: r.period.from }, { section: 'period', item: 'to', value: r.period.to },
    { section: 'source', item: 'data source', value: r.source }, { section: 'source', item: 'generated at', value: r.generatedAt },
    ...r.enrollment.coverage.map((c) => ({ section: 'enrollment_coverage', item: `${c.user_group}/${c.factor} (${c.enrolled} of ${c.total})`, value: c.coverage, previous: c.previous })),
    ...r.enrollment.coverage_by_group.map((g) => ({ section: 'coverage_vs_target', item: judged(g.user_group, g.target, g.status), value: g.coverage })),
    ...r.enrollment.phishing_resistant.map((p) => ({ section: 'phishing_resistant_share', item: judged(p.user_group, p.target, p.status), value: p.share })),
    { section: 'sms_only_share', item: judged(`${r.enrollment.sms_only_share.users} of ${r.enrollment.sms_only_share.accounts} accounts`, r.enrollment.sms_only_share.max, r.enrollment.sms_only_share.status, 'max'), value: r.enrollment.sms_only_share.share },
    ...r.enrollment.admins_without_mfa.map((a) => ({ section: 'admin_without_second_factor', time: a.last_seen, user_hash: a.user_hash, item: `sign-ins (seen in ${a.sources.join(' and ')})`, value: a.sign_ins })),
    ...r.enrollment.sms_only.map((u) => ({ section: 'sms_only_user', time: u.since, user_hash: u.user_hash, item: u.user_group })),
    ...Object.entries(r.bypasses.by_kind).map(([k, n]) => ({ section: 'bypasses_by_kind', item: k, value: n, previous: r.bypasses.previous_by_kind[k] ?? 0 })),
    ...r.bypasses.exemptions.flatMap(exemptionRows),
    ...r.bypasses.events.map((e) => ({ section: e.kind === 'break_glass' && e.request_id === null ? 'break_glass_incident' : 'bypass', time: e.ts, user_hash: e.user_hash, item: e.request_id ? `${e.kind} ${e.request_id}` : e.kind, value: e.country })),
    ...Object.entries(r.recovery.by_reason).map(([k, n]) => ({ section: 'recovery', item: k, value: n })),
    { section: 'recovery', item: 'time_to_approve_p50_ms', value: r.recovery.time_to_approve_ms.p50 }, { section: 'recovery', item: 'time_to_approve_p95_ms', value: r.recovery.time_to_approve_ms.p95 },
    ...r.recovery.backlog.map((b) => ({ section: 'recovery_backlog', time: b.requested_at, user_hash: b.user_hash, item: `age_ms${b.request_id ? ` ${b.request_id}` : ''}${b.network ? ` from ${b.network}` : ''}`, value: b.age_ms })),
    // The newest 500 are listed; the total says how many there were.
    { section: 'recovery', item: 'abuse_signals_total', value: r.recovery.suspicious_total },
    ...r.recovery.suspicious.map((s) => ({ section: 'recovery_abuse_signal', time: s.ts, user_hash: s.user_hash, item: s.signals.join(' '), value: [s.country, s.network].filter(Boolean).join(' ') || null })),
    ...r.recovery.by_network.map((n) => ({ section: 'recovery_by_network', item: `${n.network} (${n.users} users)`, value: n.requests })),
    ...r.attacks.credential_stuffing.map((c) => ({ section: 'credential_stuffing', item: c.country, value: c.failures, previous: null })),
    ...r.attacks.brute_force.users.map((u) => ({ section: 'second_factor_guessing', time: u.last, user_hash: u.user_hash, item: u.factors.join(' '), value: u.failures })),
    ...Object.entries(r.attacks.lockouts.by_reason).map(([k, n]) => ({ section: 'lockouts', item: k, value: n })),
    ...r.attacks.push_bombing.map((p) => ({ section: 'push_bombing', item: p.country, value: p.denied + p.fraud_reports })),
    ...attackCsvRows(r.attacks),
    ...r.attacks.revoked_session_reuse.map((v) => ({ section: 'revoked_session_reuse', time: v.ts, user_hash: v.user_hash, item: v.client, value: v.country })),
  ]
  return [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(row[c])).join(','))].join('\r\n') + '\r\n'
}
