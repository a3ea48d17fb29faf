import type { ReactNode } from 'react'
import type { GameDay } from '../../../contract/gameday'
import { formatDateTime } from '../../_lib/format'
import { END_REASON, STATE_BADGE } from '../../_lib/gameday-view'

/** Name, state and times of one game day, with the view's actions (Abort, downloads) on the right. */
export function GameDayHead({ g, actions }: { g: GameDay; actions?: ReactNode }) {
  return (
    <header className="gd-head">
      <div>
        <h2 id="gd-view-title" className="gd-title">
          {g.name} <span className={STATE_BADGE[g.state]} data-testid="gd-state">{g.state}</span>
          {g.dry_run && <span className="badge badge-info">dry run</span>}
        </h2>
        <p className="al-sub">
          Game day <span className="al-label">{g.id}</span> · scenario {g.scenario} · {g.started_at ? `started ${formatDateTime(Date.parse(g.started_at))}` : `starts ${formatDateTime(Date.parse(g.starts_at))}`}
          {g.ended_at && ` · ended ${formatDateTime(Date.parse(g.ended_at))}`}
          {g.end_reason && ` · ${END_REASON[g.end_reason]}`}
        </p>
      </div>
      {actions && <div className="gd-actions">{actions}</div>}
    </header>
  )
}
