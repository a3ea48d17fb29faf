import type { Circuit, CircuitState } from './subprocessors-api'

export interface CircuitSegment { from: number; to: number; state: CircuitState }

/**
 * The circuit's state over [from, to) as consecutive segments: the state before the first
 * transition in the window (its `from`), then each transition's target. Nothing when the vendor
 * never reported a circuit change.
 */
export function circuitSegments(c: Circuit, from: number, to: number): CircuitSegment[] {
  if (c.state === null) return []
  const states = new Set<string>(['closed', 'open', 'half_open'])
  const asState = (s: string, fallback: CircuitState): CircuitState => (states.has(s) ? (s as CircuitState) : fallback)
  const moves = c.transitions.map((t) => ({ at: Date.parse(t.ts), from: t.from, to: t.to })).filter((t) => t.at >= from && t.at < to)
  let state: CircuitState = moves.length ? asState(moves[0].from, 'closed') : c.state
  let start = from
  const out: CircuitSegment[] = []
  for (const m of moves) {
    if (m.at > start) out.push({ from: start, to: m.at, state })
    state = asState(m.to, state)
    start = m.at
  }
  if (to > start) out.push({ from: start, to, state })
  // Neighbours in the same state (a repeated report) read as one.
  return out.reduce<CircuitSegment[]>((acc, s) => {
    const last = acc.at(-1)
    if (last && last.state === s.state && last.to === s.from) last.to = s.to
    else acc.push({ ...s })
    return acc
  }, [])
}
