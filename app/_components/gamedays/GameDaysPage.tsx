'use client'
import { useSearchParams } from 'next/navigation'
import { hintFor, useGameDay, useGameDays } from '../../_lib/api-client'
import type { GameDaysView } from '../../_lib/gamedays-api'
import { isActiveState } from '../../_lib/gameday-view'
import { Polled } from '../Polled'
import { RefreshStatus } from '../RefreshStatus'
import { StatCard } from '../StatCard'
import { ErrorState } from '../States'
import { History } from './History'
import { LiveView } from './LiveView'
import { ReportView } from './ReportView'
import { Scenarios } from './Scenarios'

export function GameDaysPage() {
  const params = useSearchParams()
  const q = useGameDays()
  return (
    <div className="overview">
      <div className="toolbar">
        <span className="al-sub">Rehearse provider and IdP outages: faults with an expiry, guardrails that abort, a report afterwards</span>
        <div className="toolbar-status">
          <RefreshStatus q={q} />
        </div>
      </div>
      <Polled q={q} errorTitle="Could not load the game days">
        {(v) => <Body v={v} selected={params.get('id')} />}
      </Polled>
    </div>
  )
}

function Body({ v, selected }: { v: GameDaysView; selected: string | null }) {
  // The drill in progress is shown unless another one is picked from the history.
  const focus = selected ?? v.active[0]?.id ?? null
  const now = Date.parse(v.generatedAt)
  const done = v.gamedays.filter((g) => !isActiveState(g.state))
  return (
    <>
      <div className="stats">
        <StatCard id="gd-scenarios" label="Scenarios" value={String(v.scenarios.length)} detail={<span className="stat-target">dashboards/gamedays/</span>} />
        <StatCard id="gd-active" label="In progress" value={String(v.active.length)} detail={<span className="stat-target">running or scheduled</span>} />
        <StatCard id="gd-completed" label="Completed" value={String(done.filter((g) => g.state === 'completed').length)} detail={<span className="stat-target">ran to the end</span>} />
        <StatCard id="gd-aborted" label="Aborted" value={String(done.filter((g) => g.state === 'aborted').length)} detail={<span className="stat-target">by a guardrail or an operator</span>} />
      </div>
      {focus && <GameDayPanel id={focus} />}
      <Scenarios scenarios={v.scenarios} active={v.active} />
      <History gamedays={v.gamedays} selected={focus} now={now} />
    </>
  )
}

/** The picked (or running) game day: the live view while it runs, its report once it ended. */
function GameDayPanel({ id }: { id: string }) {
  const q = useGameDay(id)
  return (
    <div id="gameday" className="gd-panel">
      {q.isPending ? (
        <div className="card al-section" aria-busy="true" aria-label="Loading the game day">
          <div className="skel" style={{ width: '40%', height: 16 }} />
          <div className="skel" style={{ height: 120, marginTop: 12 }} />
        </div>
      ) : q.isError && !q.data ? (
        <ErrorState title={`Could not load game day ${id}`} message={q.error.message} hint={hintFor(q.error)} onRetry={() => void q.refetch()} retrying={q.isFetching} />
      ) : q.data ? (
        isActiveState(q.data.gameday.state) ? <LiveView v={q.data} /> : <ReportView v={q.data} />
      ) : null}
    </div>
  )
}
