import type { EnrollmentReport } from '../../../contract/security'
import { formatCount, formatDateTime, formatPercent, humanize } from '../../_lib/format'
import { DataTable, Delta, Gaps, UserHash } from './DataTable'
import { CoverageTrend } from './SecurityCharts'
import { TargetMark } from './TargetMark'

const when = (iso: string | null) => (iso ? formatDateTime(Date.parse(iso)) : '—')
/** Where an admin without a second factor was seen, in words. */
export const SOURCE = { snapshot: 'IdP snapshot', sign_in: 'password-only sign-in' } as const

export function EnrollmentSection({ r, idpAdminUrl }: { r: EnrollmentReport; idpAdminUrl: string | null }) {
  const sms = r.sms_only_share
  return (
    <section className="card sec-card" aria-labelledby="enr-title">
      <h2 id="enr-title" className="section-title">Enrollment coverage <span className="metric-id">M8</span></h2>
      <DataTable
        testId="coverage-targets"
        caption="Coverage by user group against its target"
        columns={['Group', 'Coverage', 'Target', 'Status']}
        num={[1, 2]}
        empty="No mfa.enrollment.snapshot in this range or the 30 days before it: is the IdP's snapshot job running?"
        rows={r.coverage_by_group.map((g) => [humanize(g.user_group), formatPercent(g.coverage), g.target === null ? '—' : formatPercent(g.target), <TargetMark key="m" status={g.status} />])}
      />
      <DataTable
        caption="Coverage by user group and factor"
        columns={['Group', 'Factor', 'Enrolled', 'Coverage', 'Change']}
        num={[2, 3]}
        empty="No snapshot per factor."
        rows={r.coverage.map((c) => [
          humanize(c.user_group), humanize(c.factor), `${formatCount(c.enrolled)} / ${formatCount(c.total)}`, formatPercent(c.coverage),
          <Delta key="d" current={c.coverage} previous={c.previous} kind="ratio" higherIsBetter />,
        ])}
      />
      <CoverageTrend r={r} />
      <h3>Phishing-resistant share (WebAuthn / passkeys)</h3>
      <DataTable testId="phishing-targets" caption="Phishing-resistant share by user group against its target" columns={['Group', 'Share', 'Target', 'Status']} num={[1, 2]}
        empty="No snapshot of a phishing-resistant factor." rows={r.phishing_resistant.map((p) => [humanize(p.user_group), formatPercent(p.share), p.target === null ? '—' : formatPercent(p.target), <TargetMark key="m" status={p.status} />])} />
      <h3>Admins without a second factor</h3>
      <DataTable testId="admins-without-mfa" caption="Admins with no second factor" columns={['Admin', 'Seen in', 'Sign-ins', 'Last sign-in', 'Act']} num={[2]}
        empty="No admin without a second factor in the IdP's latest snapshot or the sign-ins of this range."
        rows={r.admins_without_mfa.map((a) => [<UserHash key="h" hash={a.user_hash} />, a.sources.map((s) => SOURCE[s]).join(', '), a.sign_ins, when(a.last_seen),
          a.producer === 'reference-idp' && idpAdminUrl ? <a key="a" className="row-link" href={idpAdminUrl}>IdP admin page</a> : '—'])} />
      {r.unprotected_snapshot_at && <p className="muted">IdP snapshot of unprotected admins taken {when(r.unprotected_snapshot_at)}.</p>}
      <h3>Users with SMS only (weakest factor)</h3>
      <p className="kv" data-testid="sms-only-share">
        <span>SMS-only <b>{formatCount(sms.users)}</b> of {formatCount(sms.accounts)} accounts ({formatPercent(sms.share)})</span>
        <span>Maximum <b>{sms.max === null ? '—' : formatPercent(sms.max)}</b> <TargetMark status={sms.status} /></span>
      </p>
      <DataTable testId="sms-only" caption="Users whose only active factor is SMS" columns={['User', 'Group', 'Last change']}
        empty="No user has SMS as the only factor." rows={r.sms_only.slice(0, 20).map((u) => [<UserHash key="h" hash={u.user_hash} />, humanize(u.user_group ?? 'unknown'), when(u.since)])} />
      {r.sms_only.length > 20 && <p className="muted">and {r.sms_only.length - 20} more (the CSV report lists all).</p>}
      <Gaps items={[...r.not_in_telemetry, `targets from ${r.targets.source}`, `SMS-only is judged from enrollment changes since ${when(r.history_from)}`]} />
    </section>
  )
}
