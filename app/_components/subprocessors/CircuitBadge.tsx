import { formatDateTime } from '../../_lib/format'
import type { Circuit } from '../../_lib/subprocessors-api'

const LABEL = { open: 'open', half_open: 'half-open', closed: 'closed' } as const

/** The circuit breaker's state in front of a vendor: open is an outage the IdP routes around. */
export function CircuitBadge({ circuit, testId }: { circuit: Circuit; testId?: string }) {
  if (circuit.state === null) {
    return (
      <span className="circuit circuit-none" data-testid={testId} title="The IdP reported no circuit change for this vendor: assumed closed">
        no reports
      </span>
    )
  }
  const since = circuit.since ? `since ${formatDateTime(Date.parse(circuit.since))}` : ''
  const moves = circuit.transitionsInWindow ? ` · ${circuit.transitionsInWindow} change${circuit.transitionsInWindow === 1 ? '' : 's'} in range` : ''
  return (
    <span className={`circuit circuit-${circuit.state}`} data-testid={testId} title={`Circuit ${LABEL[circuit.state]} ${since}${moves}`}>
      <span className="circuit-dot" aria-hidden="true" />
      {LABEL[circuit.state]}
    </span>
  )
}

export const circuitLabel = (state: string) => LABEL[state as keyof typeof LABEL] ?? state
