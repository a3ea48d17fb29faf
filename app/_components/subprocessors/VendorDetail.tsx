'use client'
import Link from 'next/link'
import { useSearchParams } from 'next/navigation'
import type { ReactNode } from 'react'
import { ApiError, hintFor, useVendor } from '../../_lib/api-client'
import { circuitSegments } from '../../_lib/circuit'
import { formatDateTime, formatMs, formatPercent, formatTargetPercent } from '../../_lib/format'
import type { VendorView } from '../../_lib/subprocessors-api'
import { describeRange, parseRange, spanSeconds } from '../../_lib/time-range'
import { readUrlState, toQuery } from '../../_lib/url-state'
import { RefreshStatus, StaleBanner } from '../RefreshStatus'
import { StatCard } from '../StatCard'
import { ErrorState } from '../States'
import { Toolbar } from '../Toolbar'
import { circuitLabel } from './CircuitBadge'
import { CircuitHistory } from './CircuitHistory'
import { ProviderTable } from './ProviderTable'
import { ChangeLog, VendorCard } from './Registry'
import { VendorSkeleton } from './Skeletons'
import { DeliveriesChart, LatencyChart, RequestsChart } from './VendorCharts'

export function VendorDetail({ vendor }: { vendor: string }) {
  const params = useSearchParams()
  const state = readUrlState(params)
  const query = toQuery(state)
  const q = useVendor(vendor, query)
  const range = parseRange(params, new Date())
  const span = range.ok ? spanSeconds(range.value) : 3600
  const status = <RefreshStatus range={range.ok ? describeRange(range.value) : undefined} q={q} />

  let body: ReactNode
  if (q.isPending) body = <VendorSkeleton />
  else if (q.isError && !q.data) {
    const title = q.error instanceof ApiError && q.error.code === 'not_found' ? `No sub-processor “${vendor}”` : `Could not load ${vendor}`
    body = <ErrorState title={title} message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
  } else if (q.data) {
    body = (
      <>
        <StaleBanner q={q} />
        <VendorBody v={q.data} span={span} stale={q.isPlaceholderData} />
      </>
    )
  }
  return (
    <div className="overview">
      <Link href={`/subprocessors${query ? `?${query}` : ''}`} className="back-link">
        ← All sub-processors
      </Link>
      <Toolbar state={state} status={status} filters={[{ key: 'region', label: 'Region', all: 'All regions', options: q.data?.facts?.regions ?? [], display: (r) => r }]} />
      {body}
    </div>
  )
}

function VendorBody({ v, span, stale }: { v: VendorView; span: number; stale: boolean }) {
  const segments = circuitSegments(v.circuit, Date.parse(v.window.from), Date.parse(v.window.to))
  const sla = v.facts?.slaAvailabilityPct ?? null
  const t = v.totals
  return (
    <div className={stale ? 'overview-body stale' : 'overview-body'} aria-busy={stale}>
      <p className="vendor-intro">
        {v.facts ? (
          <>
            <strong>{v.facts.legalName}</strong> · {v.facts.product} — {v.facts.purpose}
          </>
        ) : (
          <span className="banner banner-bad">
            <strong>{v.provider}</strong> is not in the sub-processor registry, yet it sent telemetry: add it to dashboards/subprocessors.yaml or stop using it.
          </span>
        )}
      </p>
      {v.empty && (
        <p className="card inline-empty" role="status">
          <strong>No requests to {v.provider} in this range.</strong> {v.circuit.state === 'open' ? 'Its circuit is open, so the IdP is not calling it.' : 'Widen the range, or check that the IdP routes traffic to it.'}
        </p>
      )}
      <div className="stats">
        <StatCard id="availability" label="Availability" value={formatPercent(t.availability)}
          met={sla === null ? undefined : t.availability === null ? null : Math.round(t.availability * 1e6) >= Math.round(sla * 1e4)}
          target={sla === null ? undefined : `≥ ${formatTargetPercent(sla / 100)} (SLA)`} />
        <StatCard id="error-rate" label="Error rate" value={formatPercent(t.errorRate)} detail={<span className="stat-target">{t.errors} of {t.requests} requests</span>} />
        <StatCard id="latency-p95" label="Latency p95" value={formatMs(t.latencyMs?.p95)} detail={<span className="stat-target">p50 {formatMs(t.latencyMs?.p50)} · p99 {formatMs(t.latencyMs?.p99)}</span>} />
        <StatCard id="delivery" label="Delivered" value={formatPercent(t.deliverySuccessRate)} detail={<span className="stat-target">{t.deliveries} receipts</span>} />
        <StatCard id="circuit" label="Circuit" value={v.circuit.state === null ? 'no reports' : circuitLabel(v.circuit.state)}
          detail={<span className="stat-target">{v.circuit.since ? `since ${formatDateTime(Date.parse(v.circuit.since))}` : 'assumed closed'}</span>} />
      </div>
      {v.rows.length > 0 && (
        <section className="card table-card" aria-labelledby="vendor-rows-title">
          <header className="card-head">
            <h2 id="vendor-rows-title" className="section-title">By channel</h2>
          </header>
          <ProviderTable rows={v.rows} caption={`${v.provider} health by channel`} linkQuery="" hideVendorLinks />
        </section>
      )}
      <div className="charts">
        <RequestsChart v={v} span={span} segments={segments} />
        <LatencyChart v={v} span={span} segments={segments} />
      </div>
      <div className="charts">
        <DeliveriesChart v={v} span={span} />
        <CircuitHistory circuit={v.circuit} segments={segments} window={v.window} />
      </div>
      {v.facts && <VendorCard v={v.facts} link={false} headingLevel={2} />}
      {v.facts && <ChangeLog entries={v.changelog} title={`Change log of ${v.provider}`} />}
    </div>
  )
}
