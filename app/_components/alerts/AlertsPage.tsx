'use client'
import Link from 'next/link'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { useState } from 'react'
import { useAlerts } from '../../_lib/api-client'
import type { AlertStatus, AlertsView } from '../../_lib/alerting-api'
import { matchersFor } from '../../_lib/silences'
import { describeRange, parseRange } from '../../_lib/time-range'
import { readUrlState, toQuery, type UrlState } from '../../_lib/url-state'
import { Polled } from '../Polled'
import { RefreshStatus } from '../RefreshStatus'
import { StatCard } from '../StatCard'
import { Toolbar } from '../Toolbar'
import { Labels, SeverityBadge, Since, StateBadge } from '../alerting/Badges'
import { Runbook } from './Runbook'
import { Silences } from './Silences'
import { Timeline } from './Timeline'

/** History reads better over a day than over the console's default hour. */
const DEFAULT_RANGE = '24h'

export function AlertsPage() {
  const params = useSearchParams()
  const read = readUrlState(params)
  const state: UrlState = read.range || read.from || read.to ? read : { ...read, range: DEFAULT_RANGE }
  const query = toQuery(state)
  const q = useAlerts(query)
  const range = parseRange(new URLSearchParams(query), new Date())
  const selected = params.get('alert')
  const status = <RefreshStatus range={range.ok ? describeRange(range.value) : undefined} q={q} />
  return (
    <div className="overview">
      <Toolbar state={state} status={status} filters={[]} />
      <Polled q={q} errorTitle="Could not load alerts">
        {(v) => <AlertsBody v={v} selected={selected} query={query} />}
      </Polled>
    </div>
  )
}

function AlertsBody({ v, selected, query }: { v: AlertsView; selected: string | null; query: string }) {
  const now = Date.parse(v.alertsAt)
  const [prefill, setPrefill] = useState('')
  const chosen = selected ? v.rules.find((r) => r.id === selected) : undefined
  const silence = (a: AlertStatus) => {
    setPrefill(matchersFor(a.labels))
    document.getElementById('silences')?.scrollIntoView({ block: 'start' })
  }
  return (
    <>
      <div className="stats">
        <StatCard id="firing" label="Firing" value={String(v.counts.firing)} />
        <StatCard id="pending" label="Pending" value={String(v.counts.pending)} />
        <StatCard id="resolved" label="Resolved" value={String(v.counts.resolved)} />
        <StatCard id="inactive" label="Inactive" value={String(v.counts.inactive)} detail={<span className="stat-target">{v.rules.length} rules in all</span>} />
      </div>
      {selected && <AlertDetail alert={chosen} id={selected} now={now} query={query} onSilence={silence} />}
      <Rules v={v} now={now} selected={selected} query={query} onSilence={silence} />
      <Timeline v={v} />
      <Silences silences={v.silences} prefill={prefill} now={now} />
    </>
  )
}

const detailHref = (id: string, query: string) => `/alerts?${query ? `${query}&` : ''}alert=${encodeURIComponent(id)}#alert-detail`

type RowProps = { now: number; selected: string | null; query: string; onSilence: (a: AlertStatus) => void }

/**
 * Firing, pending and resolved rules in the open; the (many) inactive rule instances behind a
 * disclosure, unless the one picked is among them.
 */
function Rules({ v, ...row }: { v: AlertsView } & RowProps) {
  const live = v.rules.filter((a) => a.state !== 'inactive')
  const idle = v.rules.filter((a) => a.state === 'inactive')
  return (
    <section className="card al-section" aria-labelledby="rules-title">
      <header className="al-head">
        <h2 id="rules-title" className="al-title">Rules and state</h2>
        <span className="al-sub">dashboards/alerts.yaml and the rules generated per SLO · evaluated every 30 s</span>
      </header>
      {v.rules.length === 0 ? (
        <p className="al-empty"><strong>No alert rules.</strong> The collector loads them from dashboards/alerts.yaml at start.</p>
      ) : live.length === 0 ? (
        <p className="al-empty"><strong>Every rule is inactive.</strong></p>
      ) : (
        <RuleTable rules={live} caption="Alert rules firing, pending or resolved" testId="rules" {...row} />
      )}
      {idle.length > 0 && (
        <details className="al-more" open={idle.some((a) => a.id === row.selected)}>
          <summary>{idle.length} inactive rule{idle.length === 1 ? '' : 's'}</summary>
          <RuleTable rules={idle} caption="Inactive alert rules" testId="rules-inactive" {...row} />
        </details>
      )}
    </section>
  )
}

function RuleTable({ rules, caption, testId, now, selected, query, onSilence }: { rules: AlertStatus[]; caption: string; testId: string } & RowProps) {
  return (
    <div className="al-wrap">
      <table className="al-table" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">Since</th>
            <th scope="col">Why</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {rules.map((a) => (
            <tr key={a.id} data-testid={`rule-${a.id}`} className={a.id === selected ? 'is-selected' : undefined}>
              <td><StateBadge state={a.state} /></td>
              <td><SeverityBadge severity={a.severity} /></td>
              <th scope="row">
                <span className="al-name">{a.alertname}</span>
                <span className="al-summary">{a.annotations.summary}</span>
                <Labels labels={a.labels} />
                {a.grouped_under && <span className="al-summary">grouped under {a.grouped_under}</span>}
                {(a.silenced_by.length > 0 || a.in_maintenance.length > 0) && <span className="badge badge-neutral">silenced</span>}
              </th>
              <td><Since iso={a.since} now={now} /></td>
              <td>{a.reason}</td>
              <td>
                <span className="al-actions">
                  <Link className="btn btn-small" href={detailHref(a.id, query)} aria-label={`Runbook and details of ${a.alertname} (${a.id})`}>
                    Runbook
                  </Link>
                  <button type="button" className="btn btn-small" onClick={() => onSilence(a)} aria-label={`Silence ${a.alertname} (${a.id})`}>
                    Silence
                  </button>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function AlertDetail({ alert, id, now, query, onSilence }: { alert?: AlertStatus; id: string; now: number; query: string; onSilence: (a: AlertStatus) => void }) {
  const router = useRouter()
  const pathname = usePathname()
  const close = () => router.push(query ? `${pathname}?${query}` : pathname, { scroll: false })
  return (
    <section className="card al-section" aria-labelledby="alert-detail-title" id="alert-detail" data-testid="alert-detail">
      <header className="al-head">
        <h2 id="alert-detail-title" className="al-title">{alert ? alert.alertname : id}</h2>
        {alert && <StateBadge state={alert.state} />}
        {alert && <SeverityBadge severity={alert.severity} />}
        <button type="button" className="btn btn-small" onClick={close}>
          Close
        </button>
      </header>
      {!alert ? (
        <p className="al-empty">No alert with id {id} among the current rules.</p>
      ) : (
        <div className="alert-detail">
          <dl>
            <dt>Summary</dt>
            <dd>{alert.annotations.summary}</dd>
            {alert.annotations.description && (
              <>
                <dt>Description</dt>
                <dd>{alert.annotations.description}</dd>
              </>
            )}
            <dt>Since</dt>
            <dd><Since iso={alert.since} now={now} /></dd>
            <dt>Why</dt>
            <dd>{alert.reason}</dd>
            {alert.slo && (
              <>
                <dt>SLO</dt>
                <dd><Link className="al-link" href="/slos">{alert.slo}</Link></dd>
              </>
            )}
            <dt>Labels</dt>
            <dd><Labels labels={alert.labels} skip={[]} /></dd>
            {alert.grouped.length > 0 && (
              <>
                <dt>Grouped</dt>
                <dd>{alert.grouped.join(', ')}</dd>
              </>
            )}
            <dt>Act</dt>
            <dd>
              <button type="button" className="btn btn-small" onClick={() => onSilence(alert)}>
                Silence this alert
              </button>
            </dd>
          </dl>
          <Runbook name={alert.runbook} url={alert.annotations.runbook_url} />
        </div>
      )}
    </section>
  )
}
