import { describe, expect, it } from 'vitest'
import { addressHint, decideOobCheck, decideSend, DEFAULT_OOB_POLICY as P, newOobCode } from './oob'

const now = new Date('2026-11-23T10:00:00Z')
const ago = (ms: number) => new Date(now.getTime() - ms)

describe('decideSend', () => {
  it.each([
    ['first send', { lastSentAt: null, sentByUserLastHour: 0, sentToAddressLastHour: 0 }, { ok: true }],
    ['resend inside the cooldown', { lastSentAt: ago(10_000), sentByUserLastHour: 1, sentToAddressLastHour: 1 }, { ok: false, reason: 'cooldown', retryAfterSeconds: 20 }],
    ['resend after the cooldown', { lastSentAt: ago(30_000), sentByUserLastHour: 1, sentToAddressLastHour: 1 }, { ok: true }],
    ['user quota spent', { lastSentAt: ago(60_000), sentByUserLastHour: 10, sentToAddressLastHour: 3 }, { ok: false, reason: 'user_quota' }],
    ['address quota spent (many accounts, one number)', { lastSentAt: null, sentByUserLastHour: 0, sentToAddressLastHour: 10 }, { ok: false, reason: 'address_quota' }],
  ])('%s', (_n, h, expected) => expect(decideSend(h, now, P)).toMatchObject(expected))
})

describe('decideOobCheck', () => {
  const fresh = { expiresAt: new Date(now.getTime() + 60_000), attempts: 0, usedAt: null }
  it.each([
    ['right code', fresh, true, { ok: true }],
    ['wrong code', fresh, false, { ok: false, reason: 'invalid_code' }],
    ['no code sent', undefined, true, { ok: false, reason: 'invalid_code' }],
    ['expired (5 minutes)', { ...fresh, expiresAt: now }, true, { ok: false, reason: 'code_expired' }],
    ['used once already', { ...fresh, usedAt: ago(1000) }, true, { ok: false, reason: 'code_replayed' }],
    ['sixth try on one code', { ...fresh, attempts: 5 }, true, { ok: false, reason: 'too_many_attempts' }],
  ])('%s', (_n, code, matches, expected) => expect(decideOobCheck(code, matches, now, P)).toEqual(expected))
})

describe('codes and hints', () => {
  it('codes are six digits', () => {
    for (let i = 0; i < 200; i++) expect(newOobCode()).toMatch(/^\d{6}$/)
  })
  it('hints hide the address', () => {
    expect(addressHint('sms', '+4915112345678')).toBe('•••• 78')
    expect(addressHint('email', 'alice@example.test')).toBe('a•••@example.test')
  })
})
