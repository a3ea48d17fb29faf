'use client'
import Link from 'next/link'
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { AttributionView, SloCard } from '../../_lib/alerting-api'
import { formatBudget, formatBurn, formatCount, formatDateTime, formatPercent, formatTargetPercent, humanize } from '../../_lib/format'
import { budgetTicks, timeTicks } from '../../_lib/ticks'
import { AXIS, TOOLTIP_STYLE, tooltipLabel } from '../Charts'
import { DrillBands } from '../DrillBands'

const STATUS_BADGE: Record<SloCard['budgetStatus'], [string, string]> = {
  healthy: ['badge badge-ok', 'budget healthy'],
  low: ['badge badge-warn', 'budget low'],
  exhausted: ['badge badge-bad', 'budget spent'],
  no_data: ['badge badge-neutral', 'not enough data'],
  no_budget: ['badge badge-neutral', 'no budget (100% objective)'],
}

function sliText(s: SloCard): string {
  if (s.sli.status !== 'ok' || s.sli.value === null) return 'Not enough data'
  return formatPercent(s.sli.value)
}

export function SloCardView({ s }: { s: SloCard }) {
  const [badgeClass, badgeText] = STATUS_BADGE[s.budgetStatus]
  const id = `slo-${s.id}`
  return (
    <article className={`card slo-card${s.firingAlerts.length ? ' is-firing' : ''}`} aria-labelledby={`${id}-title`} data-testid={id}>
      <header>
        <h2 id={`${id}-title`}>{s.id}</h2>
        <span className={badgeClass}>{badgeText}</span>
        {s.met === false && <span className="badge badge-bad">below objective</span>}
        {s.firingAlerts.map((a) => (
          <Link key={a} className="badge badge-page" href={`/alerts?alert=${encodeURIComponent(a)}#alert-detail`}>
            firing: {a}
          </Link>
        ))}
        <span className="al-sub">{s.description}{s.metric ? ` · ${s.metric}` : ''}</span>
      </header>
      <dl className="slo-facts">
        <dt>Objective</dt>
        <dd data-testid={`${id}-objective`}>{formatTargetPercent(s.objective / 100)} over {s.window}</dd>
        <dt>SLI now</dt>
        <dd>
          <span className={s.sli.value === null || s.sli.status !== 'ok' ? 'slo-big slo-nodata' : 'slo-big'} data-testid={`${id}-sli`}>{sliText(s)}</span>
          <br />
          <span className="al-muted">
            {formatCount(s.sli.good)} good of {formatCount(s.sli.total)}
            {s.sli.status !== 'ok' ? ` (needs ${formatCount(s.minVolume)})` : ''}
          </span>
        </dd>
        <dt>Budget left</dt>
        <dd>
          <span className={`slo-big${s.budgetStatus === 'exhausted' ? ' slo-budget-bad' : ''}`} data-testid={`${id}-budget`}>
            {s.budgetStatus === 'no_budget' ? (s.met ? 'met' : 'missed') : formatBudget(s.budgetRemaining)}
          </span>
          <br />
          <span className="al-muted" data-testid={`${id}-events-left`}>
            {s.eventsLeft === null ? '' : s.eventsLeft >= 0 ? `${formatCount(s.eventsLeft)} bad events still allowed` : `overspent by ${formatCount(-s.eventsLeft)} bad events`}
          </span>
        </dd>
        {s.userGroups.map((g) => (
          <UserGroupFact key={g.userGroup} g={g} />
        ))}
      </dl>
      <div className="slo-main">
        <BurnRates s={s} />
        <BurnDown s={s} />
      </div>
      <Attribution s={s} />
    </article>
  )
}

function UserGroupFact({ g }: { g: SloCard['userGroups'][number] }) {
  return (
    <>
      <dt>{humanize(g.userGroup)}{g.critical ? ' (pages)' : ''}</dt>
      <dd>
        {g.sli.value === null ? 'not enough data' : formatPercent(g.sli.value)} of ≥ {formatTargetPercent(g.objective / 100)} · {formatBudget(g.budgetRemaining)} left
      </dd>
    </>
  )
}

function BurnRates({ s }: { s: SloCard }) {
  return (
    <table className="al-table slo-burn" data-testid={`slo-${s.id}-burn`}>
      <caption className="sr-only">Burn rates of {s.id} for the four window pairs</caption>
      <thead>
        <tr>
          <th scope="col">Window pair</th>
          <th scope="col">Alert at</th>
          <th scope="col" className="num">Long</th>
          <th scope="col" className="num">Short</th>
          <th scope="col">Now</th>
        </tr>
      </thead>
      <tbody>
        {s.burnPairs.map((p) => (
          <tr key={`${p.long}/${p.short}`}>
            <th scope="row">{p.long} and {p.short}</th>
            <td>{p.severity} at {formatBurn(p.factor)}</td>
            <td className="num">{formatBurn(p.longRate)}</td>
            <td className="num">{formatBurn(p.shortRate)}</td>
            <td>
              {p.burning === null ? <span className="al-muted">no data</span> : p.burning ? <span className="badge badge-bad">burning</span> : <span className="badge badge-ok">below</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function BurnDown({ s }: { s: SloCard }) {
  const pts = s.burnDown
  if (pts.length === 0) return <p className="al-empty">{s.budgetStatus === 'no_budget' ? 'No burn-down: an objective of 100% allows no bad event.' : 'No burn-down yet: not enough data in the window.'}</p>
  const from = pts[0].t
  const to = pts.at(-1)!.t
  const values = pts.map((p) => p.v).filter((v): v is number => v !== null)
  const ticks = budgetTicks(Math.min(0, ...values))
  const last = values.at(-1) ?? null
  const summary = `Error budget of ${s.id} over the ${s.window} window: from ${formatBudget(values[0] ?? null)} to ${formatBudget(last)} left now.`
  const color = last !== null && last <= 0 ? '#dc2626' : '#2563eb'
  return (
    <figure className="slo-chart">
      <figcaption>Budget burn-down over {s.window}</figcaption>
      <div role="img" aria-label={summary}>
        <ResponsiveContainer width="100%" height={150}>
          <AreaChart data={pts} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#eef2f7" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={[from, to]} ticks={timeTicks(from, to, 6)} tickFormatter={(t: number) => new Date(t).toISOString().slice(5, 10)} {...AXIS} />
            <YAxis domain={[ticks[0], ticks.at(-1)!]} ticks={ticks} tickFormatter={(v: number) => formatBudget(v)} width={56} {...AXIS} />
            <Tooltip labelFormatter={tooltipLabel} formatter={(v) => [formatBudget(Number(v)), 'Budget left']} contentStyle={TOOLTIP_STYLE} />
            <ReferenceLine y={0} stroke="#b91c1c" strokeDasharray="4 4" />
            <DrillBands from={from} to={to} />
            <Area type="monotone" dataKey="v" stroke={color} fill={color} fillOpacity={0.12} strokeWidth={2} isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <details className="chart-data">
        <summary>Data table</summary>
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Budget left over time, {s.id}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Budget left</th>
              </tr>
            </thead>
            <tbody>
              {pts.map((p) => (
                <tr key={p.t}>
                  <th scope="row">{formatDateTime(p.t)}</th>
                  <td>{formatBudget(p.v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}

function Attribution({ s }: { s: SloCard }) {
  const spent = s.attribution.some((a) => a.rows.length > 0)
  return (
    <section className="slo-attr" aria-label={`What spent the budget of ${s.id}`} data-testid={`slo-${s.id}-attribution`}>
      {spent ? (
        s.attribution.map((a) => <AttributionTable key={a.dimension} a={a} />)
      ) : (
        <p className="al-muted">{s.budgetStatus === 'no_data' ? 'Too few events in the window to say what spent the budget.' : 'No bad events in the window: nothing spent the budget.'}</p>
      )}
    </section>
  )
}

function AttributionTable({ a }: { a: AttributionView }) {
  return (
    <div>
      <h3>By {a.label.toLowerCase()}</h3>
      {a.rows.length === 0 ? (
        <p className="al-muted">—</p>
      ) : (
        <ul className="al-attr" aria-label={`Bad events by ${a.label.toLowerCase()}`}>
          {a.rows.slice(0, 5).map((r) => (
            <li key={r.key} className="attr-row" data-testid={`attr-${a.dimension}-${r.key}`}>
              <span>{a.dimension === 'factor' || a.dimension === 'user_group' ? humanize(r.key) : r.key}</span>
              <span>
                {formatCount(r.bad)} · {formatPercent(r.share)}
              </span>
              <span className="attr-bar" aria-hidden="true">
                <span style={{ width: `${Math.max(1, r.share * 100)}%` }} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
