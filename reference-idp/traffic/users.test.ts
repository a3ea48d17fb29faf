import { describe, expect, it } from 'vitest'
import { CookieJar } from './client'
import { newPushDevice, PUSH_LOGIN_EVERY_MS } from './push'
import { softAuthenticator } from './soft-authenticator'
import { effectiveKind, userClass, UserPool, type OobUser, type PushUser, type SimUser } from './users'

const T = 1_700_000_010_000
const NOW = Math.floor(T / 30_000)
const KEY = { secret: Buffer.from('12345678901234567890'), algorithm: 'sha1' as const, digits: 6, periodSeconds: 30 }

const sms = (over: Partial<OobUser> = {}): OobUser => ({ channel: 'sms', address: '+4915100000001', used: new Set(), lastLoginAt: null, sends: [], ...over })
const DEVICE = newPushDevice('ios')
const phone = (over: Partial<PushUser> = {}): PushUser => ({ device: DEVICE, lastLoginAt: null, seen: new Set(), noticed: new Map(), pending: null, watchUntil: 0, ...over })
const passkey = () => ({ auth: softAuthenticator(), origin: 'http://localhost:8080' })

function user(index: number, over: Partial<SimUser> = {}): SimUser {
  return {
    index,
    email: `u${index}@example.test`,
    password: 'pw-123456',
    profile: { group: 'workforce', country: 'DE', client: 'web', second: 'totp' },
    jar: new CookieJar(),
    key: KEY,
    oob: null,
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

  it('SMS / voice users: a login per 6 min, not within 30 s of their last code; the start is recorded', () => {
    const pool = new UserPool([user(0, { key: null, oob: sms({ sends: [T - 10_000] }) }), user(1, { key: null, oob: sms() })])
    const [a, b] = pool.users
    expect(pool.acquire('normal', 0, T)).toBe(b) // a's enrollment code is 10 s old: cooldown
    expect(b.oob!.lastLoginAt).toBe(T)
    pool.release(b)
    expect(pool.acquire('normal', 0.6, T + 5 * 60_000)).toBe(a)
    pool.release(a)
    expect(pool.acquire('normal', 0.6, T + 5 * 60_000)).toBeUndefined() // b: last login 5 min ago; a: just now
    expect(pool.acquire('normal', 0.6, T + 6 * 60_000)).toBe(b)
  })

  it('three classes: a pick keeps its class; a code-step kind on a password-only pick takes the next second-factor user\'s class', () => {
    const pool = new UserPool([user(0, { key: null }), user(1, { key: null, oob: sms({ lastLoginAt: T }) }), user(2), user(3, { key: null, oob: sms() })])
    expect(pool.acquire('abandon', 0, T)?.index).toBe(3) // class of user 1 (SMS); user 1 is paced
    pool.release(pool.users[3])
    expect(pool.acquire('normal', 0.3, T)?.index).toBeUndefined() // SMS class: 1 paced, 3 just logged in
    expect(pool.acquire('normal', 0.6, T)?.index).toBe(2)
    expect(pool.acquire('totp_typo', 0, T + 10 * 60_000)?.index).toBe(1)
    expect(pool.acquire('normal', 0, T)?.index).toBe(0)
  })

  it('empty pool', () => {
    expect(new UserPool([]).acquire('normal', 0.3, T)).toBeUndefined()
  })
})

describe('UserPool.acquireWhere (lost devices)', () => {
  const withCodes = (u: SimUser) => (u.recovery?.codes.length ?? 0) > 0
  it('takes a free, eligible TOTP user holding codes, scanning from the pick', () => {
    const codes = { wanted: true, codes: ['aaaaa-aaaaa'] }
    const users = [user(0, { recovery: { ...codes } }), user(1), user(2, { recovery: { wanted: true, codes: [] } }), user(3, { recovery: { ...codes } })]
    const pool = new UserPool(users)
    expect(pool.acquireWhere(0.5, T, withCodes)?.index).toBe(3)
    expect(pool.acquireWhere(0.5, T, withCodes)?.index).toBe(0) // 3 is busy now: wraps around
    expect(pool.acquireWhere(0.5, T, withCodes)).toBeUndefined()
    expect(users[1].busy || users[2].busy).toBe(false)
    pool.release(users[3])
    users[3].lastStep = NOW + 1 // no unused step in reach: not eligible, like any TOTP login
    expect(pool.acquireWhere(0, T, withCodes)).toBeUndefined()
    expect(users[3].lastStep).toBe(NOW + 1) // a recovery-code login spends no TOTP step
  })

  it('never an SMS / voice or password-only user', () => {
    const codes = { wanted: true, codes: ['aaaaa-aaaaa'] }
    const pool = new UserPool([user(0, { key: null, oob: sms(), recovery: codes }), user(1, { key: null, recovery: codes })])
    expect(pool.acquireWhere(0, T, withCodes)).toBeUndefined()
  })
})

describe('push and passkey users', () => {
  it('are classes of their own (a push user has TOTP too, yet is no TOTP user)', () => {
    expect(userClass(user(0, { push: phone() }))).toBe('push')
    expect(userClass(user(0, { key: null, passkey: passkey() }))).toBe('passkey')
    expect(userClass(user(0))).toBe('totp')
    expect(new UserPool([user(0, { push: phone() }), user(1)]).totpCount).toBe(1)
  })

  it('push users: a login per 15 min, the start recorded; their class is kept', () => {
    const pool = new UserPool([user(0, { push: phone({ lastLoginAt: T - 60_000 }) }), user(1, { push: phone() }), user(2)])
    const [a, b] = pool.users
    expect(pool.acquire('normal', 0, T)).toBe(b)
    expect(b.push!.lastLoginAt).toBe(T)
    pool.release(b)
    expect(pool.acquire('normal', 0, T)).toBeUndefined() // both paced: not shifted to the TOTP user
    expect(pool.acquire('normal', 0, T - 60_000 + PUSH_LOGIN_EVERY_MS)).toBe(a)
  })

  it('passkey users are paced like password-only users (a step per login they start)', () => {
    const pool = new UserPool([user(0, { key: null, passkey: passkey() })])
    const [p] = pool.users
    for (const expected of [NOW, NOW + 1]) {
      expect(pool.acquire('normal', 0, T)).toBe(p)
      expect(p.lastStep).toBe(expected)
      pool.release(p)
    }
    expect(pool.acquire('normal', 0, T)).toBeUndefined()
  })

  it('lost devices are never push users’ (the recovery codes are TOTP users’)', () => {
    const codes = { wanted: true, codes: ['aaaaa-aaaaa'] }
    const pool = new UserPool([user(0, { push: phone(), recovery: codes })])
    expect(pool.acquireWhere(0, T, (u) => (u.recovery?.codes.length ?? 0) > 0)).toBeUndefined()
  })

  it.each([
    ['totp_typo', 'normal', 'totp_typo'],
    ['abandon', 'abandon', 'abandon'],
    ['brute_force', 'normal', 'normal'],
    ['lost_device', 'normal', 'normal'],
    ['password_typo', 'password_typo', 'password_typo'],
  ] as const)('effectiveKind %s: passkey user → %s, push user → %s', (kind, forPasskey, forPush) => {
    expect(effectiveKind(kind, { key: null, oob: null, passkey: passkey() })).toBe(forPasskey)
    expect(effectiveKind(kind, { key: KEY, oob: null, push: phone() })).toBe(forPush)
  })
})

describe('effectiveKind', () => {
  it('turns code-step scenarios into a plain login for password-only users', () => {
    const none = { key: null, oob: null }
    expect(effectiveKind('totp_typo', none)).toBe('normal')
    expect(effectiveKind('abandon', none)).toBe('normal')
    expect(effectiveKind('brute_force', none)).toBe('normal')
    expect(effectiveKind('password_typo', none)).toBe('password_typo')
    expect(effectiveKind('abandon', { key: KEY, oob: null })).toBe('abandon')
    expect(effectiveKind('totp_typo', { key: null, oob: sms() })).toBe('totp_typo')
  })
})
