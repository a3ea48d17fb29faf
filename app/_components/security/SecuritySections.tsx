import type { BypassReport, EnrollmentReport, RecoveryReport } from '../../../contract/security'
import { formatCount, formatDateTime, formatDuration, formatPercent, humanize } from '../../_lib/format'
import { DataTable, Delta, Gaps, UserHash } from './DataTable'
import { CoverageTrend } from './SecurityCharts'

const when = (iso: string) => formatDateTime(Date.parse(iso))

export function EnrollmentSection({ r, targets, idpAdminUrl }: { r: EnrollmentReport; targets: Record<string, number>; idpAdminUrl: string | null }) {
  return (
    <section className="card sec-card" aria-labelledby="enr-title">
      <h2 id="enr-title" className="section-title">Enrollment coverage <span className="metric-id">M8</span></h2>
      <DataTable
        caption="Coverage by user group and factor"
        columns={['Group', 'Factor', 'Enrolled', 'Coverage', 'Change', 'Target']}
        num={[2, 3]}
        empty="No mfa.enrollment.snapshot in this range or the 30 days before it: is the IdP's snapshot job running?"
        rows={r.coverage.map((c) => [
          humanize(c.user_group), humanize(c.factor), `${formatCount(c.enrolled)} / ${formatCount(c.total)}`, formatPercent(c.coverage),
          <Delta key="d" current={c.coverage} previous={c.previous} kind="ratio" higherIsBetter />,
          targets[c.user_group] !== undefined ? formatPercent(targets[c.user_group]) : '—',
        ])}
      />
      <CoverageTrend r={r} />
      <h3>Phishing-resistant share (WebAuthn / passkeys)</h3>
      <p className="kv">{r.phishing_resistant.map((p) => <span key={p.user_group}>{humanize(p.user_group)} <b>{formatPercent(p.share)}</b></span>)}</p>
      <h3>Admins without a second factor</h3>
      <DataTable testId="admins-without-mfa" caption="Admins who signed in with the password alone" columns={['Admin', 'Sign-ins', 'Last seen', 'Act']} num={[1]}
        empty="None signed in without a second factor in this range." rows={r.admins_without_mfa.map((a) => [<UserHash key="h" hash={a.user_hash} />, a.sign_ins, when(a.last_seen),
          a.producer === 'reference-idp' && idpAdminUrl ? <a key="a" className="row-link" href={idpAdminUrl}>IdP admin page</a> : '—'])} />
      <h3>Users with SMS only (weakest factor)</h3>
      <DataTable testId="sms-only" caption="Users whose only active factor is SMS" columns={['User', 'Group', 'Last change']}
        empty="No user has SMS as the only factor." rows={r.sms_only.slice(0, 20).map((u) => [<UserHash key="h" hash={u.user_hash} />, humanize(u.user_group ?? 'unknown'), when(u.since)])} />
      {r.sms_only.length > 20 && <p className="muted">and {r.sms_only.length - 20} more (the CSV report lists all).</p>}
      <Gaps items={[...r.not_in_telemetry, `SMS-only is judged from enrollment changes since ${when(r.history_from)}`]} />
    </section>
  )
}

export function BypassSection({ r }: { r: BypassReport }) {
  return (
    <section className="card sec-card" aria-labelledby="byp-title">
      <h2 id="byp-title" className="section-title">Bypasses and exceptions <span className="metric-id">M7</span></h2>
      {r.incidents.length > 0 && (
        <p className="banner banner-bad" role="status" data-testid="break-glass">
          <strong>Break-glass used {r.incidents.length}×:</strong> {r.incidents.map((i) => `${when(i.ts)} (${i.country ?? 'unknown country'})`).join(', ')}. Each is an incident to review.
        </p>
      )}
      <p className="kv">
        {Object.entries(r.by_kind).map(([k, n]) => (
          <span key={k}>{humanize(k)} <b>{n}</b> <Delta current={n} previous={r.previous_by_kind[k] ?? 0} kind="count" higherIsBetter={false} /></span>
        ))}
      </p>
      <DataTable testId="bypass-list" caption="Every bypass in the range" columns={['When', 'Kind', 'User', 'Group', 'Country']}
        empty="No bypass in this range." rows={r.events.slice(0, 15).map((e) => [when(e.ts), humanize(e.kind), <UserHash key="h" hash={e.user_hash} />, e.user_group ?? '—', e.country ?? '—'])} />
      <Gaps items={r.not_in_telemetry} />
    </section>
  )
}

export function RecoverySection({ r }: { r: RecoveryReport }) {
  const b = r.by_reason
  return (
    <section className="card sec-card" aria-labelledby="rec-title">
      <h2 id="rec-title" className="section-title">Recovery <span className="metric-id">M4</span></h2>
      <p className="kv">
        <span>Requested <b>{b.requested ?? 0}</b></span><span>Approved <b>{b.approved ?? 0}</b></span><span>Denied <b>{b.denied ?? 0}</b></span>
        <span>Completed <b>{b.completed ?? 0}</b></span><span>Recovery codes used <b>{b.recovery_code_used ?? 0}</b></span>
        <span>Time to approve p50 <b>{formatDuration(r.time_to_approve_ms.p50)}</b>, p95 <b>{formatDuration(r.time_to_approve_ms.p95)}</b></span>
      </p>
      <h3>Abuse signals (SIM-swap pattern, F6)</h3>
      <DataTable testId="recovery-suspicious" caption="Recoveries with abuse signals" columns={['When', 'User', 'Step', 'Country', 'Signals']}
        empty="No recovery after a recent factor change, from a new country, at high risk, or from a busy country."
        rows={r.suspicious.map((s) => [when(s.ts), <UserHash key="h" hash={s.user_hash} />, humanize(s.reason), s.country ?? '—', s.signals.map((x) => <span key={x} className="chip">{humanize(x)}</span>)])} />
      <h3>Backlog (requests awaiting a decision)</h3>
      <DataTable testId="recovery-backlog" caption="Open recovery requests" columns={['User', 'Requested', 'Waiting']}
        empty="No request is waiting." rows={r.backlog.map((x) => [<UserHash key="h" hash={x.user_hash} />, when(x.requested_at), formatDuration(x.age_ms)])} />
      <Gaps items={r.not_in_telemetry} />
    </section>
  )
}
