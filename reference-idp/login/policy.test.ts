import { describe, expect, it } from 'vitest'
import { decideAttempt, DEFAULT_FLOW_POLICY as P, isLocked, userLockUntil, type FlowSnapshot } from './policy'

const now = new Date('2026-11-23T10:00:00Z')
const open = (attempts = 0, ageMs = 10_000): FlowSnapshot => ({ state: 'challenged', attempts, issuedAt: new Date(now.getTime() - ageMs) })
const wrong = { ok: false, reason: 'invalid_code' } as const
const replay = { ok: false, reason: 'code_replayed' } as const

describe('decideAttempt', () => {
  it.each([
    ['right code on an open flow', open(), { ok: true } as const, { kind: 'success', outcome: 'success', reason: 'ok' }],
    ['first wrong code', open(0), wrong, { kind: 'retry', outcome: 'failure', reason: 'invalid_code', attemptsLeft: 4 }],
    ['fourth wrong code', open(3), wrong, { kind: 'retry', attemptsLeft: 1 }],
    ['replayed code counts as an attempt', open(1), replay, { kind: 'retry', outcome: 'replayed', reason: 'code_replayed', attemptsLeft: 3 }],
    ['fifth wrong code locks', open(4), wrong, { kind: 'lock', outcome: 'failure', lockedUntil: new Date(now.getTime() + P.lockoutMs) }],
    ['right code after the TTL', open(0, P.flowTtlMs + 1), { ok: true } as const, { kind: 'expired', outcome: 'expired', reason: 'code_expired' }],
    ['any code on a locked flow', { ...open(5), state: 'locked' } as FlowSnapshot, { ok: true } as const, { kind: 'closed', error: 'locked_out', outcome: 'locked_out' }],
    ['a completed flow cannot be reused', { ...open(), state: 'completed' } as FlowSnapshot, { ok: true } as const, { kind: 'closed', error: 'flow_expired' }],
    ['unknown flow', undefined, { ok: true } as const, { kind: 'closed', error: 'flow_not_found' }],
  ])('%s', (_name, flow, check, expected) => {
    expect(decideAttempt(flow, check, now, P)).toMatchObject(expected)
  })

  it('a smaller maxAttempts locks sooner', () => {
    expect(decideAttempt(open(1), wrong, now, { ...P, maxAttempts: 2 }).kind).toBe('lock')
  })
})

describe('isLocked', () => {
  it.each([
    [null, false],
    [new Date(now.getTime() + 1), true],
    [new Date(now.getTime()), false],
    [new Date(now.getTime() - 60_000), false],
  ])('locked until %s → %s', (until, expected) => expect(isLocked(until, now)).toBe(expected))
})

describe('userLockUntil', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  it.each([
    [0, undefined],
    [P.maxUserFailures - 1, undefined],
    [P.maxUserFailures, now.getTime() + P.lockoutMs],
    [P.maxUserFailures + 7, now.getTime() + P.lockoutMs],
  ])('%i wrong codes across flows → lock until %s', (n, until) => {
    expect(userLockUntil(n, now, P)?.getTime()).toBe(until)
  })
})
