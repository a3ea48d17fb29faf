import { describe, expect, it } from 'vitest'
import { circuitSegments } from './circuit'

const iso = (ms: number) => new Date(ms).toISOString()
const none = { state: null, since: null, transitionsInWindow: 0, transitions: [] }

describe('circuitSegments', () => {
  it.each([
    ['no reports → nothing', none, []],
    ['open since before the window → one open segment', { ...none, state: 'open' as const, since: iso(-50) }, [{ from: 0, to: 100, state: 'open' }]],
    [
      'opened, probed, closed',
      {
        ...none, state: 'closed' as const, since: iso(80), transitionsInWindow: 3,
        transitions: [
          { ts: iso(20), from: 'closed', to: 'open', reason: 'failure_threshold' },
          { ts: iso(50), from: 'open', to: 'half_open', reason: 'cooldown_elapsed' },
          { ts: iso(80), from: 'half_open', to: 'closed', reason: 'probe_succeeded' },
        ],
      },
      [{ from: 0, to: 20, state: 'closed' }, { from: 20, to: 50, state: 'open' }, { from: 50, to: 80, state: 'half_open' }, { from: 80, to: 100, state: 'closed' }],
    ],
    [
      'a transition at the window start and a repeated report',
      { ...none, state: 'open' as const, since: iso(60), transitions: [{ ts: iso(0), from: 'closed', to: 'open', reason: 'manual' }, { ts: iso(60), from: 'open', to: 'open', reason: 'manual' }] },
      [{ from: 0, to: 100, state: 'open' }],
    ],
  ])('%s', (_name, circuit, expected) => expect(circuitSegments(circuit, 0, 100)).toEqual(expected))
})
