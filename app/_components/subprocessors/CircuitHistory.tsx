import type { CircuitSegment } from '../../_lib/circuit'
import { formatDateTime, humanize } from '../../_lib/format'
import type { Circuit } from '../../_lib/subprocessors-api'
import { CircuitBadge, circuitLabel } from './CircuitBadge'

/** The breaker's state across the window as a strip, and every transition as a table. */
export function CircuitHistory({ circuit, segments, window }: { circuit: Circuit; segments: CircuitSegment[]; window: { from: string; to: string } }) {
  const from = Date.parse(window.from)
  const span = Date.parse(window.to) - from
  const hidden = circuit.transitionsInWindow - circuit.transitions.length
  return (
    <section className="card circuit-card" aria-labelledby="circuit-title" data-testid="circuit-history">
      <header className="card-head">
        <h2 id="circuit-title" className="section-title">Circuit history</h2>
        <CircuitBadge circuit={circuit} testId="circuit-now" />
        <span className="chart-sub">
          {circuit.state === null
            ? 'no mfa.circuit.changed reported for this vendor'
            : `${circuit.transitionsInWindow} transition${circuit.transitionsInWindow === 1 ? '' : 's'} in range · current state since ${formatDateTime(Date.parse(circuit.since!))}`}
        </span>
      </header>
      {segments.length > 0 && (
        <div className="circuit-strip" role="img" aria-label={`Circuit state over the range: ${segments.map((s) => `${circuitLabel(s.state)} from ${formatDateTime(s.from)} to ${formatDateTime(s.to)}`).join('; ')}`}>
          {segments.map((s) => (
            <span key={s.from} className={`strip strip-${s.state}`} style={{ left: `${((s.from - from) / span) * 100}%`, width: `${((s.to - s.from) / span) * 100}%` }} title={`${circuitLabel(s.state)}: ${formatDateTime(s.from)} – ${formatDateTime(s.to)}`} />
          ))}
        </div>
      )}
      {circuit.transitions.length > 0 ? (
        <table className="transitions">
          <caption className="sr-only">Circuit transitions in range, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {circuit.transitions.map((t) => (
              <tr key={`${t.ts}-${t.to}`}>
                <th scope="row"><time dateTime={t.ts}>{formatDateTime(Date.parse(t.ts))}</time></th>
                <td>{circuitLabel(t.from)}</td>
                <td><span className={`circuit circuit-${t.to}`}><span className="circuit-dot" aria-hidden="true" />{circuitLabel(t.to)}</span></td>
                <td>{humanize(t.reason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted inline-empty">No transitions in this range.</p>
      )}
      {hidden > 0 && <p className="muted">{hidden} older transitions in this range are not listed.</p>}
    </section>
  )
}
