'use client'
import { useSlos } from '../../_lib/api-client'
import type { SlosView } from '../../_lib/alerting-api'
import { Polled } from '../Polled'
import { RefreshStatus } from '../RefreshStatus'
import { StatCard } from '../StatCard'
import { SloCardView } from './SloCard'

export function SlosPage() {
  const q = useSlos()
  return (
    <div className="overview">
      <div className="toolbar">
        <span className="al-sub">Each SLO over its own window (dashboards/slos.yaml)</span>
        <div className="toolbar-status">
          <RefreshStatus q={q} />
        </div>
      </div>
      <Polled q={q} errorTitle="Could not load the SLOs">
        {(v) => <SlosBody v={v} />}
      </Polled>
    </div>
  )
}

function SlosBody({ v }: { v: SlosView }) {
  return (
    <>
      <div className="stats">
        <StatCard id="slo-total" label="SLOs" value={String(v.counts.total)} detail={<span className="stat-target">{v.counts.noData} without enough data</span>} />
        <StatCard id="slo-missed" label="Below objective" value={String(v.counts.missed)} detail={<span className="stat-target">SLI under its objective now</span>} />
        <StatCard id="slo-exhausted" label="Budget spent" value={String(v.counts.exhausted)} detail={<span className="stat-target">{v.counts.low} more under 25% left</span>} />
        <StatCard id="slo-burning" label="Burning" value={String(v.counts.burning)} detail={<span className="stat-target">a window pair over its factor</span>} />
      </div>
      {v.slos.length === 0 ? (
        <p className="al-empty card"><strong>No SLO is defined.</strong> Add one to dashboards/slos.yaml; the collector reads it at start.</p>
      ) : (
        <div className="slo-list">
          {v.slos.map((s) => (
            <SloCardView key={s.id} s={s} />
          ))}
        </div>
      )}
    </>
  )
}
