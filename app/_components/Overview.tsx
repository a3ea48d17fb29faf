'use client'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { hintFor, useOverview } from '../_lib/api-client'
import type { Overview as OverviewData } from '../_lib/console-api'
import { formatCount, formatMs, formatPercent, formatTargetMs, formatTargetPercent } from '../_lib/format'
import { describeRange, parseRange, spanSeconds } from '../_lib/time-range'
import { readUrlState, toQuery } from '../_lib/url-state'
import { LatencyChart, OutcomesChart, SuccessRateChart } from './Charts'
import { StatCard } from './StatCard'
import { RefreshStatus, StaleBanner } from './RefreshStatus'
import { EmptyState, ErrorState, OverviewSkeleton } from './States'
import { Toolbar } from './Toolbar'

export function Overview() {
  const params = useSearchParams()
  const state = readUrlState(params)
  const query = toQuery(state)
  const q = useOverview(query)
  const range = parseRange(params, new Date())
  const span = range.ok ? spanSeconds(range.value) : 3600

  const status = <RefreshStatus range={range.ok ? describeRange(range.value) : undefined} q={q} />

  let body: ReactNode
  if (q.isPending) body = <OverviewSkeleton />
  else if (q.isError && !q.data) body = <ErrorState message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) {
    body = (
      <>
        <StaleBanner q={q} />
        {q.data.empty ? <EmptyState from={q.data.window.from} to={q.data.window.to} /> : <OverviewBody o={q.data} span={span} stale={q.isPlaceholderData} />}
      </>
    )
  }

  return (
    <div className="overview">
      <Toolbar state={state} status={status} />
      {body}
    </div>
  )
}

function OverviewBody({ o, span, stale }: { o: OverviewData; span: number; stale: boolean }) {
  const lat = o.latency.value
  const failed = o.logins.total - (o.logins.totals.success ?? 0)
  return (
    <div className={stale ? 'overview-body stale' : 'overview-body'} aria-busy={stale}>
      <div className="stats">
        <StatCard
          id="m1"
          label="Success rate"
          metric="M1"
          value={formatPercent(o.successRate.value)}
          met={o.successRate.met}
          target={`≥ ${formatTargetPercent(o.successRate.target)}`}
        />
        <StatCard id="p50" label="Latency p50" metric="M2" value={formatMs(lat?.p50)} detail={<span className="stat-target">issue → verify</span>} />
        <StatCard id="p95" label="Latency p95" metric="M2" value={formatMs(lat?.p95)} met={o.latency.met} target={`< ${formatTargetMs(o.latency.targetP95Ms)}`} />
        <StatCard id="p99" label="Latency p99" metric="M2" value={formatMs(lat?.p99)} detail={<span className="stat-target">tail of challenges</span>} />
        <StatCard
          id="logins"
          label="Logins"
          value={formatCount(o.logins.total)}
          detail={<span className="stat-target">{o.logins.total ? `${formatCount(failed)} unsuccessful (${((100 * failed) / o.logins.total).toFixed(1)}%)` : 'none in range'}</span>}
        />
      </div>
      <div className="charts">
        <SuccessRateChart o={o} span={span} />
        <LatencyChart o={o} span={span} />
      </div>
      <OutcomesChart o={o} span={span} />
    </div>
  )
}
