import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { assignRecoveryCodes, codesOf, guessCode, hasCode, keepCodes, needsCodes, RECOVERY_CODES_SHARE, takeCode, type RecoveryCodes } from './recovery'

const ok = (body: Record<string, unknown>) => ({ status: 200, body, code: undefined, retryAfterMs: null, ms: 1 })

describe('recovery-code bookkeeping', () => {
  it('about 30% of users want codes, the same users for the same seed', () => {
    const wants = assignRecoveryCodes(5_000, seededRand(1))
    const share = wants.filter(Boolean).length / wants.length
    expect(Math.abs(share - RECOVERY_CODES_SHARE)).toBeLessThan(0.03)
    expect(assignRecoveryCodes(50, seededRand(2))).toEqual(assignRecoveryCodes(50, seededRand(2)))
    expect(assignRecoveryCodes(50, seededRand(3))).not.toEqual(assignRecoveryCodes(50, seededRand(2)))
  })

  it('create once, spend the oldest code, replace the set after a recovery', () => {
    const r: RecoveryCodes = { wanted: true, codes: [] }
    expect(needsCodes(r)).toBe(true)
    expect(hasCode(r)).toBe(false)
    keepCodes(r, ['aaaaa-aaaaa', 'bbbbb-bbbbb'])
    expect(needsCodes(r)).toBe(false)
    expect(takeCode(r)).toBe('aaaaa-aaaaa')
    expect(r.codes).toEqual(['bbbbb-bbbbb'])
    keepCodes(r, ['ccccc-ccccc', 'ddddd-ddddd'])
    expect(r.codes).toEqual(['ccccc-ccccc', 'ddddd-ddddd']) // the older set stops working at the IdP
    expect(takeCode({ wanted: true, codes: [] })).toBeNull()
    expect(needsCodes({ wanted: false, codes: [] })).toBe(false)
    expect(needsCodes(undefined)).toBe(false)
    expect(hasCode(undefined)).toBe(false)
  })

  it('a code spent is spent: all used up, the user wants a new set', () => {
    const r: RecoveryCodes = { wanted: true, codes: ['aaaaa-aaaaa'] }
    takeCode(r)
    expect(hasCode(r)).toBe(false)
    expect(needsCodes(r)).toBe(true)
  })

  it('codesOf reads only a 200 with a list of strings', () => {
    expect(codesOf(ok({ codes: ['a', 'b'], remaining: 2 }))).toEqual(['a', 'b'])
    expect(codesOf(ok({ codes: [] }))).toBeNull()
    expect(codesOf(ok({ codes: [1] }))).toBeNull()
    expect(codesOf({ ...ok({ codes: ['a'] }), status: 403 })).toBeNull()
    expect(codesOf({ status: 0, error: 'ECONNREFUSED', ms: 1 })).toBeNull()
  })

  it('guessed codes have the IdP format', () => {
    const r = seededRand(4)
    for (let i = 0; i < 100; i++) expect(guessCode(r)).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/)
  })
})
