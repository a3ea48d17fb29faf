'use client'
import Link from 'next/link'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { hintFor, useExecutive } from '../../_lib/api-client'
import { formatCount, formatMicros, formatPercent, humanize } from '../../_lib/format'
import type { ExecutiveView } from '../../_lib/security-api'
import { RefreshStatus, StaleBanner } from '../RefreshStatus'
import { ErrorState, StatsSkeleton } from '../States'
import { Delta } from './DataTable'

/** Each KPI: its name, what it means in one line, and which way is better. */
const KPIS: Record<string, { label: string; explain: string; higherIsBetter: boolean; metric?: string }> = {
  enrollment_coverage: { label: 'Enrollment coverage', metric: 'M8', explain: 'Share of accounts with a second factor (lower bound).', higherIsBetter: true },
  mfa_success: { label: 'MFA success rate', metric: 'M1', explain: 'Sign-ins that passed the second factor, of all that reached it.', higherIsBetter: true },
  bypass_incidents: { label: 'Bypasses', metric: 'M7', explain: 'Sign-ins that skipped MFA: trusted device, exemption, override, break-glass.', higherIsBetter: false },
  break_glass: { label: 'Break-glass incidents', explain: 'Emergency access used; each one is reviewed.', higherIsBetter: false },
  provider_availability: { label: 'Provider availability', explain: 'Calls to SMS, voice, e-mail and push vendors that succeeded.', higherIsBetter: true },
  recovery_rate: { label: 'Recovery completion', metric: 'M4', explain: 'Recoveries completed per recovery requested.', higherIsBetter: true },
}

const SLO_LABEL = { met: 'Met', at_risk: 'At risk', breached: 'Breached', no_data: 'No data' } as const

export function ExecutivePage() {
  const params = useSearchParams()
  const period = params.get('period') === 'month' ? 'month' : 'week'
  const q = useExecutive(`period=${period}`)
  let body: ReactNode
  if (q.isPending) body = <StatsSkeleton count={6} />
  else if (q.isError && !q.data) body = <ErrorState title="Could not load the executive snapshot" message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) body = <><StaleBanner q={q} /><ExecutiveBody v={q.data} /></>
  return (
    <div className="overview sec-page">
      <div className="toolbar">
        <nav aria-label="Period" className="segmented">
          <Link href="/executive?period=week" className={period === 'week' ? 'seg seg-on' : 'seg'} aria-current={period === 'week' ? 'page' : undefined}>Week over week</Link>
          <Link href="/executive?period=month" className={period === 'month' ? 'seg seg-on' : 'seg'} aria-current={period === 'month' ? 'page' : undefined}>Month over month</Link>
        </nav>
        <span className="toolbar-status"><RefreshStatus q={q} /></span>
      </div>
      {body}
    </div>
  )
}

const day = (iso: string) => iso.slice(0, 10)

function ExecutiveBody({ v }: { v: ExecutiveView }) {
  const s = v.snapshot
  return (
    <div className="overview-body">
      <p className="exec-explain" data-testid="exec-period">
        This {v.period} ({day(s.window.from)} to {day(s.window.to)}) against the {v.period} before ({day(s.previous.from)} to {day(s.previous.to)}). Source: MFA events from the identity provider, stored by the FactorWatch collector.
      </p>
      <div className="exec-grid">
        {s.kpis.map((k) => {
          const d = KPIS[k.id]
          return (
            <section key={k.id} className="card stat exec-kpi" aria-labelledby={`kpi-${k.id}`}>
              <h2 className="stat-label" id={`kpi-${k.id}`}>{d.label}{d.metric && <span className="metric-id">{d.metric}</span>}</h2>
              <p className="stat-value" data-testid={`kpi-${k.id}`}>{k.unit === 'ratio' ? formatPercent(k.current) : formatCount(k.current)}</p>
              <div className="stat-foot">
                {k.previous === null ? <span className="stat-target">no data for the {v.period} before</span> : (
                  <>
                    <Delta current={k.current} previous={k.previous} kind={k.unit} higherIsBetter={d.higherIsBetter} />
                    <span className="stat-target">{v.period} before: {k.unit === 'ratio' ? formatPercent(k.previous) : formatCount(k.previous)}</span>
                  </>
                )}
              </div>
              <p className="exec-explain">{d.explain}</p>
            </section>
          )
        })}
      </div>
      <div className="sec-grid">
        <section className="card sec-card" aria-labelledby="slo-title">
          <h2 id="slo-title" className="section-title">Service level objectives</h2>
          {v.slos === null ? (
            <p className="muted inline-empty" data-testid="slo-missing">SLO engine not configured: the collector does not answer GET /api/v1/slos.</p>
          ) : v.slos.length === 0 ? (
            <p className="muted inline-empty">The SLO engine has no objectives defined.</p>
          ) : (
            <ul className="kv" data-testid="slo-list">
              {v.slos.map((o) => <li key={o.id}><span className={`slo-state slo-${o.state}`}>{SLO_LABEL[o.state]}</span> {o.description}</li>)}
            </ul>
          )}
        </section>
        <section className="card sec-card" aria-labelledby="cost-title">
          <h2 id="cost-title" className="section-title">Cost per successful verification</h2>
          <table className="health">
            <caption className="sr-only">Cost per successful verification by channel, this period and the previous</caption>
            <thead><tr><th scope="col">Channel</th><th scope="col" className="num">This {v.period}</th><th scope="col" className="num">Previous</th><th scope="col" className="num">Verifications</th></tr></thead>
            <tbody>
              {s.cost_by_channel.map((c) => (
                <tr key={c.channel}><th scope="row">{humanize(c.channel)}</th><td className="num">{formatMicros(c.current_micros)}</td><td className="num">{formatMicros(c.previous_micros)}</td><td className="num">{formatCount(c.successes)}</td></tr>
              ))}
            </tbody>
          </table>
          <p className="exec-explain">Vendor spend in the billing currency divided by successful verifications of that channel.</p>
        </section>
      </div>
    </div>
  )
}
