import type { Metadata } from 'next'
import { ConsoleError } from '../_lib/collector-client'
import { currentViewer, pageAccess, viewerDeps } from '../_lib/auth/server'
import { RISK_SIGNALS } from '../../contract/enums'
import { SIGNAL_LABEL, blockListText, networkTables, usersText } from '../_lib/attacks'
import { formatCount, formatDuration, formatPercent, humanize } from '../_lib/format'
import { loadReport, type MonthlyReport } from '../_lib/report'
import type { Exemption } from '../../contract/security'
import { SOURCE } from '../_components/security/EnrollmentSection'
import { targetText } from '../_components/security/TargetMark'
import '../_components/security/security.css'
import './report.css'

export const metadata: Metadata = { title: 'Monthly MFA audit' }
export const dynamic = 'force-dynamic'

type Search = Record<string, string | string[] | undefined>

export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams
  const params = { get: (k: string) => (typeof sp[k] === 'string' ? (sp[k] as string) : null) }
  // The middleware already refused roles without security.read; checked again where the data is read.
  const viewer = await currentViewer()
  const access = pageAccess(viewer, 'security.read')
  if (!viewer || !access.ok) return <section className="card state state-error" role="alert"><h1>Monthly MFA audit</h1><p className="error-message">This report needs the {access.need} role or stronger.</p></section>
  let r: MonthlyReport
  try {
    r = await loadReport(params, await viewerDeps(viewer), new Date())
  } catch (err) {
    const message = err instanceof ConsoleError ? err.message : 'the report could not be built; see the console log'
    return <section className="card state state-error" role="alert"><h1>Monthly MFA audit</h1><p className="error-message">{message}</p></section>
  }
  return <Report r={r} />
}

const T = ({ caption, head, rows, empty }: { caption: string; head: string[]; rows: (string | number)[][]; empty: string }) =>
  rows.length === 0 ? <p className="muted">{empty}</p> : (
    <table className="report-table">
      <caption>{caption}</caption>
      <thead><tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
      <tbody>{rows.map((row, i) => <tr key={i}>{row.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}</tr>)}</tbody>
    </table>
  )

const d = (iso: string) => iso.slice(0, 16).replace('T', ' ')
const short = (h: string | null) => (h ? `${h.slice(0, 16)}…` : 'unknown')
const exemptionRow = (x: Exemption) => [x.requested_at ? d(x.requested_at) : '—', short(x.user_hash), short(x.requester_hash), x.approver_hash ? short(x.approver_hash) : 'none yet', x.duration_s === null ? '—' : formatDuration(x.duration_s * 1000), humanize(x.status), x.uses]

function Report({ r }: { r: MonthlyReport }) {
  const e = r.enrollment, b = r.bypasses, rec = r.recovery, a = r.attacks
  return (
    <article className="report" data-testid="report">
      <header className="report-head">
        <h1>Monthly MFA audit</h1>
        <p><strong>Period:</strong> {r.period.label}</p>
        <p><strong>Data source:</strong> {r.source}. Generated {d(r.generatedAt)} UTC. Users appear only as HMAC hashes.</p>
        <p className="no-print"><a href={`/api/report?format=csv&from=${encodeURIComponent(r.period.from)}&to=${encodeURIComponent(r.period.to)}`}>Download CSV</a> · <a href={`/api/report?format=pdf&from=${encodeURIComponent(r.period.from)}&to=${encodeURIComponent(r.period.to)}`}>Download PDF</a></p>
      </header>
      <section>
        <h2>1. Enrollment coverage</h2>
        <p>Targets from {e.targets.source}. SMS-only users: <strong>{e.sms_only_share.users}</strong> of {formatCount(e.sms_only_share.accounts)} accounts ({formatPercent(e.sms_only_share.share)}), maximum {e.sms_only_share.max === null ? 'not set' : formatPercent(e.sms_only_share.max)}: {targetText(e.sms_only_share.status)} (listed in the CSV).</p>
        <T caption="Coverage by user group (best-covered factor) against its target" head={['Group', 'Coverage', 'Target', 'Status']} empty="No enrollment snapshot in the period."
          rows={e.coverage_by_group.map((g) => [humanize(g.user_group), formatPercent(g.coverage), g.target === null ? '—' : formatPercent(g.target), targetText(g.status)])} />
        <T caption="Phishing-resistant share (WebAuthn / passkeys) against its target" head={['Group', 'Share', 'Target', 'Status']} empty="No snapshot of a phishing-resistant factor."
          rows={e.phishing_resistant.map((p) => [humanize(p.user_group), formatPercent(p.share), p.target === null ? '—' : formatPercent(p.target), targetText(p.status)])} />
        <T caption="Coverage by user group and factor (latest snapshot in the period; Before: the last snapshot before it)" head={['Group', 'Factor', 'Enrolled', 'Coverage', 'Before']} empty="No enrollment snapshot in the period."
          rows={e.coverage.map((c) => [humanize(c.user_group), humanize(c.factor), `${formatCount(c.enrolled)} / ${formatCount(c.total)}`, formatPercent(c.coverage), formatPercent(c.previous)])} />
        <T caption="Admins with no second factor (IdP snapshot and password-only sign-ins)" head={['Admin (hash)', 'Seen in', 'Sign-ins', 'Last sign-in']} empty="None in the period."
          rows={e.admins_without_mfa.map((x) => [short(x.user_hash), x.sources.map((k) => SOURCE[k]).join(', '), x.sign_ins, x.last_seen ? d(x.last_seen) : '—'])} />
      </section>
      <section>
        <h2>2. Exceptions and bypasses</h2>
        <T caption="Bypasses by kind, this period and the one before" head={['Kind', 'This period', 'Before']} empty="No bypass."
          rows={Object.entries(b.by_kind).map(([k, n]) => [humanize(k), n, b.previous_by_kind[k] ?? 0])} />
        <T caption="Break-glass incidents" head={['Requested (UTC)', 'User (hash)', 'Requester', 'Approver', 'Duration', 'Status', 'Uses']} empty="No break-glass exemption in the period."
          rows={b.incidents.map(exemptionRow)} />
        {b.unpaired_break_glass.length > 0 && <p>Break-glass uses without an exemption in the events: {b.unpaired_break_glass.map((x) => `${d(x.ts)} (${short(x.user_hash)})`).join(', ')}.</p>}
        <T caption={`Open exemptions and those expiring within ${b.expiring_within_s / 3600} h of the period's end`} head={['Requested (UTC)', 'User (hash)', 'Requester', 'Approver', 'Duration', 'Status', 'Uses']} empty="None open or about to expire."
          rows={[...b.open, ...b.expiring].map(exemptionRow)} />
        <T caption="Every exemption" head={['Requested (UTC)', 'User (hash)', 'Requester', 'Approver', 'Duration', 'Status', 'Uses']} empty="No exemption in the period."
          rows={b.exemptions.slice(0, 50).map(exemptionRow)} />
        <p className="muted">Not in the events: {b.not_in_telemetry.join('; ')}.</p>
      </section>
      <section>
        <h2>3. Recoveries</h2>
        <p>Requested {rec.by_reason.requested ?? 0}, approved {rec.by_reason.approved ?? 0}, denied {rec.by_reason.denied ?? 0}, completed {rec.by_reason.completed ?? 0}, recovery codes used {rec.by_reason.recovery_code_used ?? 0}. Time to approve p50 {formatDuration(rec.time_to_approve_ms.p50)}, p95 {formatDuration(rec.time_to_approve_ms.p95)}. Open at the end of the period: {rec.backlog.length}.</p>
        <T caption={rec.suspicious_total > rec.suspicious.length ? `Recoveries with abuse signals (the newest ${rec.suspicious.length} of ${rec.suspicious_total})` : 'Recoveries with abuse signals'} head={['When (UTC)', 'User (hash)', 'Country', 'Network', 'Signals']} empty="None."
          rows={rec.suspicious.map((s) => [d(s.ts), short(s.user_hash), s.country ?? '—', s.network ?? '—', s.signals.map(humanize).join(', ')])} />
        <T caption="Recovery starts by source network" head={['Network', 'Requests', 'Users']} empty="None." rows={rec.by_network.slice(0, 20).map((n) => [n.network, n.requests, n.users])} />
      </section>
      <section>
        <h2>4. Attacks</h2>
        <p>Lockouts: {Object.entries(a.lockouts.by_reason).filter(([, n]) => n > 0).map(([k, n]) => `${humanize(k).toLowerCase()} ${n}`).join(', ') || 'none'}. Revoked sessions used again: {a.revoked_session_reuse.length}.</p>
        <T caption="Failed passwords by country (credential stuffing)" head={['Country', 'Failures', 'Users']} empty="None." rows={a.credential_stuffing.map((c) => [c.country, c.failures, c.users])} />
        <T caption={`Users with ${a.brute_force.threshold} or more failed second factors`} head={['User (hash)', 'Failures', 'Factors', 'Countries']} empty="None."
          rows={a.brute_force.users.slice(0, 25).map((u) => [short(u.user_hash), u.failures, u.factors.join(', '), u.countries.join(', ')])} />
        <T caption="Push bombing by country" head={['Country', 'Denied', 'Fraud reports', 'Locks', 'Users']} empty="None." rows={a.push_bombing.map((p) => [p.country, p.denied, p.fraud_reports, p.lockouts, p.users])} />
        {networkTables(a.by_network).map((t) => <T key={t.key} caption={t.title} head={['Network', 'Country', ...t.counts, 'Users (hash)', 'Block list']} empty={`${t.title}: none.`}
          rows={t.rows.map(({ row, counts }) => [row.network, row.country, ...counts, usersText(row, short), blockListText(row.block_listed)])} />)}
        <T caption="Sign-ins by risk signal (UTC buckets with at least one)" head={['From (UTC)', ...RISK_SIGNALS.map((s) => SIGNAL_LABEL[s])]} empty="No sign-in carried a risk signal."
          rows={a.risk_signals.filter(([, ...n]) => n.some((x) => x > 0)).map(([t, ...n]) => [d(new Date(t).toISOString()), ...n])} />
        {a.not_in_telemetry.length > 0 && <p className="muted">Not in the events: {a.not_in_telemetry.join('; ')}.</p>}
      </section>
    </article>
  )
}
