import type { AlertsView } from '../../_lib/alerting-api'
import { useAnnotations } from '../../_lib/api-client'
import { drillBands } from '../../_lib/drill-bands'
import { formatDateTime, formatTick, humanize } from '../../_lib/format'
import { timeTicks } from '../../_lib/ticks'

const STATES = ['firing', 'pending', 'resolved'] as const

/** One lane per alert that was not inactive throughout the range; bars at their real times. */
export function Timeline({ v }: { v: AlertsView }) {
  const from = Date.parse(v.window.from)
  const to = Date.parse(v.window.to)
  const span = to - from
  const x = (t: number) => `${(((t - from) / span) * 100).toFixed(3)}%`
  const w = (a: number, b: number) => `${(((b - a) / span) * 100).toFixed(3)}%`
  const offsetMs = -new Date(to).getTimezoneOffset() * 60_000
  const drills = useAnnotations(from, to).data
  const bands = drills ? drillBands(drills.annotations, from, to, Math.max(Date.parse(drills.generatedAt), Date.now())) : []
  return (
    <section className="card al-section" aria-labelledby="timeline-title">
      <header className="al-head">
        <h2 id="timeline-title" className="al-title">History</h2>
        <span className="al-sub">
          {v.history.length} transition{v.history.length === 1 ? '' : 's'} from {formatDateTime(from)} to {formatDateTime(to)}
        </span>
      </header>
      {v.lanes.length === 0 ? (
        <p className="al-empty"><strong>Quiet:</strong> no alert was pending, firing or resolved in this range.</p>
      ) : (
        <div className="tl" data-testid="timeline">
          {bands.length > 0 && (
            <>
              <span className="tl-name">Game days</span>
              <div className="tl-track" role="img" aria-label={`Game-day drills: ${bands.map((b) => `${b.name} from ${formatDateTime(b.x1)} to ${b.running ? 'now (running)' : formatDateTime(b.x2)}`).join('; ')}`}>
                {bands.map((b) => (
                  <span key={b.id} className="tl-seg tl-drill drill-band" style={{ left: x(b.x1), width: w(b.x1, b.x2), minWidth: 2 }} title={`Drill: ${b.name}`}>
                    {b.name}
                  </span>
                ))}
              </div>
            </>
          )}
          {v.lanes.map((l) => (
            <div key={l.alertId} style={{ display: 'contents' }}>
              <span className="tl-name" title={l.alertId}>{l.alertname}</span>
              <div
                className="tl-track"
                role="img"
                aria-label={`${l.alertname}: ${l.segments.filter((s) => s.state !== 'inactive').map((s) => `${s.state} from ${formatDateTime(s.from)} to ${formatDateTime(s.to)}`).join('; ')}`}
              >
                {l.segments
                  .filter((s) => s.state !== 'inactive')
                  .map((s) => (
                    <span key={s.from} className={`tl-seg tl-${s.state}`} style={{ left: x(s.from), width: w(s.from, s.to), minWidth: 2 }} />
                  ))}
              </div>
            </div>
          ))}
          <span />
          <div className="tl-axis" aria-hidden="true">
            {timeTicks(from, to, 6, offsetMs).map((t) => (
              <span key={t} style={{ left: x(t) }}>
                {formatTick(t, span / 1000)}
              </span>
            ))}
          </div>
        </div>
      )}
      <p className="tl-legend" aria-hidden="true">
        {STATES.map((s) => (
          <span key={s}>
            <span className={`tl-key tl-${s}`} />
            {humanize(s)}
          </span>
        ))}
      </p>
      {v.history.length > 0 && (
        <details className="chart-data" open={v.history.length <= 12}>
          <summary>Transitions, newest first</summary>
          <div className="table-scroll">
            <table className="tl-table" data-testid="history-table">
              <caption className="sr-only">Alert transitions</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Change</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {v.history.slice(0, 200).map((t, i) => (
                  <tr key={`${t.ts}-${t.alert_id}-${i}`}>
                    <th scope="row">{formatDateTime(Date.parse(t.ts))}</th>
                    <td>{t.alertname}</td>
                    <td>
                      {t.from} → {t.to}
                      {t.suppressed ? ' (silenced)' : ''}
                    </td>
                    <td>{t.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  )
}
