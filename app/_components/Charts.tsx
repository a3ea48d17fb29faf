'use client'
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { Overview } from '../_lib/console-api'
import { formatCompact, formatCount, formatDateTime, formatMs, formatPercent, formatTargetMs, formatTargetPercent, formatTick, humanize } from '../_lib/format'
import { timeTicks, valueTicks } from '../_lib/ticks'
import { ChartFrame } from './ChartFrame'
import { DrillBands } from './DrillBands'

export const OUTCOME_COLORS: Record<string, string> = {
  success: '#16a34a',
  failure: '#dc2626',
  expired: '#f59e0b',
  replayed: '#7c3aed',
  rate_limited: '#ea580c',
  locked_out: '#991b1b',
  abandoned: '#94a3b8',
  timeout: '#0891b2',
  error: '#be185d',
}
const FALLBACK_COLORS = ['#2563eb', '#65a30d', '#c026d3', '#0d9488']
export const outcomeColor = (o: string, i: number) => OUTCOME_COLORS[o] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length]

export const AXIS = { stroke: '#94a3b8', fontSize: 11, tickLine: false } as const
export const HEIGHT = 230

/**
 * The time axis of a window's chart: round ticks in local time, the whole window shown, and the
 * game-day drills in the window shaded with their scenario's name (every chart that uses it).
 */
export function timeAxis(o: { window: { from: string; to: string } }, span: number) {
  const from = Date.parse(o.window.from)
  const to = Date.parse(o.window.to)
  const offsetMs = -new Date(to).getTimezoneOffset() * 60_000
  return (
    <>
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[from, to]}
        ticks={timeTicks(from, to, 7, offsetMs)}
        interval={0}
        tickFormatter={(t: number) => formatTick(t, span)}
        minTickGap={40}
        {...AXIS}
      />
      <DrillBands from={from} to={to} />
    </>
  )
}

/**
 * A line only draws between two neighbouring values, so a bucket with data between empty ones
 * would be invisible: draw a dot there (and only there, to keep dense series clean).
 */
export function isolatedDot<T>(pts: T[], value: (p: T) => number | null | undefined, color: string) {
  const has = (i: number) => i >= 0 && i < pts.length && value(pts[i]) !== null && value(pts[i]) !== undefined
  function IsolatedDot(props: { cx?: number; cy?: number; index?: number }) {
    const i = props.index ?? -1
    if (!has(i) || has(i - 1) || has(i + 1) || props.cx === undefined || props.cy === undefined) return <g key={`d${i}`} />
    return <circle key={`d${i}`} cx={props.cx} cy={props.cy} r={3} fill={color} stroke="none" />
  }
  return IsolatedDot
}

export const tooltipLabel = (t: unknown) => formatDateTime(Number(t))
export const TOOLTIP_STYLE = { fontSize: 12, borderRadius: 6, border: '1px solid #e2e8f0' }

export function SuccessRateChart({ o, span }: { o: Overview; span: number }) {
  const pts = o.successRate.series
  const values = pts.map((p) => p.v).filter((v): v is number => v !== null)
  const min = values.length ? Math.min(...values) : 1
  const lo = Math.max(0, Math.floor(Math.min(min, o.successRate.target) * 100 - 0.5) / 100)
  const summary = values.length
    ? `MFA success rate over ${pts.length} buckets: lowest ${formatPercent(min)}, overall ${formatPercent(o.successRate.value)}, target ${formatTargetPercent(o.successRate.target)}.`
    : 'MFA success rate: no verified challenges in this range.'
  return (
    <ChartFrame
      id="chart-m1"
      title="Success rate"
      subtitle={`M1 · per flow · target ≥ ${formatTargetPercent(o.successRate.target)}`}
      summary={summary}
      columns={['Time', 'Success rate']}
      rows={pts.map((p) => [formatDateTime(p.t), formatPercent(p.v)])}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={pts} margin={{ top: 8, right: 20, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(o, span)}
          <YAxis domain={[lo, 1]} tickFormatter={(v: number) => `${(v * 100).toFixed(lo >= 0.9 ? 1 : 0)}%`} width={52} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => [formatPercent(Number(v)), 'Success rate']} contentStyle={TOOLTIP_STYLE} />
          <ReferenceLine y={o.successRate.target} stroke="#f59e0b" strokeDasharray="4 4" label={{ value: 'target', position: 'insideBottomRight', fill: '#b45309', fontSize: 11 }} />
          <Line type="monotone" dataKey="v" name="Success rate" stroke="#2563eb" strokeWidth={2} dot={isolatedDot(pts, (p) => p.v, '#2563eb')} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}

const LATENCY_LINES = [
  { key: 'p50', color: '#93c5fd', width: 1.5 },
  { key: 'p95', color: '#2563eb', width: 2.2 },
  { key: 'p99', color: '#7c3aed', width: 1.5 },
] as const

export function LatencyChart({ o, span }: { o: Overview; span: number }) {
  const pts = o.latency.series
  const v = o.latency.value
  const peak = Math.max(o.latency.targetP95Ms, ...pts.flatMap((p) => [p.p50 ?? 0, p.p95 ?? 0, p.p99 ?? 0]))
  const msTicks = valueTicks(peak)
  const summary = v
    ? `MFA challenge latency over ${pts.length} buckets: p50 ${formatMs(v.p50)}, p95 ${formatMs(v.p95)}, p99 ${formatMs(v.p99)}; p95 target under ${formatTargetMs(o.latency.targetP95Ms)}.`
    : 'MFA challenge latency: no verified challenges in this range.'
  return (
    <ChartFrame
      id="chart-m2"
      title="Challenge latency"
      subtitle={`M2 · issue → verify · p95 target < ${formatTargetMs(o.latency.targetP95Ms)}`}
      summary={summary}
      columns={['Time', 'p50', 'p95', 'p99']}
      rows={pts.map((p) => [formatDateTime(p.t), formatMs(p.p50), formatMs(p.p95), formatMs(p.p99)])}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={pts} margin={{ top: 8, right: 20, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(o, span)}
          <YAxis domain={[0, msTicks.at(-1)!]} ticks={msTicks} tickFormatter={(ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`)} width={52} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(val, name) => [formatMs(Number(val)), String(name)]} contentStyle={TOOLTIP_STYLE} />
          <Legend iconType="plainline" iconSize={14} wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine y={o.latency.targetP95Ms} stroke="#f59e0b" strokeDasharray="4 4" label={{ value: 'p95 target', position: 'insideTopRight', fill: '#b45309', fontSize: 11 }} />
          {LATENCY_LINES.map((l) => (
            <Line key={l.key} type="monotone" dataKey={l.key} name={l.key} stroke={l.color} strokeWidth={l.width} dot={isolatedDot(pts, (p) => p[l.key], l.color)} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}

export function OutcomesChart({ o, span }: { o: Overview; span: number }) {
  const { outcomes, series, totals, total } = o.logins
  const peak = Math.max(0, ...series.map((p) => outcomes.reduce((sum, k) => sum + (p[k] ?? 0), 0)))
  const countTicks = valueTicks(Math.max(peak, 4)).map(Math.round)
  const summary = total
    ? `${formatCount(total)} logins completed: ${outcomes.map((k) => `${humanize(k).toLowerCase()} ${formatCount(totals[k] ?? 0)}`).join(', ')}.`
    : 'No completed logins in this range.'
  const breakdown = (
    <table className="breakdown" aria-label="Logins by outcome, totals">
      <thead>
        <tr>
          <th scope="col">Outcome</th>
          <th scope="col">Logins</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {outcomes.map((k, i) => (
          <tr key={k} data-testid={`outcome-${k}`}>
            <th scope="row">
              <span className="swatch" style={{ background: outcomeColor(k, i) }} aria-hidden="true" />
              {humanize(k)}
            </th>
            <td>{formatCount(totals[k] ?? 0)}</td>
            <td>{total ? `${((100 * (totals[k] ?? 0)) / total).toFixed(1)}%` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
  return (
    <ChartFrame
      id="chart-logins"
      className="chart-wide"
      title="Logins by outcome"
      subtitle={`mfa.login.completed · ${formatCount(total)} in range`}
      summary={summary}
      columns={['Time', ...outcomes.map(humanize)]}
      rows={series.map((p) => [formatDateTime(p.t), ...outcomes.map((k) => formatCount(p[k]))])}
      aside={breakdown}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={series} margin={{ top: 8, right: 20, bottom: 0, left: 0 }} barCategoryGap={1}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(o, span)}
          <YAxis domain={[0, countTicks.at(-1)!]} ticks={countTicks} tickFormatter={formatCompact} width={44} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(val, name) => [formatCount(Number(val)), humanize(String(name))]} contentStyle={TOOLTIP_STYLE} />
          {outcomes.map((k, i) => (
            <Bar key={k} dataKey={k} name={k} stackId="outcome" fill={outcomeColor(k, i)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}
