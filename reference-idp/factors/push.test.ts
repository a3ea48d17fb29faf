import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decidePushResponse, decidePushSend, DEFAULT_PUSH_POLICY as P, newMatchNumber, parseDevicePublicKey, pushSigningInput,
  verifyPushSignature, type PushHistoryItem,
} from './push'

const now = new Date('2026-11-23T10:00:00Z')
const ago = (ms: number) => new Date(now.getTime() - ms)
const MIN = 60_000

/** A push sent `msAgo`, with its 60 s TTL, answered (or not) as given. */
const sent = (msAgo: number, answer: Partial<PushHistoryItem> = {}): PushHistoryItem => ({
  sentAt: ago(msAgo), expiresAt: ago(msAgo - P.ttlMs), respondedAt: null, decision: null, closedReason: null, ...answer,
})
const approved = (msAgo: number) => sent(msAgo, { respondedAt: ago(msAgo - 5000), decision: 'approved', closedReason: 'ok' })
const denied = (msAgo: number) => sent(msAgo, { respondedAt: ago(msAgo - 5000), decision: 'denied', closedReason: 'user_denied' })
const mismatched = (msAgo: number) => sent(msAgo, { respondedAt: ago(msAgo - 5000), closedReason: 'number_mismatch' })
const ignored = (msAgo: number) => sent(msAgo, { closedReason: 'no_response' })
const cancelled = (msAgo: number) => sent(msAgo, { closedReason: 'cancelled' }) // the sign-in finished with a code

describe('decidePushSend', () => {
  it.each([
    ['first push', [], { ok: true }],
    ['one outstanding (sent 20 s ago)', [sent(20_000)], { ok: false, reason: 'outstanding', retryAfterSeconds: 40 }],
    ['the last one answered', [approved(20_000)], { ok: true }],
    ['the last one expired unanswered, not yet swept', [sent(2 * MIN)], { ok: true }],
    ['four approved in the hour', [approved(50 * MIN), approved(40 * MIN), approved(30 * MIN), approved(20 * MIN)], { ok: true }],
    ['five in the hour: the sixth waits for the oldest to leave', [approved(50 * MIN), approved(40 * MIN), approved(30 * MIN), approved(20 * MIN), approved(MIN)], { ok: false, reason: 'hourly_quota', retryAfterSeconds: 600 }],
    ['five, but the oldest is 61 minutes old', [approved(61 * MIN), approved(40 * MIN), approved(30 * MIN), approved(20 * MIN), approved(MIN)], { ok: true }],
    ['two denied in 10 minutes', [denied(5 * MIN), denied(2 * MIN)], { ok: true }],
    ['three denied in 10 minutes: bombing', [denied(8 * MIN), denied(5 * MIN), denied(2 * MIN)], { ok: false, reason: 'push_bombing', retryAfterSeconds: 900 }],
    ['denied, ignored, mismatched: bombing', [denied(8 * MIN), ignored(5 * MIN), mismatched(2 * MIN)], { ok: false, reason: 'push_bombing' }],
    ['ignored but never swept still counts', [sent(8 * MIN), sent(5 * MIN), sent(2 * MIN)], { ok: false, reason: 'push_bombing' }],
    ['three withdrawn (finished with a code instead) are not bombing', [cancelled(8 * MIN), cancelled(5 * MIN), cancelled(2 * MIN)], { ok: true }],
    ['a withdrawn push is not outstanding', [cancelled(10_000)], { ok: true }],
    ['test pushes of phones being added count neither toward the hour nor as bombing', [approved(50 * MIN), approved(40 * MIN), approved(30 * MIN), approved(20 * MIN), { ...sent(8 * MIN), enrollment: true }, { ...sent(5 * MIN), enrollment: true }, { ...sent(2 * MIN), enrollment: true }], { ok: true }],
    ['an unanswered test push is still outstanding', [{ ...sent(10_000), enrollment: true }], { ok: false, reason: 'outstanding' }],
    ['three denied, the oldest 11 minutes ago', [denied(11 * MIN), denied(5 * MIN), denied(2 * MIN)], { ok: true }],
    ['bombing is judged before an outstanding push', [denied(8 * MIN), denied(5 * MIN), denied(2 * MIN), sent(10_000)], { ok: false, reason: 'push_bombing' }],
  ])('%s', (_n, history, expected) => expect(decidePushSend(history as PushHistoryItem[], now, P)).toMatchObject(expected))
})

describe('decidePushResponse', () => {
  const open = { number: 42, expiresAt: new Date(now.getTime() + 30_000), respondedAt: null, closedReason: null }
  it.each([
    ['right number, approve', open, { number: 42, decision: 'approved' }, 'approved'],
    ['wrong number, approve', open, { number: 24, decision: 'approved' }, 'number_mismatch'],
    ['deny needs no number', open, { number: 0, decision: 'denied' }, 'denied'],
    ['fraud report needs no number', open, { number: 0, decision: 'fraud' }, 'fraud'],
    ['60 s passed', { ...open, expiresAt: now }, { number: 42, decision: 'approved' }, 'expired'],
    ['a deny after expiry is expired too', { ...open, expiresAt: ago(1) }, { number: 0, decision: 'denied' }, 'expired'],
    ['answered already', { ...open, respondedAt: ago(1000) }, { number: 42, decision: 'approved' }, 'replayed'],
    ['closed as expired by the sweeper', { ...open, closedReason: 'no_response' }, { number: 42, decision: 'approved' }, 'replayed'],
  ] as const)('%s', (_n, c, r, expected) => expect(decidePushResponse(c, r, now)).toBe(expected))
})

describe('device signatures', () => {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = (k: typeof device) => k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
  const id = '6f1c2a8e-4d1b-4a43-9a55-6c1f3b0f9e21'
  const signed = (k: typeof device, number: number, decision: 'approved' | 'denied' | 'fraud', enc: 'der' | 'ieee-p1363' = 'der') =>
    sign('sha256', pushSigningInput(id, number, decision), { key: k.privateKey, dsaEncoding: enc }).toString('base64url')

  it.each([
    ['its own key, as signed', signed(device, 42, 'approved'), 42, 'approved', true],
    ['another device key', signed(other, 42, 'approved'), 42, 'approved', false],
    ['signed a deny, sent as approve', signed(device, 42, 'denied'), 42, 'approved', false],
    ['signed another number', signed(device, 41, 'approved'), 42, 'approved', false],
    ['raw r‖s instead of DER', signed(device, 42, 'approved', 'ieee-p1363'), 42, 'approved', false],
    ['garbage', 'bm90LWEtc2lnbmF0dXJl', 42, 'approved', false],
  ] as const)('%s', (_n, sig, number, decision, ok) => expect(verifyPushSignature(spki(device), id, number, decision, sig)).toBe(ok))

  it('takes only P-256 SPKI keys', () => {
    expect(parseDevicePublicKey(spki(device)).ok).toBe(true)
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
    expect(parseDevicePublicKey(p384)).toEqual({ ok: false, reason: 'expected an EC P-256 key, got ec secp384r1' })
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
    expect(parseDevicePublicKey(ed)).toMatchObject({ ok: false })
    expect(parseDevicePublicKey('not base64 der')).toEqual({ ok: false, reason: 'not a DER SubjectPublicKeyInfo in base64' })
  })

  it('match numbers are two digits without a leading zero', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(newMatchNumber())
    expect(Math.min(...seen)).toBe(10)
    expect(Math.max(...seen)).toBe(99)
  })
})
