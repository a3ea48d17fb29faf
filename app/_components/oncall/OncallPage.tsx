'use client'
import Link from 'next/link'
import { useSearchParams } from 'next/navigation'
import { Line, LineChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, YAxis, Legend } from 'recharts'
import { useOncall } from '../../_lib/api-client'
import type { OncallView } from '../../_lib/alerting-api'
import { formatCount, formatDateTime, formatMs, formatPercent, humanize } from '../../_lib/format'
import { valueTicks } from '../../_lib/ticks'
import { describeRange, parseRange, spanSeconds } from '../../_lib/time-range'
import { readUrlState, toQuery } from '../../_lib/url-state'
import { ChartFrame } from '../ChartFrame'
import { AXIS, HEIGHT, isolatedDot, timeAxis, TOOLTIP_STYLE, tooltipLabel } from '../Charts'
import { Polled } from '../Polled'
import { RefreshStatus } from '../RefreshStatus'
import { StatCard } from '../StatCard'
import { Toolbar } from '../Toolbar'
import { Labels, SeverityBadge, Since, StateBadge } from '../alerting/Badges'

/** The guide's targets for the two on-call charts. */
const ERROR_RATE_TARGET = 0.005
const P95_TARGET_MS = 2000

export function OncallPage() {
  const params = useSearchParams()
  const state = readUrlState(params)
  const query = toQuery(state)
  const q = useOncall(query)
  const range = parseRange(params, new Date())
  const span = range.ok ? spanSeconds(range.value) : 3600
  const status = <RefreshStatus range={range.ok ? describeRange(range.value) : undefined} q={q} />
  return (
    <div className="overview">
      <Toolbar state={state} status={status} filters={[]} />
      <Polled q={q} errorTitle="Could not load the on-call view">
        {(v) => <OncallBody v={v} span={span} />}
      </Polled>
    </div>
  )
}

function OncallBody({ v, span }: { v: OncallView; span: number }) {
  const now = Date.parse(v.alertsAt)
  const outages = v.providers.filter((p) => p.status === 'outage')
  return (
    <>
      {v.counts.page > 0 ? (
        <p className="banner al-banner-bad" role="status" data-testid="paging-banner">
          <strong>{v.counts.page} paging.</strong> {v.counts.firing} firing, {v.counts.pending} pending{v.counts.silenced ? `, ${v.counts.silenced} silenced` : ''}.
        </p>
      ) : (
        <p className="banner al-banner-ok" role="status" data-testid="paging-banner">
          Nothing is paging. {v.counts.firing} firing, {v.counts.pending} pending.
        </p>
      )}
      <ActiveAlerts v={v} now={now} />
      <div className="stats">
        <StatCard
          id="m5"
          label="Auth error rate"
          value={formatPercent(v.errorRate.value)}
          met={v.errorRate.value === null ? null : v.errorRate.value < ERROR_RATE_TARGET}
          target={`< ${ERROR_RATE_TARGET * 100}%`}
          missedText="Over target"
          detail={<span className="stat-target">system {formatPercent(v.errorRate.split.systemError)} · brute force {formatPercent(v.errorRate.split.bruteForce)} · user {formatPercent(v.errorRate.split.userError)}</span>}
        />
        <StatCard id="p95" label="Latency p95" value={formatMs(v.latency.p95)} met={v.latency.p95 === null ? null : v.latency.p95 < P95_TARGET_MS} target={`< ${P95_TARGET_MS / 1000} s`} missedText="Over target" />
        <StatCard id="p99" label="Latency p99" value={formatMs(v.latency.p99)} detail={<span className="stat-target">issue → verify</span>} />
        <StatCard id="outages" label="Vendor outages" value={String(outages.length)} detail={<span className="stat-target">{outages.length ? outages.map((p) => `${p.provider} ${humanize(p.channel)}`).join(', ') : v.providers.length ? 'all vendors answering' : 'no vendor traffic'}</span>} />
        <StatCard id="recovery" label="Open recoveries" value={formatCount(v.recovery.open)} detail={<span className="stat-target">{v.recovery.requested} requested, {v.recovery.closed} closed in {v.recovery.lookbackDays} days</span>} />
      </div>
      <div className="charts">
        <ErrorRateChart v={v} span={span} />
        <LatencyTailChart v={v} span={span} />
      </div>
      <Providers v={v} />
    </>
  )
}

function ActiveAlerts({ v, now }: { v: OncallView; now: number }) {
  return (
    <section className="card al-section" aria-labelledby="active-title">
      <header className="al-head">
        <h2 id="active-title" className="al-title">Firing and pending</h2>
        <span className="al-sub">one row per root cause · <Link className="al-link" href="/alerts">all rules and silences</Link></span>
      </header>
      {v.active.length === 0 ? (
        <p className="al-empty"><strong>No alert is firing or pending.</strong> Rules are evaluated every 30 s.</p>
      ) : (
        <div className="al-wrap">
          <table className="al-table" data-testid="active-alerts">
            <caption className="sr-only">Alerts firing or pending</caption>
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Severity</th>
                <th scope="col">Alert</th>
                <th scope="col">Since</th>
                <th scope="col">Why</th>
                <th scope="col">Runbook</th>
              </tr>
            </thead>
            <tbody>
              {v.active.map((a) => (
                <tr key={a.id} data-testid={`active-${a.id}`}>
                  <td><StateBadge state={a.state} /></td>
                  <td><SeverityBadge severity={a.severity} /></td>
                  <th scope="row">
                    <span className="al-name">{a.alertname}</span>
                    <span className="al-summary">{a.summary}</span>
                    <Labels labels={a.labels} />
                    {a.grouped.length > 0 && <span className="al-summary">+ {a.grouped.length} related alert{a.grouped.length === 1 ? '' : 's'} grouped under it</span>}
                    {a.silenced && <span className="badge badge-neutral">silenced</span>}
                  </th>
                  <td><Since iso={a.since} now={now} /></td>
                  <td>{a.reason}</td>
                  <td>
                    <Link className="al-link" href={`/alerts?alert=${encodeURIComponent(a.id)}#alert-detail`}>{a.runbook}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function ErrorRateChart({ v, span }: { v: OncallView; span: number }) {
  const pts = v.errorRate.series
  const peak = Math.max(ERROR_RATE_TARGET * 2, ...pts.map((p) => p.v ?? 0))
  const ticks = valueTicks(peak)
  return (
    <ChartFrame
      id="chart-m5"
      title="Auth error rate"
      subtitle={`M5 · failed verifications · target < ${ERROR_RATE_TARGET * 100}%`}
      summary={`Second-factor error rate over ${pts.length} buckets: overall ${formatPercent(v.errorRate.value)} of ${formatCount(v.errorRate.attempts)} verifications.`}
      columns={['Time', 'Error rate']}
      rows={pts.map((p) => [formatDateTime(p.t), formatPercent(p.v)])}
    >
      {pts.every((p) => p.v === null) ? <NoPoints what="verified challenges" /> : <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={pts} margin={{ top: 8, right: 20, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(v, span)}
          <YAxis domain={[0, ticks.at(-1)!]} ticks={ticks} tickFormatter={(x: number) => `${Number((x * 100).toFixed(2))}%`} width={52} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(x) => [formatPercent(Number(x)), 'Error rate']} contentStyle={TOOLTIP_STYLE} />
          <ReferenceLine y={ERROR_RATE_TARGET} stroke="#f59e0b" strokeDasharray="4 4" label={{ value: 'target', position: 'insideTopRight', fill: '#b45309', fontSize: 11 }} />
          <Line type="monotone" dataKey="v" name="Error rate" stroke="#dc2626" strokeWidth={2} dot={isolatedDot(pts, (p) => p.v, '#dc2626')} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>}
    </ChartFrame>
  )
}

function LatencyTailChart({ v, span }: { v: OncallView; span: number }) {
  const pts = v.latency.series
  const ticks = valueTicks(Math.max(P95_TARGET_MS, ...pts.flatMap((p) => [p.p95 ?? 0, p.p99 ?? 0])))
  return (
    <ChartFrame
      id="chart-m2-tail"
      title="MFA latency p95 / p99"
      subtitle={`M2 · issue → verify · p95 target < ${P95_TARGET_MS / 1000} s`}
      summary={`Challenge latency over ${pts.length} buckets: p95 ${formatMs(v.latency.p95)}, p99 ${formatMs(v.latency.p99)}.`}
      columns={['Time', 'p95', 'p99']}
      rows={pts.map((p) => [formatDateTime(p.t), formatMs(p.p95), formatMs(p.p99)])}
    >
      {pts.every((p) => p.p95 === null) ? <NoPoints what="successful verifications" /> : <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={pts} margin={{ top: 8, right: 20, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(v, span)}
          <YAxis domain={[0, ticks.at(-1)!]} ticks={ticks} tickFormatter={(ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`)} width={52} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(x, name) => [formatMs(Number(x)), String(name)]} contentStyle={TOOLTIP_STYLE} />
          <Legend iconType="plainline" iconSize={14} wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine y={P95_TARGET_MS} stroke="#f59e0b" strokeDasharray="4 4" label={{ value: 'p95 target', position: 'insideTopRight', fill: '#b45309', fontSize: 11 }} />
          <Line type="monotone" dataKey="p95" name="p95" stroke="#2563eb" strokeWidth={2.2} dot={isolatedDot(pts, (p) => p.p95, '#2563eb')} isAnimationActive={false} />
          <Line type="monotone" dataKey="p99" name="p99" stroke="#7c3aed" strokeWidth={1.5} dot={isolatedDot(pts, (p) => p.p99, '#7c3aed')} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>}
    </ChartFrame>
  )
}

function NoPoints({ what }: { what: string }) {
  return (
    <p className="al-empty" style={{ height: HEIGHT, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
      No {what} in this range.
    </p>
  )
}

const PROVIDER_BADGE: Record<string, string> = { outage: 'badge badge-bad', degraded: 'badge badge-warn', ok: 'badge badge-ok', idle: 'badge badge-neutral' }

function Providers({ v }: { v: OncallView }) {
  return (
    <section className="card al-section" aria-labelledby="providers-title">
      <header className="al-head">
        <h2 id="providers-title" className="al-title">Provider outage status</h2>
        <span className="al-sub">circuit and availability per vendor and channel in the range · <Link className="al-link" href="/subprocessors">Sub-processors</Link></span>
      </header>
      {v.providers.length === 0 ? (
        <p className="al-empty"><strong>No vendor traffic in this range.</strong></p>
      ) : (
        <ul className="oc-providers" aria-label="Vendors">
          {v.providers.map((p) => (
            <li key={`${p.provider}/${p.channel}`} className={`oc-provider is-${p.status}`} data-testid={`provider-${p.provider}-${p.channel}`}>
              <span>
                <strong>{p.provider}</strong> · {humanize(p.channel)}
              </span>
              <span>
                <span className={PROVIDER_BADGE[p.status]}>{p.status}</span> {p.circuit ? `circuit ${p.circuit.replace('_', '-')}` : ''}
              </span>
              <span className="al-muted">{p.requests ? `${formatPercent(p.availability)} of ${formatCount(p.requests)}` : 'no requests'}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
