import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { base32Decode, codeForStep, hotp, keyFromOtpauth, stepAt, totpAt, wrongCode, type TotpKey } from './totp'

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii')
const RFC_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'

describe('RFC 6238 appendix B (SHA-1)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('T=%d → %s (8 digits), last 6 for 6 digits', (t, code) => {
    expect(hotp(RFC_SECRET, stepAt(t * 1000), 8)).toBe(code)
    expect(hotp(RFC_SECRET, stepAt(t * 1000), 6)).toBe(code.slice(2))
  })

  it('SHA-256 and SHA-512 vectors at T=59', () => {
    expect(hotp(Buffer.from('12345678901234567890123456789012'), 1, 8, 'sha256')).toBe('46119246')
    expect(hotp(Buffer.from('1234567890'.repeat(6) + '1234'), 1, 8, 'sha512')).toBe('90693936')
  })

  it('RFC 4226 appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
    expect(expected.map((_, i) => hotp(RFC_SECRET, i))).toEqual(expected)
  })
})

describe('otpauth URI → key', () => {
  it('decodes base32 (case and padding ignored)', () => {
    expect(base32Decode(RFC_B32)).toEqual(RFC_SECRET)
    expect(base32Decode(RFC_B32.toLowerCase() + '====')).toEqual(RFC_SECRET)
    expect(base32Decode('MZXW6YTBOI')).toEqual(Buffer.from('foobar'))
    expect(() => base32Decode('ABC1')).toThrow(/invalid base32/)
  })

  it('reads the secret and defaults SHA1 / 6 digits / 30 s', () => {
    const key = keyFromOtpauth(`otpauth://totp/FactorWatch:someone?secret=${RFC_B32}&issuer=FactorWatch`)
    expect(key).toEqual({ secret: RFC_SECRET, algorithm: 'sha1', digits: 6, periodSeconds: 30 })
    expect(totpAt(key, 59_000)).toBe('287082')
  })

  it('honours explicit algorithm, digits and period', () => {
    const key = keyFromOtpauth(`otpauth://totp/x?secret=${RFC_B32}&algorithm=SHA1&digits=8&period=60`)
    expect(key).toMatchObject({ digits: 8, periodSeconds: 60 })
    expect(totpAt(key, 119_000)).toBe(hotp(RFC_SECRET, 1, 8))
  })

  it.each(['not a uri', 'https://x/?secret=ABC', 'otpauth://totp/x', 'otpauth://totp/x?secret=AB&algorithm=MD5', 'otpauth://totp/x?secret=AB&digits=4'])(
    'rejects %j without echoing the secret',
    (uri) => {
      let err: Error | undefined
      try {
        keyFromOtpauth(uri)
      } catch (e) {
        err = e as Error
      }
      expect(err).toBeInstanceOf(Error)
      expect(err!.message).not.toContain('AB&')
    },
  )
})

describe('wrong codes', () => {
  it('never match a step the IdP could accept', () => {
    const key: TotpKey = { secret: RFC_SECRET, algorithm: 'sha1', digits: 6, periodSeconds: 30 }
    const rand = seededRand(3)
    const now = 1_700_000_000_000
    const near = [-2, -1, 0, 1, 2].map((d) => codeForStep(key, stepAt(now) + d))
    // A source that first returns exactly the current code must be skipped over.
    const first = Number(near[2]) / 1e6 + 1e-9
    let calls = 0
    const rigged = () => (calls++ === 0 ? first : rand())
    const code = wrongCode(key, now, rigged)
    expect(calls).toBeGreaterThan(1)
    expect(code).toMatch(/^\d{6}$/)
    for (let i = 0; i < 500; i++) expect(near).not.toContain(wrongCode(key, now, rand))
  })
})
