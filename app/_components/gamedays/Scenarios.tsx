'use client'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { useGameDayMutations } from '../../_lib/api-client'
import { useCan } from '../Permissions'
import type { GameDaySummary, ScenarioSummary } from '../../_lib/gamedays-api'
import { formatSeconds } from '../../_lib/gameday-view'
import { humanize } from '../../_lib/format'
import { ConfirmDialog } from './ConfirmDialog'

/** The scenarios of dashboards/gamedays/, each with its hypothesis and blast radius, and Start. */
export function Scenarios({ scenarios, active }: { scenarios: ScenarioSummary[]; active: GameDaySummary[] }) {
  const [picked, setPicked] = useState<ScenarioSummary | null>(null)
  const canRun = useCan('gamedays.write')
  return (
    <section className="card al-section" aria-labelledby="scenarios-title">
      <header className="al-head">
        <h2 id="scenarios-title" className="al-title">Scenarios</h2>
        <span className="al-sub">dashboards/gamedays/*.yaml · every fault expires inside the IdP, so a drill reverts itself even if the collector dies</span>
      </header>
      {scenarios.length === 0 ? (
        <p className="al-empty"><strong>No scenarios.</strong> The collector loads them from dashboards/gamedays/ at start.</p>
      ) : (
        <ul className="gd-scenarios">
          {scenarios.map((s) => (
            <li key={s.id} className="gd-scenario" data-testid={`scenario-${s.id}`}>
              <div className="gd-scenario-head">
                <h3>{s.name}</h3>
                <span className="al-label">{s.id}</span>
                <span className="al-sub">{formatSeconds(s.duration_seconds)}</span>
                {s.pages && <span className="badge badge-page">pages on-call</span>}
                {canRun && (
                  <button type="button" className="btn btn-small btn-primary gd-start" onClick={() => setPicked(s)} aria-label={`Start ${s.name}…`}>
                    Start…
                  </button>
                )}
              </div>
              <p className="gd-hypothesis"><span className="gd-k">Hypothesis</span> {s.hypothesis}</p>
              <p className="gd-blast" data-testid={`scenario-${s.id}-blast`}><span className="gd-k">Blast radius</span> {s.blast_radius}</p>
              {s.unavailable && <p className="gd-unavailable">Only a dry run for now: {s.unavailable}.</p>}
              <details className="al-more">
                <summary>{s.steps.length} step{s.steps.length === 1 ? '' : 's'}, {s.guardrails.length} guardrail{s.guardrails.length === 1 ? '' : 's'}, {s.expectations.length} expectation{s.expectations.length === 1 ? '' : 's'}</summary>
                <ScenarioDetail s={s} />
              </details>
            </li>
          ))}
        </ul>
      )}
      <StartDialog scenario={picked} active={active} onClose={() => setPicked(null)} />
    </section>
  )
}

function ScenarioDetail({ s }: { s: ScenarioSummary }) {
  return (
    <div className="gd-detail">
      <div>
        <h4>Steps</h4>
        <ol>
          {s.steps.map((st) => (
            <li key={st.id}>
              <span className="gd-offset">+{formatSeconds(st.start_seconds)}</span> {st.summary}
            </li>
          ))}
        </ol>
      </div>
      <div>
        <h4>Guardrails (abort when crossed)</h4>
        <ul>{s.guardrails.length ? s.guardrails.map((g) => <li key={g.id}>{humanize(g.type)} <span className="al-label">{g.id}</span></li>) : <li>none</li>}</ul>
      </div>
      <div>
        <h4>Expectations</h4>
        <ul>{s.expectations.length ? s.expectations.map((e) => <li key={e.id}>{humanize(e.type)} <span className="al-label">{e.id}</span></li>) : <li>none</li>}</ul>
      </div>
      {s.limits && <p className="al-sub gd-limits">Limits: {s.limits}</p>}
    </div>
  )
}

/** Confirmation that states the blast radius before anything is injected; a dry run plans only. */
function StartDialog({ scenario, active, onClose }: { scenario: ScenarioSummary | null; active: GameDaySummary[]; onClose: () => void }) {
  const router = useRouter()
  const { start } = useGameDayMutations()
  const [dryRun, setDryRun] = useState(false)
  const close = () => {
    start.reset()
    setDryRun(false)
    onClose()
  }
  const confirm = () => {
    if (!scenario) return
    start.mutate(
      { scenario: scenario.id, dryRun },
      {
        onSuccess: (res) => {
          close()
          router.push(`/gamedays?id=${encodeURIComponent(res.id)}`, { scroll: false })
        },
      },
    )
  }
  return (
    <ConfirmDialog
      open={scenario !== null}
      title={scenario ? `Start “${scenario.name}”?` : 'Start a game day?'}
      confirmLabel={dryRun ? 'Start dry run' : 'Start drill'}
      pendingLabel="Starting…"
      danger={!dryRun}
      pending={start.isPending}
      error={start.isError ? `Not started: ${start.error.message}` : null}
      onConfirm={confirm}
      onClose={close}
      testId="start-dialog"
    >
      {scenario && (
        <>
          <p className="gd-blast-confirm"><strong>Blast radius:</strong> {scenario.blast_radius}</p>
          <p>Faults applied: {scenario.steps.map((s) => s.summary).join('; ')}.</p>
          {scenario.unavailable && <p className="banner banner-warn">The collector cannot run it for real yet: {scenario.unavailable}.</p>}
          {active.length > 0 && <p className="banner banner-warn">Already in progress: {active.map((g) => `${g.name} (${g.state})`).join(', ')}.</p>}
          <label className="gd-check">
            <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run: plan and check the guardrails, inject no fault
          </label>
        </>
      )}
    </ConfirmDialog>
  )
}
