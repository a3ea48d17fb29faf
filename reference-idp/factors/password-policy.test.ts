import { describe, expect, it } from 'vitest'
import { assertNewPassword, checkNewPassword, contextWords, passwordLength } from './password-policy'

const EMAIL = 'alice.smith@example.test'

describe('new-password policy (ASVS 4.0.3 2.1.1, 2.1.2, 2.1.7, 2.1.9; NIST SP 800-63B 5.1.1.2)', () => {
  it.each([
    // [password, rule or ok]
    ['correct horse battery', 'ok'],
    ['zY3kq-8Pwm2-Lr', 'ok'],
    ['Zug fährt um 7 nach Köln', 'ok'], // any Unicode, spaces allowed (2.1.4)
    ['x1Y2z3W4v5U', 'too_short'], // 11
    ['a b  c   d    e     f', 'too_short'], // runs of spaces count once: 11
    ['Qm7'.repeat(43) + 'k', 'too_long'], // 130
    ['password', 'too_short'],
    ['12345678', 'too_short'],
    ['password1234', 'common'],
    ['Password2024!', 'common'], // decoration around a listed password
    ['qwertyuiop123', 'common'],
    ['iloveyou 2024', 'common'],
    ['alice.smith-2024', 'context'], // the e-mail's name part
    ['Smith and sons ltd', 'context'],
    ['my factorwatch pass', 'context'], // the service
    ['aaaaaaaaaaaaaaaa', 'guessable'],
    ['zaq12wsxcde34rfv', 'guessable'], // keyboard walk
    ['abcdefghijklmnop', 'guessable'], // sequence
  ])('%j → %s', (password, expected) => {
    const v = checkNewPassword(password, { email: EMAIL })
    expect(v.ok ? 'ok' : v.rule).toBe(expected)
  })

  it('counts characters, not UTF-16 units, after collapsing space runs', () => {
    expect(passwordLength('😀'.repeat(12))).toBe(12)
    expect(passwordLength('a  b')).toBe(3)
    // 128 emoji are 256 UTF-16 units but 128 characters: refused as a repeat, not as too long.
    expect(checkNewPassword('😀'.repeat(128))).toMatchObject({ ok: false, rule: 'guessable' })
  })

  it('accepts exactly 12 and 128 characters', () => {
    expect(checkNewPassword('kq7 Lmz9 wRt').ok).toBe(true)
    const long = Array.from({ length: 16 }, (_, i) => `w${i}Rq-z7K`).join('').slice(0, 128)
    expect(long).toHaveLength(128)
    expect(checkNewPassword(long).ok).toBe(true)
  })

  it('takes context words from the e-mail address, never short fragments', () => {
    expect(contextWords('jo.smith+mfa@corp.example')).toEqual(expect.arrayContaining(['factorwatch', 'jo.smith+mfa@corp.example', 'jo.smith+mfa', 'smith', 'corp']))
    expect(contextWords('jo.smith+mfa@corp.example')).not.toContain('jo')
  })

  it('the shell form is a 400 naming the field and the rule', () => {
    expect(() => assertNewPassword('password1234', 'new_password', EMAIL)).toThrow(/^new_password: is on a list of common or breached passwords/)
    try {
      assertNewPassword('short one', 'password')
    } catch (e) {
      expect(e).toMatchObject({ code: 'bad_request', status: 400, details: { field: 'password', rule: 'too_short' } })
      expect((e as Error).message).toBe('password: must be at least 12 characters (runs of spaces count as one); got 9')
    }
  })
})
