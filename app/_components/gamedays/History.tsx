import Link from 'next/link'
import { formatDateTime } from '../../_lib/format'
import type { GameDaySummary } from '../../_lib/gamedays-api'
import { elapsed, END_REASON, formatClock, STATE_BADGE } from '../../_lib/gameday-view'

/** Every game day, newest first; a row opens its live view or report. */
export function History({ gamedays, selected, now }: { gamedays: GameDaySummary[]; selected: string | null; now: number }) {
  return (
    <section className="card al-section" aria-labelledby="history-title">
      <header className="al-head">
        <h2 id="history-title" className="al-title">History</h2>
        <span className="al-sub">every game day the collector keeps, newest first</span>
      </header>
      {gamedays.length === 0 ? (
        <p className="al-empty"><strong>No game day yet.</strong> Start one from a scenario above; a dry run injects nothing.</p>
      ) : (
        <div className="al-wrap">
          <table className="al-table" data-testid="history">
            <caption className="sr-only">Game days</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Scenario</th>
                <th scope="col">State</th>
                <th scope="col">Duration</th>
                <th scope="col">Outcome</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {gamedays.map((g) => {
                const e = elapsed(g, now).elapsedMs
                return (
                  <tr key={g.id} data-testid={`history-${g.id}`} className={g.id === selected ? 'is-selected' : undefined}>
                    <td>{formatDateTime(Date.parse(g.started_at ?? g.starts_at))}</td>
                    <th scope="row">
                      {g.name} {g.dry_run && <span className="badge badge-info">dry run</span>}
                      <span className="al-summary">{g.id}</span>
                    </th>
                    <td><span className={STATE_BADGE[g.state]}>{g.state}</span></td>
                    <td>{e === null ? '—' : formatClock(e)}</td>
                    <td>{g.end_reason ? END_REASON[g.end_reason] : g.state === 'running' ? 'in progress' : '—'}</td>
                    <td>
                      <Link className="btn btn-small" href={`/gamedays?id=${encodeURIComponent(g.id)}#gameday`} scroll={false} aria-label={`${g.state === 'running' || g.state === 'scheduled' ? 'Watch' : 'Report of'} ${g.name} (${g.id})`}>
                        {g.state === 'running' || g.state === 'scheduled' ? 'Watch' : 'Report'}
                      </Link>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
