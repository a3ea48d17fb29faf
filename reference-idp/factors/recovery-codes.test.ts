import { describe, expect, it } from 'vitest'
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes'

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

  it('hashes are per user', () => {
    expect(hashRecoveryCode('u1', 'k7m2q-xt9ab')).not.toBe(hashRecoveryCode('u2', 'k7m2q-xt9ab'))
    expect(hashRecoveryCode('u1', 'k7m2q-xt9ab')).toMatch(/^[0-9a-f]{64}$/)
  })
})
