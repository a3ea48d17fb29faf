'use client'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { hintFor, useSecurity } from '../../_lib/api-client'
import { formatCount, formatPercent } from '../../_lib/format'
import type { SecurityView } from '../../_lib/security-api'
import { readUrlState, toQuery } from '../../_lib/url-state'
import { RefreshStatus, StaleBanner } from '../RefreshStatus'
import { ChartsSkeleton, ErrorState, StatsSkeleton } from '../States'
import { StatCard } from '../StatCard'
import { Toolbar, OVERVIEW_FILTERS } from '../Toolbar'
import { AttackSection } from './AttackSection'
import { BypassSection } from './BypassSection'
import { EnrollmentSection } from './EnrollmentSection'
import { RecoverySection } from './RecoverySection'

/** The security lead's report; without a range in the URL it covers the last 7 days. */
export function SecurityPage() {
  const params = useSearchParams()
  const state = readUrlState(params)
  const shown = state.range || state.from ? state : { ...state, range: '7d' }
  const query = toQuery(state)
  const q = useSecurity(query)
  const range = q.data ? `${q.data.enrollment.window.from.slice(0, 16).replace('T', ' ')} – ${q.data.enrollment.window.to.slice(0, 16).replace('T', ' ')} UTC` : undefined
  let body: ReactNode
  if (q.isPending) body = <><StatsSkeleton count={5} /><ChartsSkeleton /></>
  else if (q.isError && !q.data) body = <ErrorState title="Could not load the security report" message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) body = <><StaleBanner q={q} /><SecurityBody v={q.data} stale={q.isPlaceholderData} query={query} /></>
  return (
    <div className="overview sec-page">
      <Toolbar state={shown} status={<RefreshStatus range={range} q={q} />} filters={OVERVIEW_FILTERS.filter((f) => f.key === 'user_group')} />
      {body}
    </div>
  )
}

function SecurityBody({ v, stale, query }: { v: SecurityView; stale: boolean; query: string }) {
  const admin = v.enrollment.coverage_by_group.find((g) => g.user_group === 'admin')
  const pr = v.enrollment.phishing_resistant
  const prAll = pr.reduce((a, p) => a + p.total, 0) > 0 ? pr.reduce((a, p) => a + p.enrolled, 0) / pr.reduce((a, p) => a + p.total, 0) : null
  const bypasses = Object.values(v.bypasses.by_kind).reduce((a, n) => a + n, 0)
  const locks = Object.entries(v.attacks.lockouts.by_reason).filter(([k]) => k !== 'unlocked').reduce((a, [, n]) => a + n, 0)
  return (
    <div className={stale ? 'overview-body stale' : 'overview-body'} aria-busy={stale}>
      <div className="stats">
        <StatCard id="admin-cov" label="Admin coverage" metric="M8" value={formatPercent(admin?.coverage ?? null)} target={admin?.target === null || admin === undefined ? undefined : formatPercent(admin.target)}
          met={admin === undefined || admin.status === 'no_data' || admin.status === 'no_target' ? null : admin.status === 'met'}
          detail={<span className="stat-target">{v.enrollment.admins_without_mfa.length} admin(s) without a second factor</span>} />
        <StatCard id="pr-share" label="Phishing-resistant" value={formatPercent(prAll)} detail={<span className="stat-target">accounts with a passkey</span>} />
        <StatCard id="bypasses" label="Bypasses" metric="M7" value={formatCount(bypasses)} detail={<span className="stat-target">{v.bypasses.incidents.length + v.bypasses.unpaired_break_glass.length} break-glass, {v.bypasses.open.length} open exemption(s)</span>} />
        <StatCard id="backlog" label="Recovery backlog" metric="M4" value={formatCount(v.recovery.backlog.length)} detail={<span className="stat-target">{formatCount(v.recovery.suspicious_total)} with abuse signals</span>} />
        <StatCard id="lockouts" label="Lockouts" value={formatCount(locks)} detail={<span className="stat-target">{v.attacks.brute_force.users.length} users guessing codes</span>} />
      </div>
      <p className="muted">
        Monthly audit: <a className="row-link" href={`/report${query ? `?${query}` : ''}`}>printable report</a> ·{' '}
        <a className="row-link" href={`/api/report?format=csv${query ? `&${query}` : ''}`}>CSV</a> · <a className="row-link" href={`/api/report?format=pdf${query ? `&${query}` : ''}`}>PDF</a>
      </p>
      <div className="sec-grid">
        <EnrollmentSection r={v.enrollment} idpAdminUrl={v.idpAdminUrl} />
        <BypassSection r={v.bypasses} />
        <RecoverySection r={v.recovery} />
        <AttackSection r={v.attacks} />
      </div>
    </div>
  )
}
