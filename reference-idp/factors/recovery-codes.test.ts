import { describe, expect, it } from 'vitest'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, recoveryCodeMatches } from './recovery-codes'

const KEY = randomBytes(32)
const mac = (purpose: string, value: string) => createHmac('sha256', KEY).update(`${purpose}\0${value}`).digest('hex')

describe('recovery codes', () => {
  it('ten distinct codes in xxxxx-xxxxx form that normalize to themselves', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const c of codes) {
      expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/)
      expect(normalizeRecoveryCode(c)).toBe(c)
    }
  })

  it.each([
    ['K7M2Q-XT9AB', 'k7m2q-xt9ab'],
    [' k7m2q xt9ab ', 'k7m2q-xt9ab'],
    ['k7m2qxt9ab', 'k7m2q-xt9ab'],
    ['k7m2q-xt9a', undefined],
    ['k7m2q-xt9a0', undefined], // 0 is not in the alphabet
    ['123456', undefined],
  ])('normalize %j → %j', (input, expected) => expect(normalizeRecoveryCode(input)).toBe(expected))

  it('each code gets its own random salt and a keyed hash (ASVS 2.6.2: < 112 bits needs a >= 32-bit salt)', () => {
    const a = hashRecoveryCode(mac, 'k7m2q-xt9ab')
    const b = hashRecoveryCode(mac, 'k7m2q-xt9ab')
    expect(a).toMatch(/^v2\$[A-Za-z0-9_-]{22}\$[0-9a-f]{64}$/)
    expect(a).not.toBe(b)
    // Not the old unsalted SHA-256 of user:code, nor any unkeyed hash of the code.
    expect(a).not.toContain(createHash('sha256').update('u1:k7m2q-xt9ab').digest('hex'))
    expect(a).not.toContain(createHash('sha256').update('k7m2q-xt9ab').digest('hex'))
  })

  it('matches the right code only, and only under the same server key', () => {
    const h = hashRecoveryCode(mac, 'k7m2q-xt9ab')
    expect(recoveryCodeMatches(h, 'u1', 'k7m2q-xt9ab', mac)).toBe(true)
    expect(recoveryCodeMatches(h, 'u1', 'k7m2q-xt9ac', mac)).toBe(false)
    const otherKey = (p: string, v: string) => createHmac('sha256', randomBytes(32)).update(`${p}\0${v}`).digest('hex')
    expect(recoveryCodeMatches(h, 'u1', 'k7m2q-xt9ab', otherKey)).toBe(false)
  })

  it('codes stored by the older scheme (SHA-256 of user:code) still verify, for their user only', () => {
    const legacy = createHash('sha256').update('u1:k7m2q-xt9ab').digest('hex')
    expect(recoveryCodeMatches(legacy, 'u1', 'k7m2q-xt9ab', mac)).toBe(true)
    expect(recoveryCodeMatches(legacy, 'u2', 'k7m2q-xt9ab', mac)).toBe(false)
    expect(recoveryCodeMatches(legacy, 'u1', 'k7m2q-xt9ac', mac)).toBe(false)
    expect(recoveryCodeMatches('garbage', 'u1', 'k7m2q-xt9ab', mac)).toBe(false)
  })
})
