'use client'
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts'
import type { AttackReport, EnrollmentReport } from '../../../contract/security'
import { formatCount, formatDateTime, formatPercent, humanize } from '../../_lib/format'
import { ChartFrame } from '../ChartFrame'
import { AXIS, TOOLTIP_STYLE, timeAxis, tooltipLabel } from '../Charts'

const GROUP_COLORS: Record<string, string> = { admin: '#b91c1c', workforce: '#2563eb', customer: '#15803d', vendor: '#7c3aed' }
const span = (w: { from: string; to: string }) => (Date.parse(w.to) - Date.parse(w.from)) / 1000

export function CoverageTrend({ r }: { r: EnrollmentReport }) {
  const groups = [...new Set(r.trend.flatMap((p) => Object.keys(p.by_group)))].sort()
  const pts = r.trend.map((p) => ({ t: p.t, ...p.by_group }))
  if (pts.length === 0) return null
  return (
    <ChartFrame id="chart-coverage" title="Coverage trend" subtitle="best-covered factor per group, per snapshot" summary={`Coverage over time for ${groups.join(', ')}.`}
      columns={['Time', ...groups.map(humanize)]} rows={r.trend.map((p) => [formatDateTime(p.t), ...groups.map((g) => formatPercent(p.by_group[g] ?? null))])}>
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={pts} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(r, span(r.window))}
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} width={44} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v) => formatPercent(Number(v))} contentStyle={TOOLTIP_STYLE} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {groups.map((g) => <Line key={g} dataKey={g} name={humanize(g)} stroke={GROUP_COLORS[g] ?? '#475569'} strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />)}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}

const RISK = [['low', '#94a3b8'], ['medium', '#d97706'], ['high', '#b91c1c']] as const

export function RiskChart({ r }: { r: AttackReport }) {
  const pts = r.risk.map(([t, low, medium, high]) => ({ t, low, medium, high }))
  const total = pts.reduce((a, p) => a + p.low + p.medium + p.high, 0)
  return (
    <ChartFrame id="chart-risk" title="Risk levels of sign-ins (F5)" subtitle="mfa.login.started by risk level" summary={`${formatCount(total)} sign-ins; ${formatCount(pts.reduce((a, p) => a + p.high, 0))} at high risk.`}
      columns={['Time', 'Low', 'Medium', 'High']} rows={pts.map((p) => [formatDateTime(p.t), p.low, p.medium, p.high])}>
      <ResponsiveContainer width="100%" height={160}>
        <BarChart data={pts} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(r, span(r.window))}
          <YAxis allowDecimals={false} width={40} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} contentStyle={TOOLTIP_STYLE} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {RISK.map(([k, c]) => <Bar key={k} dataKey={k} name={humanize(k)} stackId="r" fill={c} isAnimationActive={false} />)}
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}
