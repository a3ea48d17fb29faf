import { describe, expect, it } from 'vitest'
import { decideRecovery, DEFAULT_RECOVERY_POLICY as P, type RecoveryState } from './recovery-policy'

const now = new Date('2026-11-23T12:00:00Z')
const req = (over: Partial<RecoveryState> = {}): RecoveryState => ({ status: 'requested', userId: 'u1', createdAt: new Date(now.getTime() - 60_000), linkExpiresAt: null, ...over })
const admin = (id = 'a1', approve = true) => ({ kind: 'decide' as const, actorId: id, actorIsAdmin: true, approve })

describe('decideRecovery', () => {
  it.each([
    ['another admin approves', req(), admin(), { ok: true, next: 'approved' }],
    ['another admin denies', req(), admin('a1', false), { ok: true, next: 'denied' }],
    ['the requester approves their own request', req({ userId: 'a1' }), admin('a1'), { ok: false, error: 'forbidden' }],
    ['a non-admin decides', req(), { kind: 'decide', actorId: 'x', actorIsAdmin: false, approve: true }, { ok: false, error: 'forbidden' }],
    ['deciding twice', req({ status: 'approved' }), admin(), { ok: false, error: 'already_active' }],
    ['deciding a stale request', req({ createdAt: new Date(now.getTime() - P.requestTtlMs - 1) }), admin(), { ok: false, error: 'flow_expired', expire: true }],
    ['completing an approved request', req({ status: 'approved', linkExpiresAt: new Date(now.getTime() + 1000) }), { kind: 'complete' }, { ok: true, next: 'completed' }],
    ['completing twice', req({ status: 'completed' }), { kind: 'complete' }, { ok: false, error: 'already_active' }],
    ['completing a denied request', req({ status: 'denied' }), { kind: 'complete' }, { ok: false, error: 'forbidden' }],
    ['completing after the link expired', req({ status: 'approved', linkExpiresAt: now }), { kind: 'complete' }, { ok: false, error: 'flow_expired', expire: true }],
    ['sweep an expired link', req({ status: 'approved', linkExpiresAt: now }), { kind: 'sweep' }, { ok: true, next: 'expired' }],
    ['sweep a live request', req(), { kind: 'sweep' }, { ok: false }],
    ['unknown request', undefined, { kind: 'complete' }, { ok: false, error: 'not_found' }],
  ] as const)('%s', (_n, state, action, expected) => expect(decideRecovery(state, action, now, P)).toMatchObject(expected))
})
