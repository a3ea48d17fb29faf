'use client'
import Link from 'next/link'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { type FormEvent, type ReactNode } from 'react'
import { Client, Factor, Outcome, RiskLevel, UserGroup } from '../../../contract/enums'
import { hintFor, useExplore } from '../../_lib/api-client'
import { formatCount, formatDateTime, formatDuration, formatMs, formatPercent, humanize } from '../../_lib/format'
import type { ExploreView } from '../../_lib/security-api'
import { PRESET_IDS } from '../../_lib/time-range'
import { RefreshStatus, StaleBanner } from '../RefreshStatus'
import { ChartsSkeleton, ErrorState } from '../States'
import { DataTable, UserHash } from './DataTable'
import { FlowPanel } from './FlowTimeline'

/** Every URL key of the page: the range, each dimension of a failed challenge, the flow shown. */
const KEYS = ['range', 'from', 'to', 'factor', 'provider', 'region', 'user_group', 'client', 'outcome', 'reason', 'risk_level', 'country', 'attempt', 'flow'] as const
const SELECTS: [string, string, readonly string[]][] = [
  ['factor', 'Factor', Factor.options], ['user_group', 'User group', UserGroup.options], ['client', 'Client', Client.options],
  ['outcome', 'Outcome', Outcome.options.filter((o) => o !== 'success')], ['risk_level', 'Risk', RiskLevel.options],
]
const TEXTS: [string, string, string][] = [['provider', 'Provider', 'twilio'], ['region', 'Region', 'eu-west'], ['reason', 'Reason', 'invalid_code'], ['country', 'Country', 'DE'], ['attempt', 'Attempt', '2']]

export function queryOf(p: { get(k: string): string | null }, change: Record<string, string | null> = {}): string {
  const q = new URLSearchParams()
  for (const k of KEYS) {
    const v = k in change ? change[k] : p.get(k)
    if (v) q.set(k, v)
  }
  return q.toString()
}

export function ExplorePage() {
  const params = useSearchParams()
  const router = useRouter()
  const path = usePathname()
  const flow = params.get('flow')
  const q = useExplore(queryOf(params, { flow: null }))
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const data = new FormData(e.currentTarget)
    const change: Record<string, string | null> = { flow: params.get('flow') }
    for (const k of KEYS) if (data.has(k)) change[k] = String(data.get(k)).trim() || null
    router.push(`${path}?${queryOf(params, change)}`)
  }
  let body: ReactNode
  if (q.isPending) body = <ChartsSkeleton />
  else if (q.isError && !q.data) body = <ErrorState title="Could not load failed challenges" message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  else if (q.data) body = <><StaleBanner q={q} /><ExploreBody v={q.data} params={params} /></>
  return (
    <div className="overview sec-page">
      {/* key: a back/forward navigation resets the uncontrolled fields to the URL's values. */}
      <form key={params.toString()} className="card sec-card explore-filters" onSubmit={submit} aria-label="Filters of failed challenges">
        <label>Range
          <select name="range" defaultValue={params.get('range') ?? (params.get('from') ? '' : '24h')}>
            {params.get('from') && <option value="">Custom</option>}
            {[...PRESET_IDS].map((p) => <option key={p} value={p}>Last {p}</option>)}
          </select>
        </label>
        {SELECTS.map(([k, label, options]) => (
          <label key={k}>{label}
            <select name={k} defaultValue={params.get(k) ?? ''}>
              <option value="">All</option>
              {options.map((o) => <option key={o} value={o}>{humanize(o)}</option>)}
            </select>
          </label>
        ))}
        {TEXTS.map(([k, label, example]) => (
          <label key={k}>{label}<input name={k} defaultValue={params.get(k) ?? ''} placeholder={`e.g. ${example}`} /></label>
        ))}
        <button type="submit" className="btn btn-primary">Apply</button>
        <Link href={path} className="back-link">Clear</Link>
        <span className="toolbar-status"><RefreshStatus q={q} /></span>
      </form>
      {flow && <FlowPanel flow={flow} closeHref={`${path}?${queryOf(params, { flow: null })}`} />}
      {body}
    </div>
  )
}

function ExploreBody({ v, params }: { v: ExploreView; params: { get(k: string): string | null } }) {
  const f = v.failures
  const b = v.breakdown
  return (
    <div className="overview-body">
      <section className="card sec-card" aria-labelledby="fail-title">
        <h2 id="fail-title" className="section-title">Failed challenges <span className="chart-sub">{formatCount(f.total)} in range, newest {f.events.length} shown · select a flow to see its timeline</span></h2>
        <DataTable testId="failures" caption="Failed second-factor challenges" columns={['When', 'Factor', 'Provider', 'Region', 'Client', 'Country', 'Outcome', 'Reason', 'Risk', 'Try', 'User', 'Flow']} num={[9]}
          empty="No failed challenge matches these filters in this range."
          rows={f.events.slice(0, 50).map((e) => [
            formatDateTime(Date.parse(e.ts)), humanize(e.factor ?? '—'), e.provider ?? '—', e.region ?? '—', e.client ?? '—', e.country ?? '—', humanize(e.outcome), e.reason ?? '—',
            e.risk_level ?? '—', e.attempt ?? '—', <UserHash key="u" hash={e.user_hash} />,
            e.flow_id ? <Link key="f" className="row-link" href={`/explore?${queryOf(params, { flow: e.flow_id })}`} aria-label={`Timeline of flow ${e.flow_id}`}>{e.flow_id.slice(0, 8)}</Link> : '—',
          ])} />
      </section>
      <div className="sec-grid">
        <section className="card sec-card" aria-labelledby="region-title">
          <h2 id="region-title" className="section-title">Verification latency by region</h2>
          <DataTable caption="Latency by region" columns={['Region', 'Verifications', 'p50', 'p95']} num={[1, 2, 3]} empty="No verification in range."
            rows={b.regions.map((r) => [r.region, formatCount(r.verifications), formatMs(r.p50_ms), formatMs(r.p95_ms)])} />
          {b.source === 'rollup_1h' && <p className="gaps">Counted from the hourly rollup: the range&apos;s first hour is taken whole.</p>}
          <h2 className="section-title">Errors by client</h2>
          <DataTable caption="Errors by client" columns={['Client', 'Verifications', 'Error rate', 'Top reasons']} num={[1, 2]} empty="No verification in range."
            rows={b.clients.map((c) => [humanize(c.client), formatCount(c.verifications), formatPercent(c.error_rate), Object.entries(c.by_reason).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, n]) => `${k} ${n}`).join(', ') || '—'])} />
        </section>
        <section className="card sec-card" aria-labelledby="queue-title">
          <h2 id="queue-title" className="section-title">Challenge queue by provider</h2>
          <DataTable testId="queues" caption="Sends awaiting a receipt by provider" columns={['Provider', 'Channel', 'Sent', 'In flight', 'Receipts outstanding', 'Oldest']} num={[2, 3, 4, 5]} empty="No accepted send in range."
            rows={b.queues.map((x) => [x.provider, humanize(x.channel), formatCount(x.sent), formatCount(x.in_flight), formatCount(x.receipts_outstanding), formatDuration(x.oldest_outstanding_ms)])} />
          <p className="gaps">Sends since {formatDateTime(Date.parse(b.queue_from))} (at most the last day of the range). In flight: accepted by the vendor less than {b.receipt_deadline_ms / 1000} s before the end of the range, no receipt yet. Outstanding: older, still without a receipt.</p>
        </section>
      </div>
    </div>
  )
}
