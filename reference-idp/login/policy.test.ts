import { describe, expect, it } from 'vitest'
import { codeGate, decideAttempt, DEFAULT_FLOW_POLICY as P, isLocked, lockAfterWrongCode, type FlowSnapshot, type GuessLocks } from './policy'

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

describe('codeGate: the owner\'s known devices are not locked by guessing from unknown ones', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const later = new Date(now.getTime() + 600_000)
  const earlier = new Date(now.getTime() - 1)
  const none: GuessLocks = { lockedUntil: null, unknownLockedUntil: null, unknownCapped: false }
  it.each([
    ['no locks, unknown device', none, false, { ok: true }],
    ['unknown-device lock, unknown device', { ...none, unknownLockedUntil: later }, false, { ok: false, reason: 'locked_out', until: later }],
    ['unknown-device lock, known device', { ...none, unknownLockedUntil: later }, true, { ok: true }],
    ['unknown-device lock over, unknown device', { ...none, unknownLockedUntil: earlier }, false, { ok: true }],
    ['daily cap, unknown device', { ...none, unknownCapped: true }, false, { ok: false, reason: 'daily_cap' }],
    ['daily cap, known device', { ...none, unknownCapped: true }, true, { ok: true }],
    ['account lock (known-device guessing), known device', { ...none, lockedUntil: later }, true, { ok: false, reason: 'locked_out', until: later }],
    ['account lock, unknown device', { ...none, lockedUntil: later }, false, { ok: false, reason: 'locked_out', until: later }],
  ])('%s', (_name, locks, known, expected) => {
    expect(codeGate(locks, known, now)).toEqual(expected)
  })
})

describe('lockAfterWrongCode', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const until = new Date(now.getTime() + P.lockoutMs)
  const c = { knownDevice: false, recent: 1, unknownToday: 1, flowLocked: false }
  it.each([
    ['a first wrong code', c, undefined],
    ['an unknown device uses up a flow', { ...c, flowLocked: true }, { scope: 'unknown_devices', until }],
    ['unknown devices across flows reach the account limit', { ...c, recent: P.maxUserFailures }, { scope: 'unknown_devices', until }],
    ['the 20th wrong code from unknown devices today', { ...c, recent: 2, unknownToday: P.maxDailyUnknownFailures }, { scope: 'unknown_devices_cap' }],
    ['the cap wins over a flow lock', { ...c, flowLocked: true, unknownToday: P.maxDailyUnknownFailures + 3 }, { scope: 'unknown_devices_cap' }],
    ['a known device uses up a flow: the account locks', { ...c, knownDevice: true, flowLocked: true }, { scope: 'account', until }],
    ['known devices across flows reach the account limit', { ...c, knownDevice: true, recent: P.maxUserFailures }, { scope: 'account', until }],
    ['unknown devices\' daily count does not cap a known device', { ...c, knownDevice: true, unknownToday: 50 }, undefined],
  ])('%s', (_name, counts, expected) => {
    expect(lockAfterWrongCode(counts, now, P)).toEqual(expected)
  })
})
