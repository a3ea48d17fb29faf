import { describe, expect, it } from 'vitest'
import { CookieJar } from './client'
import { effectiveKind, UserPool, type SimUser } from './users'

const T = 1_700_000_010_000
const NOW = Math.floor(T / 30_000)
const KEY = { secret: Buffer.from('12345678901234567890'), algorithm: 'sha1' as const, digits: 6, periodSeconds: 30 }

function user(index: number, over: Partial<SimUser> = {}): SimUser {
  return {
    index,
    email: `u${index}@example.test`,
    password: 'pw-123456',
    profile: { group: 'workforce', country: 'DE', client: 'web', totp: true },
    jar: new CookieJar(),
    key: KEY,
    lastStep: null,
    busy: false,
    notBefore: 0,
    ...over,
  }
}

describe('UserPool.acquire', () => {
  it('scans from the picked position and never hands out a busy user', () => {
    const pool = new UserPool([user(0), user(1), user(2), user(3)])
    expect(pool.acquire('normal', 0.5, T)?.index).toBe(2)
    expect(pool.acquire('normal', 0.5, T)?.index).toBe(3)
    expect(pool.acquire('normal', 0.5, T)?.index).toBe(0)
    expect(pool.acquire('normal', 0.5, T)?.index).toBe(1)
    expect(pool.acquire('normal', 0.5, T)).toBeUndefined()
    pool.release(pool.users[3])
    expect(pool.acquire('normal', 0, T)?.index).toBe(3)
  })

  it('skips users whose current and next steps are both used, and backed-off users', () => {
    const pool = new UserPool([user(0, { lastStep: NOW + 1 }), user(1, { notBefore: T + 1 }), user(2, { lastStep: NOW })])
    expect(pool.acquire('normal', 0, T)?.index).toBe(2)
    expect(pool.acquire('normal', 0, T)).toBeUndefined()
  })

  it('code-step scenarios want a TOTP user with an unused step; none → skipped, not shifted', () => {
    const pool = new UserPool([user(0, { key: null }), user(1, { lastStep: NOW + 1 }), user(2)])
    expect(pool.acquire('abandon', 0, T)?.index).toBe(2)
    expect(pool.acquire('brute_force', 0, T)).toBeUndefined()
    expect(pool.acquire('totp_typo', 0, T)).toBeUndefined()
    expect(pool.acquire('normal', 0, T)?.index).toBe(0)
  })

  it('a pool without any TOTP user still runs every kind (as plain logins)', () => {
    const pool = new UserPool([user(0, { key: null })])
    expect(pool.acquire('brute_force', 0.7, T)?.index).toBe(0)
  })

  it('password-only users are paced like TOTP users (a step per login they start)', () => {
    const pool = new UserPool([user(0, { lastStep: NOW + 1 }), user(1, { key: null })])
    const pw = pool.users[1]
    for (const expected of [NOW, NOW + 1]) {
      expect(pool.acquire('password_typo', 0.5, T)?.index).toBe(1)
      expect(pw.lastStep).toBe(expected)
      pool.release(pw)
    }
    expect(pool.acquire('password_typo', 0.5, T)).toBeUndefined()
    expect(pool.acquire('normal', 0.5, (NOW + 1) * 30_000)?.index).toBe(1)
    expect(pool.totpCount).toBe(1)
  })

  it('keeps the users\' mix: exhausted TOTP users are not replaced by password-only ones', () => {
    const pool = new UserPool([user(0, { lastStep: NOW + 1 }), user(1, { lastStep: NOW + 1 }), user(2, { key: null })])
    expect(pool.acquire('normal', 0, T)).toBeUndefined()
    expect(pool.acquire('password_typo', 0.4, T)).toBeUndefined()
    expect(pool.acquire('normal', 0.9, T)?.index).toBe(2)
  })

  it('empty pool', () => {
    expect(new UserPool([]).acquire('normal', 0.3, T)).toBeUndefined()
  })
})

describe('effectiveKind', () => {
  it('turns code-step scenarios into a plain login for password-only users', () => {
    expect(effectiveKind('totp_typo', { key: null })).toBe('normal')
    expect(effectiveKind('abandon', { key: null })).toBe('normal')
    expect(effectiveKind('brute_force', { key: null })).toBe('normal')
    expect(effectiveKind('password_typo', { key: null })).toBe('password_typo')
    expect(effectiveKind('abandon', { key: KEY })).toBe('abandon')
  })
})
