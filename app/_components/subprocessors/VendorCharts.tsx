'use client'
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, YAxis } from 'recharts'
import type { CircuitSegment } from '../../_lib/circuit'
import { formatCompact, formatCount, formatDateTime, formatMs, formatPercent } from '../../_lib/format'
import type { VendorView } from '../../_lib/subprocessors-api'
import { valueTicks } from '../../_lib/ticks'
import { ChartFrame } from '../ChartFrame'
import { AXIS, HEIGHT, isolatedDot, timeAxis, TOOLTIP_STYLE, tooltipLabel } from '../Charts'

const OK = '#16a34a'
const BAD = '#dc2626'
const MARGIN = { top: 8, right: 20, bottom: 0, left: 0 }

/**
 * Shade the periods the circuit was open (red) or probing (amber) behind a chart; only shadings
 * wide enough to hold it carry a label, so brief flaps do not print over each other.
 */
function circuitAreas(segments: CircuitSegment[], window: { from: string; to: string }) {
  const span = Date.parse(window.to) - Date.parse(window.from)
  return segments
    .filter((s) => s.state !== 'closed')
    .map((s) => (
      <ReferenceArea
        key={`${s.from}-${s.state}`}
        x1={s.from}
        x2={s.to}
        ifOverflow="hidden"
        fill={s.state === 'open' ? '#fecaca' : '#fde68a'}
        fillOpacity={0.45}
        label={(s.to - s.from) / span >= 0.12 ? { value: s.state === 'open' ? 'circuit open' : 'half-open', position: 'insideTop', fill: s.state === 'open' ? '#b91c1c' : '#92400e', fontSize: 11 } : undefined}
      />
    ))
}

const countAxis = (peak: number) => {
  const ticks = valueTicks(Math.max(peak, 4)).map(Math.round)
  return <YAxis domain={[0, ticks.at(-1)!]} ticks={ticks} tickFormatter={formatCompact} width={44} {...AXIS} />
}

export function RequestsChart({ v, span, segments }: { v: VendorView; span: number; segments: CircuitSegment[] }) {
  const pts = v.series
  const peak = Math.max(0, ...pts.map((p) => p.requests))
  const worst = pts.reduce<{ t: number; r: number } | null>((w, p) => (p.errorRate !== null && (!w || p.errorRate > w.r) ? { t: p.t, r: p.errorRate } : w), null)
  const summary = v.totals.requests
    ? `${formatCount(v.totals.requests)} requests to ${v.provider}, ${formatCount(v.totals.errors)} failed (${formatPercent(v.totals.errorRate)}); worst bucket ${worst ? `${formatPercent(worst.r)} at ${formatDateTime(worst.t)}` : 'none'}.`
    : `No requests to ${v.provider} in this range.`
  return (
    <ChartFrame id="chart-requests" title="Requests and errors" subtitle="errors: error or timeout · shaded: circuit open" summary={summary}
      columns={['Time', 'Requests', 'Errors', 'Error rate']} rows={pts.map((p) => [formatDateTime(p.t), formatCount(p.requests), formatCount(p.errors), formatPercent(p.errorRate)])}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={pts} margin={MARGIN} barCategoryGap={1}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(v, span)}
          {countAxis(peak)}
          {circuitAreas(segments, v.window)}
          <Tooltip labelFormatter={tooltipLabel} formatter={(val, name) => [formatCount(Number(val)), String(name)]} contentStyle={TOOLTIP_STYLE} />
          <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="ok" name="Not an error" stackId="r" fill={OK} isAnimationActive={false} />
          <Bar dataKey="errors" name="Errors" stackId="r" fill={BAD} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}

export function LatencyChart({ v, span, segments }: { v: VendorView; span: number; segments: CircuitSegment[] }) {
  const pts = v.series
  const peak = Math.max(0, ...pts.map((p) => p.p95 ?? 0))
  const ticks = valueTicks(Math.max(peak, 100))
  const lat = v.totals.latencyMs
  const summary = lat ? `Request latency of ${v.provider}: p50 ${formatMs(lat.p50)}, p95 ${formatMs(lat.p95)}, p99 ${formatMs(lat.p99)} over the range.` : `No request latency for ${v.provider} in this range.`
  return (
    <ChartFrame id="chart-latency" title="Request latency p95" subtitle="round trip to the vendor · short-circuited calls excluded" summary={summary}
      columns={['Time', 'p95']} rows={pts.map((p) => [formatDateTime(p.t), formatMs(p.p95)])}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={pts} margin={MARGIN}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(v, span)}
          <YAxis domain={[0, ticks.at(-1)!]} ticks={ticks} tickFormatter={(ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`)} width={60} {...AXIS} />
          {circuitAreas(segments, v.window)}
          <Tooltip labelFormatter={tooltipLabel} formatter={(val) => [formatMs(Number(val)), 'p95']} contentStyle={TOOLTIP_STYLE} />
          <Line type="monotone" dataKey="p95" name="p95" stroke="#2563eb" strokeWidth={2} dot={isolatedDot(pts, (p) => p.p95, '#2563eb')} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}

export function DeliveriesChart({ v, span }: { v: VendorView; span: number }) {
  const pts = v.series
  const peak = Math.max(0, ...pts.map((p) => p.deliveries))
  const summary = v.totals.deliveries
    ? `${formatCount(v.totals.deliveries)} delivery receipts from ${v.provider}, ${formatPercent(v.totals.deliverySuccessRate)} delivered.`
    : `No delivery receipts from ${v.provider} in this range.`
  return (
    <ChartFrame id="chart-deliveries" title="Delivery receipts" subtitle="mfa.provider.delivery · delivered includes late" summary={summary}
      columns={['Time', 'Receipts', 'Delivered', 'Not delivered']} rows={pts.map((p) => [formatDateTime(p.t), formatCount(p.deliveries), formatCount(p.delivered), formatCount(p.undelivered)])}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={pts} margin={MARGIN} barCategoryGap={1}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(v, span)}
          {countAxis(peak)}
          <Tooltip labelFormatter={tooltipLabel} formatter={(val, name) => [formatCount(Number(val)), String(name)]} contentStyle={TOOLTIP_STYLE} />
          <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="delivered" name="Delivered" stackId="d" fill={OK} isAnimationActive={false} />
          <Bar dataKey="undelivered" name="Failed, undeliverable or never receipted" stackId="d" fill="#f59e0b" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}
