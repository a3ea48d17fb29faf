'use client'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { hintFor, useSubprocessors } from '../../_lib/api-client'
import { formatPercent, humanize } from '../../_lib/format'
import type { SubprocessorsView } from '../../_lib/subprocessors-api'
import { describeRange, parseRange } from '../../_lib/time-range'
import { readUrlState, toQuery } from '../../_lib/url-state'
import { RefreshStatus, StaleBanner } from '../RefreshStatus'
import { ErrorState } from '../States'
import { StatCard } from '../StatCard'
import { type FilterSpec, Toolbar } from '../Toolbar'
import { ProviderTable } from './ProviderTable'
import { ChangeLog, ExpiryBanner, VendorCard } from './Registry'
import { SubprocessorsSkeleton } from './Skeletons'

/** Channel and region filters; before the first answer, the channels every registry has. */
export function scopeFilters(options?: SubprocessorsView['options']): FilterSpec[] {
  return [
    { key: 'channel', label: 'Channel', all: 'All channels', options: options?.channels ?? ['sms', 'voice', 'email', 'push'] },
    { key: 'region', label: 'Region', all: 'All regions', options: options?.regions ?? [], display: (v) => v },
  ]
}

export function SubprocessorsPage() {
  const params = useSearchParams()
  const state = readUrlState(params)
  const query = toQuery(state)
  const q = useSubprocessors(query)
  const range = parseRange(params, new Date())
  const status = <RefreshStatus range={range.ok ? describeRange(range.value) : undefined} q={q} />

  let body: ReactNode
  if (q.isPending) body = <SubprocessorsSkeleton />
  else if (q.isError && !q.data) {
    body = <ErrorState title="Could not load sub-processor health" message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  } else if (q.data) {
    body = (
      <>
        <StaleBanner q={q} />
        <SubprocessorsBody v={q.data} stale={q.isPlaceholderData} query={query} />
      </>
    )
  }
  return (
    <div className="overview">
      <Toolbar state={state} status={status} filters={scopeFilters(q.data?.options)} />
      {body}
    </div>
  )
}

function scopeLabel(f: SubprocessorsView['filters']): string {
  return [f.channel ? humanize(f.channel) : 'all channels', f.region ?? 'all regions'].join(', ')
}

function SubprocessorsBody({ v, stale, query }: { v: SubprocessorsView; stale: boolean; query: string }) {
  const open = v.rows.filter((r) => r.circuit.state === 'open')
  const unregistered = v.rows.filter((r) => !r.registered)
  return (
    <div className={stale ? 'overview-body stale' : 'overview-body'} aria-busy={stale}>
      {v.impact && (
        <div className="stats">
          <StatCard id="m3" label="Fallback rate" metric="M3" value={formatPercent(v.impact.fallbackRate)} detail={<span className="stat-target">sign-ins that moved to another vendor or factor</span>} />
          <StatCard id="m6" label="Provider outage impact" metric="M6" value={formatPercent(v.impact.outageImpact)} detail={<span className="stat-target">sign-ins touched by a failed vendor call</span>} />
        </div>
      )}
      {open.length > 0 && (
        <p className="banner banner-bad" role="status" data-testid="open-circuits">
          <strong>Circuit open:</strong> {open.map((r) => `${r.provider} (${humanize(r.channel)})`).join(', ')}. The IdP is routing around {open.length === 1 ? 'it' : 'them'}; see the fallback share of the next vendor in the chain.
        </p>
      )}
      {unregistered.length > 0 && (
        <p className="banner banner-bad" role="status">
          <strong>Not in the registry:</strong> {unregistered.map((r) => r.provider).join(', ')} sent telemetry but {unregistered.length === 1 ? 'is' : 'are'} not listed in
          dashboards/subprocessors.yaml. Personal data may be reaching an undisclosed sub-processor.
        </p>
      )}
      <ExpiryBanner items={v.expiring} days={v.warnDays} />
      <section className="card table-card" aria-labelledby="health-title">
        <header className="card-head">
          <h2 id="health-title" className="section-title">Health by vendor and channel</h2>
          <span className="chart-sub">{scopeLabel(v.filters)} · from mfa.provider.request, .delivery, mfa.fallback, mfa.circuit.changed</span>
        </header>
        {v.empty && (
          <div className="inline-empty" role="status">
            <strong>No sub-processor traffic in this range.</strong> The vendors below are from the registry; none of them was called.
            Is the IdP sending <code>mfa.provider.request</code> events to the collector? Widen the range or clear the filters.
          </div>
        )}
        {v.rows.length === 0 ? (
          <p className="muted inline-empty">No vendor in the registry serves {scopeLabel(v.filters)}.</p>
        ) : (
          <ProviderTable rows={v.rows} caption={`Sub-processor health, ${scopeLabel(v.filters)}`} linkQuery={query} />
        )}
      </section>
      <section aria-labelledby="registry-title" className="registry">
        <div className="section-head">
          <h2 id="registry-title" className="section-title">Registry</h2>
          <span className="chart-sub">dashboards/subprocessors.yaml · {v.vendors.length} vendor{v.vendors.length === 1 ? '' : 's'} in scope</span>
        </div>
        <div className="vendor-grid">
          {v.vendors.map((f) => (
            <VendorCard key={f.id} v={f} />
          ))}
        </div>
      </section>
      <ChangeLog entries={v.changelog} />
    </div>
  )
}
