'use client'
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts'
import type { EnrollmentReport } from '../../../contract/security'
import { formatDateTime, formatPercent, humanize } from '../../_lib/format'
import { ChartFrame } from '../ChartFrame'
import { AXIS, TOOLTIP_STYLE, timeAxis, tooltipLabel } from '../Charts'

const GROUP_COLORS: Record<string, string> = { admin: '#b91c1c', workforce: '#2563eb', customer: '#15803d', vendor: '#7c3aed' }
export const span = (w: { from: string; to: string }) => (Date.parse(w.to) - Date.parse(w.from)) / 1000

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
