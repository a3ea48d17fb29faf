'use client'
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts'
import { RISK_SIGNALS, type RiskSignal } from '../../../contract/enums'
import type { AttackReport } from '../../../contract/security'
import { SIGNAL_LABEL } from '../../_lib/attacks'
import { formatCount, formatDateTime, humanize } from '../../_lib/format'
import { ChartFrame } from '../ChartFrame'
import { AXIS, TOOLTIP_STYLE, timeAxis, tooltipLabel } from '../Charts'
import { span } from './SecurityCharts'

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

/** Each signal its own colour and dash, so the lines differ without colour too. */
const SIGNAL_STYLE: Record<RiskSignal, { color: string; dash?: string }> = {
  new_device: { color: '#2563eb' },
  new_country: { color: '#7c3aed', dash: '6 3' },
  impossible_travel: { color: '#d97706', dash: '2 3' },
  known_bad_ip: { color: '#b91c1c', dash: '8 3 2 3' },
}

/** Sign-ins per bucket carrying each risk signal, beside the risk levels they lead to. */
export function RiskSignalsChart({ r }: { r: AttackReport }) {
  const pts = r.risk_signals.map(([t, ...n]) => ({ t, ...Object.fromEntries(RISK_SIGNALS.map((s, i) => [s, n[i]])) }))
  const totals = RISK_SIGNALS.map((s, i) => `${SIGNAL_LABEL[s].toLowerCase()} ${formatCount(r.risk_signals.reduce((a, p) => a + p[i + 1], 0))}`)
  return (
    <ChartFrame id="chart-risk-signals" title="Risk signals of sign-ins (F5)" subtitle="mfa.login.started by mfa.risk_signals; a sign-in can carry several" summary={`Sign-ins with each signal over the range: ${totals.join(', ')}.`}
      columns={['Time', ...RISK_SIGNALS.map((s) => SIGNAL_LABEL[s])]} rows={r.risk_signals.map(([t, ...n]) => [formatDateTime(t), ...n])}>
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={pts} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef2f7" vertical={false} />
          {timeAxis(r, span(r.window))}
          <YAxis allowDecimals={false} width={40} {...AXIS} />
          <Tooltip labelFormatter={tooltipLabel} contentStyle={TOOLTIP_STYLE} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {RISK_SIGNALS.map((s) => <Line key={s} dataKey={s} name={SIGNAL_LABEL[s]} stroke={SIGNAL_STYLE[s].color} strokeDasharray={SIGNAL_STYLE[s].dash} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} />)}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  )
}
