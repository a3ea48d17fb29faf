import type { ReactNode } from 'react'

/** One headline number with its target and whether it is met. */
export function StatCard(props: { id: string; label: string; metric?: string; value: string; met?: boolean | null; target?: string; detail?: ReactNode; missedText?: string }) {
  /** `missedText`: "Below target" reads wrong for a rate that must stay under its target. */
  const { id, label, metric, value, met, target, detail, missedText = 'Below target' } = props
  return (
    <section className="card stat" aria-labelledby={`${id}-label`}>
      <h2 className="stat-label" id={`${id}-label`}>
        {label}
        {metric && <span className="metric-id">{metric}</span>}
      </h2>
      <p className="stat-value" data-testid={`${id}-value`}>
        {value}
      </p>
      <div className="stat-foot">
        {target && met !== undefined && (
          <span className={met === null ? 'badge badge-neutral' : met ? 'badge badge-ok' : 'badge badge-bad'}>
            {met === null ? 'No data' : met ? 'Meets target' : missedText}
          </span>
        )}
        {target && <span className="stat-target">Target {target}</span>}
        {detail}
      </div>
    </section>
  )
}
