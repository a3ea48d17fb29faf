'use client'
import Link from 'next/link'
import type { GameDayReport } from '../../../contract/gameday'
import { formatCount, formatDateTime, formatSpent, humanize } from '../../_lib/format'
import type { GameDayView } from '../../_lib/gamedays-api'
import { elapsed, formatClock, formatSeconds, safeHref } from '../../_lib/gameday-view'
import { StatCard } from '../StatCard'
import { GameDayHead } from './GameDayHead'
import { Guardrails, Steps } from './LiveView'

/** A finished drill: its report (hypothesis, timeline, detection and failover, budget, who was affected, expectations) and downloads. */
export function ReportView({ v }: { v: GameDayView }) {
  const g = v.gameday
  const r = g.report
  const base = `/api/gamedays/${encodeURIComponent(g.id)}/report`
  const downloads = r && !g.dry_run && (
    <>
      <a className="btn btn-small" href={`${base}?format=md`} download>Download Markdown</a>
      <a className="btn btn-small" href={`${base}?format=json`} download>Download JSON</a>
    </>
  )
  return (
    <section className="card al-section" aria-labelledby="gd-view-title" data-testid="report-view">
      <GameDayHead g={g} actions={downloads} />
      {g.dry_run ? (
        <p className="al-empty"><strong>A dry run injects nothing,</strong> so it has no report: below are the steps it planned and the guardrails it read.</p>
      ) : !r ? (
        <p className="al-empty"><strong>No report yet.</strong> The collector writes it once the drill has ended and its faults are reverted; this view refreshes by itself.</p>
      ) : (
        <Report r={r} startedAt={g.started_at} elapsedMs={elapsed(g, Date.parse(v.generatedAt)).elapsedMs} />
      )}
      <div className="gd-cols">
        <Guardrails readings={g.guardrails} />
        <Steps steps={g.steps} />
      </div>
    </section>
  )
}

function Report({ r, startedAt, elapsedMs }: { r: GameDayReport; startedAt: string | null; elapsedMs: number | null }) {
  const judged = r.expectations.filter((e) => e.held !== null)
  const held = judged.filter((e) => e.held).length
  return (
    <>
      <blockquote className="gd-hypothesis-quote" data-testid="report-hypothesis"><span className="gd-k">Hypothesis</span> {r.hypothesis}</blockquote>
      <div className="stats">
        <StatCard id="gd-ttd" label="Time to detect" value={formatSeconds(r.time_to_detect_seconds)} detail={<span className="stat-target">first fault → first alert</span>} />
        <StatCard id="gd-ttf" label="Time to fail over" value={formatSeconds(r.time_to_failover_seconds)} detail={<span className="stat-target">first fault → traffic on the fallback</span>} />
        <StatCard id="gd-expectations" label="Expectations held" value={`${held} / ${r.expectations.length}`} detail={<span className="stat-target">{r.expectations.length - judged.length} not judged (no data)</span>} />
        <StatCard id="gd-duration" label="Duration" value={elapsedMs === null ? '—' : formatClock(elapsedMs)} detail={<span className="stat-target">from start to end</span>} />
      </div>
      <div className="gd-block">
        <h3 className="gd-h3">Expectations</h3>
        {r.expectations.length === 0 ? <p className="al-empty">The scenario states no expectation.</p> : (
          <table className="al-table" data-testid="expectations">
            <caption className="sr-only">Expectations, held or not, with what was observed</caption>
            <thead>
              <tr>
                <th scope="col">Expectation</th>
                <th scope="col">Result</th>
                <th scope="col">Observed</th>
              </tr>
            </thead>
            <tbody>
              {r.expectations.map((e) => (
                <tr key={e.id} data-testid={`expectation-${e.id}`} className={e.held === false ? 'is-bad' : undefined}>
                  <th scope="row">{e.description}</th>
                  <td>{e.held === null ? <span className="badge badge-neutral">not judged</span> : e.held ? <span className="badge badge-ok">held</span> : <span className="badge badge-bad">not held</span>}</td>
                  <td>{e.observed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="gd-cols">
        <Timeline r={r} startedAt={startedAt} />
        <div>
          <BudgetSpent r={r} />
          <Affected r={r} />
          <Charts r={r} />
        </div>
      </div>
    </>
  )
}

function Timeline({ r, startedAt }: { r: GameDayReport; startedAt: string | null }) {
  const t0 = startedAt ? Date.parse(startedAt) : null
  const entries = [...r.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Timeline</h3>
      {entries.length === 0 ? <p className="al-empty">Nothing was recorded.</p> : (
        <ol className="gd-timeline" data-testid="timeline">
          {entries.map((e, i) => (
            <li key={i} className={`gd-tl gd-tl-${e.kind}`}>
              <time dateTime={e.at} title={formatDateTime(Date.parse(e.at))}>{t0 === null ? formatDateTime(Date.parse(e.at)) : `+${formatClock(Date.parse(e.at) - t0)}`}</time>
              <span className="gd-tl-kind">{humanize(e.kind)}</span>
              <span>{e.detail}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

function BudgetSpent({ r }: { r: GameDayReport }) {
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Error budget spent</h3>
      {r.budget_spent.length === 0 ? <p className="al-empty">No SLO budget was touched.</p> : (
        <table className="al-table" data-testid="budget">
          <caption className="sr-only">Error budget spent by the drill, per SLO</caption>
          <thead>
            <tr>
              <th scope="col">SLO</th>
              <th scope="col" className="num">Spent</th>
              <th scope="col">Counted</th>
            </tr>
          </thead>
          <tbody>
            {r.budget_spent.map((b) => (
              <tr key={b.slo}>
                <th scope="row">{b.slo}</th>
                <td className="num">{formatSpent(b.fraction)}</td>
                <td>{b.excluded ? <span className="badge badge-info">excluded (drill window)</span> : 'against the budget'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function Affected({ r }: { r: GameDayReport }) {
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Users and flows affected</h3>
      {r.affected.length === 0 ? <p className="al-empty">No flow met the faults.</p> : (
        <table className="al-table" data-testid="affected">
          <caption className="sr-only">Users and flows affected, by user group</caption>
          <thead>
            <tr>
              <th scope="col">User group</th>
              <th scope="col" className="num">Users</th>
              <th scope="col" className="num">Flows</th>
              <th scope="col" className="num">Failed flows</th>
            </tr>
          </thead>
          <tbody>
            {r.affected.map((a) => (
              <tr key={a.user_group} data-testid={`affected-${a.user_group}`}>
                <th scope="row">{humanize(a.user_group)}</th>
                <td className="num">{formatCount(a.users)}</td>
                <td className="num">{formatCount(a.flows)}</td>
                <td className="num">{formatCount(a.failed_flows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function Charts({ r }: { r: GameDayReport }) {
  if (r.charts.length === 0) return null
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Charts of the drill</h3>
      <ul className="gd-links" data-testid="chart-links">
        {r.charts.map((c) => {
          const href = safeHref(c.href)
          return (
            <li key={c.href}>
              {href === null ? c.title : href.startsWith('/') ? <Link className="al-link" href={href}>{c.title}</Link> : <a className="al-link" href={href} rel="noreferrer">{c.title}</a>}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
