'use client'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { ApiError, OVERVIEW_POLL_MS, useOverview } from '../_lib/api-client'
import type { Overview as OverviewData } from '../_lib/console-api'
import { formatCount, formatMs, formatPercent, formatTargetMs, formatTargetPercent } from '../_lib/format'
import { describeRange, parseRange, spanSeconds } from '../_lib/time-range'
import { readUrlState, toQuery } from '../_lib/url-state'
import { LatencyChart, OutcomesChart, SuccessRateChart } from './Charts'
import { StatCard } from './StatCard'
import { EmptyState, ErrorState, OverviewSkeleton } from './States'
import { Toolbar } from './Toolbar'

/** What to do about an error, by its code. */
function hintFor(err: Error): string | undefined {
  const code = err instanceof ApiError ? err.code : ''
  if (code === 'collector_unreachable') return 'Is the collector running? Start it with npm run collector, or point the console at it with COLLECTOR_QUERY_URL.'
  if (code === 'collector_timeout') return 'The collector is slow to answer; a shorter time range reads less data.'
  if (code === 'collector_bad_response') return 'The collector answered in a shape this console does not know: are both from the same release?'
  if (code === 'invalid_parameter') return 'Pick a range with the time-range picker, or fix from/to in the address bar.'
  if (code === 'console_unreachable') return 'The console server itself is not answering.'
  return undefined
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false })
}

export function Overview() {
  const params = useSearchParams()
  const state = readUrlState(params)
  const query = toQuery(state)
  const q = useOverview(query)
  const range = parseRange(params, new Date())
  const span = range.ok ? spanSeconds(range.value) : 3600

  const status = (
    <span className="refresh">
      {range.ok && <span className="range-label">{describeRange(range.value)}</span>}
      {q.data && (
        <span>
          {q.isFetching ? <span className="spinner" aria-hidden="true" /> : <span className={q.isError ? 'live-dot live-dot-stale' : 'live-dot'} aria-hidden="true" />}
          Updated {clock(q.data.generatedAt)} · every {OVERVIEW_POLL_MS / 1000} s
        </span>
      )}
    </span>
  )

  let body: ReactNode
  if (q.isPending) body = <OverviewSkeleton />
  else if (q.isError && !q.data) body = <ErrorState message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) {
    body = (
      <>
        {q.isError && (
          <p className="banner banner-warn" role="alert">
            Live update failed: {q.error.message}. Showing data from {clock(q.data.generatedAt)}.{' '}
            <button type="button" className="link-btn" onClick={() => void q.refetch()}>
              Retry now
            </button>
          </p>
        )}
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
