import { describe, expect, it } from 'vitest'
import { decideNotice, noticeText, type NoticeKind } from './notices'
import { unfamiliarSignIn } from './trusted'

describe('decideNotice', () => {
  const now = new Date('2026-12-06T12:00:00Z')
  const ago = (min: number, kind: NoticeKind = 'factor_added') => ({ kind, sentAt: new Date(now.getTime() - min * 60_000) })
  it.each([
    ['first notice', 'totp_replayed', [], { send: true }],
    ['a TOTP replay 59 minutes after the last one', 'totp_replayed', [ago(59, 'totp_replayed')], { send: false, reason: 'same_kind_recently' }],
    ['a TOTP replay 61 minutes after the last one', 'totp_replayed', [ago(61, 'totp_replayed')], { send: true }],
    ['another kind right after a replay notice', 'password_changed', [ago(0, 'totp_replayed')], { send: true }],
    ['factor changes have no per-kind gap', 'factor_added', [ago(1), ago(2)], { send: true }],
    ['the tenth notice within the hour', 'factor_removed', Array.from({ length: 9 }, (_, i) => ago(i)), { send: true }],
    ['the eleventh notice within the hour', 'factor_removed', Array.from({ length: 10 }, (_, i) => ago(i)), { send: false, reason: 'hourly_cap' }],
  ] as const)('%s', (_n, kind, history, expected) => expect(decideNotice(kind, history, now)).toEqual(expected))
})

describe('noticeText', () => {
  it('says what happened, when, and what to do; names the factor kind only', () => {
    const t = noticeText('factor_added', new Date('2026-12-06T12:34:56Z'), { factor: 'totp' })
    expect(t).toContain('an authenticator app')
    expect(t).toContain('2026-12-06 12:34 UTC')
    expect(t).toMatch(/If this was not you, .*change your password/)
    expect(t).not.toMatch(/\b\d{6}\b/) // no code
  })
})

describe('unfamiliarSignIn', () => {
  it.each([
    ['the first sign-in of a new account', 0, 0, 'low', false],
    ['a device the account used before', 5, 2, 'low', false],
    ['a device never used by an account with history', 5, 0, 'low', true],
    ['a known device, but a high-risk sign-in', 5, 2, 'high', true],
  ] as const)('%s', (_n, prior, same, risk, expected) => expect(unfamiliarSignIn(prior, same, risk)).toBe(expected))
})
