import { describe, expect, it } from 'vitest'
import { EnrollOobInput } from '../http/inputs'
import { seededRand } from '../simulator/random'
import { deviceKind, mistypeCode, phoneFor, pickFreshCode, remember, type DeviceMessage } from './oob'

describe('phoneFor', () => {
  it('is +49151 and 8 digits, accepted by the IdP as E.164', () => {
    for (const [seed, i] of [[1, 0], [3, 39], [-7, 99_999], [2 ** 32 - 1, 5]]) {
      const phone = phoneFor(seed, i)
      expect(phone).toMatch(/^\+49151\d{8}$/)
      expect(EnrollOobInput.safeParse({ channel: 'sms', address: phone }).success).toBe(true)
    }
  })

  it('is the same for the same seed and user, different across seeds', () => {
    expect(phoneFor(3, 17)).toBe(phoneFor(3, 17))
    expect(phoneFor(3, 17)).not.toBe(phoneFor(4, 17))
    const a = Array.from({ length: 50 }, (_, i) => phoneFor(1, i))
    const b = Array.from({ length: 50 }, (_, i) => phoneFor(2, i))
    expect(a.filter((p) => b.includes(p)).length).toBeLessThan(2)
  })

  it('never gives two users of one run the same number', () => {
    const phones = new Set(Array.from({ length: 100_000 }, (_, i) => phoneFor(9, i)))
    expect(phones.size).toBe(100_000)
  })
})

describe('pickFreshCode', () => {
  const T = Date.parse('2025-06-01T12:00:00.000Z')
  const msg = (id: string, atMs: number, code: string | null = '123456'): DeviceMessage => ({ id, code, receivedAt: new Date(atMs).toISOString() })

  it('takes the newest message that arrived after the send was asked for', () => {
    const list = [msg('old', T - 60_000, '111111'), msg('new', T + 3_000, '222222'), msg('newer', T + 4_000, '333333')]
    expect(pickFreshCode(list, T)?.code).toBe('333333')
    expect(pickFreshCode([...list].reverse(), T)?.id).toBe('newer') // order of the list does not matter
  })

  it('skips messages from before the send (an earlier login, an earlier run with the same number)', () => {
    expect(pickFreshCode([msg('old', T - 6 * 60_000), msg('older', T - 20 * 60_000)], T)).toBeNull()
    expect(pickFreshCode([], T)).toBeNull()
  })

  it('allows a little clock skew, far less than the 30-s resend cooldown', () => {
    expect(pickFreshCode([msg('a', T - 1_500)], T)?.id).toBe('a')
    expect(pickFreshCode([msg('a', T - 2_500)], T)).toBeNull()
    expect(pickFreshCode([msg('a', T - 2_500)], T, new Set(), 5_000)?.id).toBe('a')
  })

  it('skips used ids, messages without a code and unreadable times', () => {
    const list = [msg('used', T + 5_000, '999999'), msg('nocode', T + 4_000, null), { id: 'bad', code: '555555', receivedAt: 'soon' }, msg('ok', T + 1_000, '444444')]
    expect(pickFreshCode(list, T, new Set(['used']))?.id).toBe('ok')
    expect(pickFreshCode(list, T, new Set(['used', 'ok']))).toBeNull()
  })
})

describe('mistypeCode', () => {
  it('changes exactly one digit, keeps the length, never returns the code', () => {
    const rand = seededRand(5)
    for (const code of ['000000', '123456', '999999', '90210587']) {
      for (let i = 0; i < 300; i++) {
        const typo = mistypeCode(code, rand)
        expect(typo).toMatch(/^\d+$/)
        expect(typo).toHaveLength(code.length)
        expect([...typo].filter((c, j) => c !== code[j])).toHaveLength(1)
      }
    }
    expect(mistypeCode('123456', () => 0.999999)).not.toBe('123456')
  })
})

describe('devices and used ids', () => {
  it('SMS and voice go to the phone, e-mail to the mailbox', () => {
    expect([deviceKind('sms'), deviceKind('voice'), deviceKind('email')]).toEqual(['phone', 'phone', 'mailbox'])
  })

  it('remembers a bounded number of ids, dropping the oldest', () => {
    const used = new Set<string>()
    for (let i = 0; i < 5; i++) remember(used, `m${i}`, 3)
    expect([...used]).toEqual(['m2', 'm3', 'm4'])
    remember(used, 'm2', 3)
    expect([...used]).toEqual(['m3', 'm4', 'm2'])
  })
})
