'use client'
import { useEffect, useState } from 'react'
import type { GameDayStep, GuardrailReading } from '../../../contract/gameday'
import { useGameDayMutations } from '../../_lib/api-client'
import { useCan } from '../Permissions'
import { formatBudget, formatBurn, formatDateTime } from '../../_lib/format'
import type { GameDayView, SloBurn } from '../../_lib/gamedays-api'
import { elapsed, formatClock, formatReading, readingStatus, stepCounts } from '../../_lib/gameday-view'
import { StatCard } from '../StatCard'
import { ConfirmDialog } from './ConfirmDialog'
import { GameDayHead } from './GameDayHead'

/** A clock for the elapsed time between polls (the drill's data refreshes every 2 s). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(t)
  }, [ms])
  return now
}

/** A running (or scheduled) drill: elapsed, steps, guardrails against their thresholds, SLO burn, Abort. */
export function LiveView({ v }: { v: GameDayView }) {
  const g = v.gameday
  const now = useNow(1000)
  const { elapsedMs, plannedMs } = elapsed(g, now)
  const steps = stepCounts(g.steps)
  const tripped = g.guardrails.filter((r) => r.tripped).length
  return (
    <section className="card al-section gd-live" aria-labelledby="gd-view-title" data-testid="live-view">
      <GameDayHead g={g} actions={<AbortButton id={g.id} name={g.name} />} />
      <p className="gd-blast" data-testid="live-blast"><span className="gd-k">Blast radius</span> {g.blast_radius}</p>
      <div className="stats">
        <StatCard
          id="gd-elapsed"
          label="Elapsed"
          value={elapsedMs === null ? 'not started' : formatClock(elapsedMs)}
          detail={<span className="stat-target">{elapsedMs === null ? `starts ${formatDateTime(Date.parse(g.starts_at))}` : `of ${formatClock(plannedMs)} planned`}</span>}
        />
        <StatCard id="gd-applied" label="Steps applied" value={`${steps.applied + steps.reverted} / ${steps.total}`} detail={<span className="stat-target">{steps.pending} pending{steps.failed ? ` · ${steps.failed} failed` : ''}</span>} />
        <StatCard id="gd-reverted" label="Steps reverted" value={String(steps.reverted)} detail={<span className="stat-target">{steps.applied} fault{steps.applied === 1 ? '' : 's'} active now</span>} />
        <StatCard id="gd-tripped" label="Guardrails tripped" value={`${tripped} / ${g.guardrails.length}`} detail={<span className="stat-target">any one aborts the drill</span>} />
      </div>
      {elapsedMs !== null && plannedMs > 0 && (
        <div className="gd-progress" role="progressbar" aria-label="Drill progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, Math.round((100 * elapsedMs) / plannedMs))}>
          <span style={{ width: `${Math.min(100, (100 * elapsedMs) / plannedMs)}%` }} />
        </div>
      )}
      <div className="gd-cols">
        <Guardrails readings={g.guardrails} />
        <SloBurnTable rows={v.sloBurn} error={v.sloError} />
      </div>
      <Steps steps={g.steps} />
    </section>
  )
}

function AbortButton({ id, name }: { id: string; name: string }) {
  const { abort } = useGameDayMutations()
  const [open, setOpen] = useState(false)
  const canRun = useCan('gamedays.write')
  const close = () => {
    abort.reset()
    setOpen(false)
  }
  if (!canRun) return null
  return (
    <>
      <button type="button" className="btn btn-danger-solid gd-abort" onClick={() => setOpen(true)}>
        Abort drill
      </button>
      <ConfirmDialog
        open={open}
        title={`Abort “${name}”?`}
        confirmLabel="Abort and revert every fault"
        pendingLabel="Aborting…"
        danger
        pending={abort.isPending}
        error={abort.isError ? `Not aborted: ${abort.error.message}` : null}
        onConfirm={() => abort.mutate(id, { onSuccess: close })}
        onClose={close}
        testId="abort-dialog"
      >
        <p>The collector stops game day {id} and reverts every fault it applied, at once. The report is written from what was seen up to now.</p>
      </ConfirmDialog>
    </>
  )
}

const READING_BADGE = { tripped: ['badge badge-bad', 'tripped'], ok: ['badge badge-ok', 'within'], no_data: ['badge badge-neutral', 'no data yet'] } as const

export function Guardrails({ readings }: { readings: GuardrailReading[] }) {
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Guardrails</h3>
      {readings.length === 0 ? (
        <p className="al-empty">This scenario has no guardrail.</p>
      ) : (
        <table className="al-table" data-testid="guardrails">
          <caption className="sr-only">Guardrail readings against their thresholds</caption>
          <thead>
            <tr>
              <th scope="col">Guardrail</th>
              <th scope="col" className="num">Reading</th>
              <th scope="col" className="num">Threshold</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {readings.map((r) => {
              const [cls, text] = READING_BADGE[readingStatus(r)]
              return (
                <tr key={r.id} data-testid={`guardrail-${r.id}`} className={r.tripped ? 'is-bad' : undefined}>
                  <th scope="row">{r.description}</th>
                  <td className="num">{formatReading(r.value)}</td>
                  <td className="num">{formatReading(r.threshold)}</td>
                  <td>
                    <span className={cls}>{text}</span>
                    {r.at && <span className="al-summary"><time dateTime={r.at}>{formatDateTime(Date.parse(r.at))}</time></span>}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
}

function SloBurnTable({ rows, error }: { rows: SloBurn[] | null; error: string | null }) {
  return (
    <div className="gd-block">
      <h3 className="gd-h3">SLO burn now</h3>
      {rows === null ? (
        <p className="al-empty">SLOs unavailable: {error}</p>
      ) : rows.length === 0 ? (
        <p className="al-empty">No SLO is defined.</p>
      ) : (
        <table className="al-table" data-testid="slo-burn">
          <caption className="sr-only">Burn rate of the SLOs burning fastest</caption>
          <thead>
            <tr>
              <th scope="col">SLO</th>
              <th scope="col" className="num">5m</th>
              <th scope="col" className="num">1h</th>
              <th scope="col" className="num">Budget left</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} data-testid={`slo-burn-${s.id}`}>
                <th scope="row">
                  {s.id} {s.firing && <span className="badge badge-bad">firing</span>}
                </th>
                <td className="num">{formatBurn(s.burn5m)}</td>
                <td className="num">{formatBurn(s.burn1h)}</td>
                <td className="num">{formatBudget(s.budgetRemaining)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

const STEP_BADGE: Record<GameDayStep['state'], string> = { pending: 'badge badge-neutral', applied: 'badge badge-warn', reverted: 'badge badge-ok', failed: 'badge badge-bad', skipped: 'badge badge-neutral' }

const at = (iso: string | null) => (iso ? <time dateTime={iso}>{formatDateTime(Date.parse(iso))}</time> : <span className="al-muted">—</span>)

export function Steps({ steps }: { steps: GameDayStep[] }) {
  return (
    <div className="gd-block">
      <h3 className="gd-h3">Steps</h3>
      <div className="al-wrap">
        <table className="al-table" data-testid="steps">
          <caption className="sr-only">Steps of the drill, applied and reverted</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Target</th>
              <th scope="col">State</th>
              <th scope="col">Applied</th>
              <th scope="col">Reverted</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.id} data-testid={`step-${s.id}`}>
                <th scope="row">
                  {s.summary}
                  {s.error && <span className="al-summary field-error">{s.error}</span>}
                </th>
                <td>{s.target}</td>
                <td><span className={STEP_BADGE[s.state]}>{s.state}</span></td>
                <td>{at(s.applied_at)}</td>
                <td>{at(s.reverted_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
