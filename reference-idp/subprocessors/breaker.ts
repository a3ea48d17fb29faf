import type { CircuitState, ReasonOf } from '../../contract'

/**
 * Circuit breaker per vendor, as a pure state machine: closed → open when the failure ratio in
 * a sliding window reaches the threshold (with enough requests to judge); open → half-open
 * after `openSeconds`; half-open lets `halfOpenProbes` calls through, and closes when they all
 * succeed or re-opens on the first failure. Thresholds come from the registry.
 */
export interface BreakerConfig { failureRatio: number; minimumRequests: number; openSeconds: number; halfOpenProbes: number }

export interface BreakerState {
  state: CircuitState
  /** Outcomes in the window, oldest first (closed state only). */
  window: { t: number; ok: boolean }[]
  openedAt: number
  probesStarted: number
  probesSucceeded: number
}

export interface Transition { from: CircuitState; to: CircuitState; reason: ReasonOf<'mfa.circuit.changed'> }

export const WINDOW_MS = 60_000

export const initialBreaker = (): BreakerState => ({ state: 'closed', window: [], openedAt: 0, probesStarted: 0, probesSucceeded: 0 })

const open = (s: BreakerState, now: number, reason: Transition['reason']): { next: BreakerState; transition: Transition } => ({
  next: { state: 'open', window: [], openedAt: now, probesStarted: 0, probesSucceeded: 0 },
  transition: { from: s.state, to: 'open', reason },
})

/** May a call go through now? Moving open → half-open when the cool-down has passed. */
export function admit(s: BreakerState, now: number, cfg: BreakerConfig): { allow: boolean; next: BreakerState; transition?: Transition } {
  if (s.state === 'open') {
    if (now - s.openedAt < cfg.openSeconds * 1000) return { allow: false, next: s }
    const next: BreakerState = { ...s, state: 'half_open', probesStarted: 1, probesSucceeded: 0 }
    return { allow: true, next, transition: { from: 'open', to: 'half_open', reason: 'cooldown_elapsed' } }
  }
  if (s.state === 'half_open') {
    if (s.probesStarted >= cfg.halfOpenProbes) return { allow: false, next: s }
    return { allow: true, next: { ...s, probesStarted: s.probesStarted + 1 } }
  }
  return { allow: true, next: s }
}

/** Record the outcome of a call that was admitted. */
export function record(s: BreakerState, ok: boolean, now: number, cfg: BreakerConfig): { next: BreakerState; transition?: Transition } {
  if (s.state === 'half_open') {
    if (!ok) return open(s, now, 'probe_failed')
    const succeeded = s.probesSucceeded + 1
    if (succeeded >= cfg.halfOpenProbes) return { next: initialBreaker(), transition: { from: 'half_open', to: 'closed', reason: 'probe_succeeded' } }
    return { next: { ...s, probesSucceeded: succeeded } }
  }
  if (s.state === 'open') return { next: s } // a call admitted before the breaker opened
  const window = [...s.window.filter((o) => now - o.t < WINDOW_MS), { t: now, ok }]
  const failures = window.filter((o) => !o.ok).length
  if (window.length >= cfg.minimumRequests && failures / window.length >= cfg.failureRatio) return open(s, now, 'failure_threshold')
  return { next: { ...s, window } }
}
