import { createHash } from 'node:crypto'
import { generateSync, verifySync } from 'otplib'
import { describe, expect, it } from 'vitest'
import { keyFromOtpauth, totpAt } from '../traffic/totp'
import { type TotpAlgorithm, type TotpParams, otpauthUri, stepAt, totp, verifyTotp } from './totp'

/**
 * The IdP's TOTP (RFC 6238, totp.ts) against an independent implementation, otplib v13: codes
 * otplib makes verify at the IdP and codes the IdP makes verify with otplib, at many times and
 * for every algorithm, digit count and period the IdP can be set to; the ±1-step window and a
 * wrong code are refused alike; the otpauth URI the IdP hands out gives otplib the same codes.
 */

/** A fixed secret of the size the IdP makes for the algorithm (20/32/64 bytes), from a seed. */
const secretFor = (alg: TotpAlgorithm, seed: string): Uint8Array => {
  const len = alg === 'SHA1' ? 20 : alg === 'SHA256' ? 32 : 64
  const out = Buffer.alloc(len)
  for (let i = 0; i < len; i += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, i)
  return new Uint8Array(out)
}

/** Times across the range: the epoch, RFC 6238's test times, step edges, 2038+ and far future. */
const TIMES_MS = [0, 29_999, 30_000, 59_000, 1_111_111_109_000, 1_111_111_111_000, 1_234_567_890_000, 2_000_000_000_000, 2_147_483_647_000, 20_000_000_000_000, 1_796_000_000_000 + 12_345]

const PARAMS: TotpParams[] = (['SHA1', 'SHA256', 'SHA512'] as const).flatMap((algorithm) =>
  ([6, 8] as const).flatMap((digits) => [30, 60].map((periodSeconds) => ({ algorithm, digits, periodSeconds, window: 1 }))))

const lib = (p: TotpParams) => ({ algorithm: p.algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512', digits: p.digits, period: p.periodSeconds })
const otplibCode = (secret: Uint8Array, ms: number, p: TotpParams) => generateSync({ secret, epoch: Math.floor(ms / 1000), ...lib(p) })
const otplibAccepts = (secret: Uint8Array, token: string, ms: number, p: TotpParams, toleranceSteps = 0) =>
  verifySync({ secret, token, epoch: Math.floor(ms / 1000), epochTolerance: toleranceSteps * p.periodSeconds, ...lib(p) })

/** A code that differs in its last digit. */
const wrong = (code: string) => code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10)

describe('the IdP TOTP against otplib (independent implementation)', () => {
  it('RFC 6238 Appendix B: both give the published 8-digit codes', () => {
    const sha1 = new Uint8Array(Buffer.from('12345678901234567890'))
    const p: TotpParams = { algorithm: 'SHA1', digits: 8, periodSeconds: 30, window: 1 }
    for (const [s, code] of [[59, '94287082'], [1_111_111_109, '07081804'], [1_234_567_890, '89005924'], [20_000_000_000, '65353130']] as const) {
      expect(totp(sha1, s * 1000, p)).toBe(code)
      expect(otplibCode(sha1, s * 1000, p)).toBe(code)
    }
  })

  describe.each(PARAMS.map((p) => [`${p.algorithm}/${p.digits} digits/${p.periodSeconds}s`, p] as const))('%s', (_name, p) => {
    const secret = secretFor(p.algorithm, `${p.algorithm}-${p.digits}-${p.periodSeconds}`)

    it.each(TIMES_MS)('at %d ms: otplib codes verify at the IdP, IdP codes verify with otplib, wrong ones at neither', (ms) => {
      const fromLib = otplibCode(secret, ms, p)
      expect(fromLib).toMatch(new RegExp(`^\\d{${p.digits}}$`))
      expect(totp(secret, ms, p)).toBe(fromLib)
      expect(verifyTotp(secret, fromLib, ms, null, p)).toEqual({ ok: true, step: stepAt(ms, p) })
      expect(otplibAccepts(secret, totp(secret, ms, p), ms, p)).toMatchObject({ valid: true, delta: 0 })
      expect(verifyTotp(secret, wrong(fromLib), ms, null, p).ok).toBe(false)
      expect(otplibAccepts(secret, wrong(fromLib), ms, p).valid).toBe(false)
    })

    it('the ±1-step window: the neighbours otplib makes pass at the IdP, two steps away does not; otplib sees the IdP neighbours at delta ∓1', () => {
      const ms = 1_796_000_000_000 + 12_345
      const step = p.periodSeconds * 1000
      for (const d of [-1, 1]) {
        const neighbour = otplibCode(secret, ms + d * step, p)
        expect(verifyTotp(secret, neighbour, ms, null, p)).toEqual({ ok: true, step: stepAt(ms, p) + d })
        expect(otplibAccepts(secret, totp(secret, ms + d * step, p), ms, p, 1)).toMatchObject({ valid: true, delta: d })
      }
      for (const d of [-2, 2]) {
        const far = otplibCode(secret, ms + d * step, p)
        const nearby = [-1, 0, 1].map((k) => totp(secret, ms + k * step, p))
        if (!nearby.includes(far)) expect(verifyTotp(secret, far, ms, null, p).ok).toBe(false)
      }
    })

    it("a code the IdP accepted once is a replay at the IdP, while otplib (which keeps no state) still computes it", () => {
      const ms = 1_796_000_000_000
      const code = otplibCode(secret, ms, p)
      const first = verifyTotp(secret, code, ms, null, p)
      expect(first.ok).toBe(true)
      expect(verifyTotp(secret, code, ms, first.ok ? first.step : null, p)).toEqual({ ok: false, reason: 'code_replayed' })
    })

    it("the IdP's otpauth URI gives otplib (base32 secret) and the traffic generator's authenticator the IdP's codes", () => {
      const uri = otpauthUri(secret, 'user@example.test', 'FactorWatch', p)
      const q = new URL(uri).searchParams
      const key = keyFromOtpauth(uri)
      for (const ms of TIMES_MS) {
        const idp = totp(secret, ms, p)
        expect(generateSync({ secret: q.get('secret')!, epoch: Math.floor(ms / 1000), ...lib(p) })).toBe(idp)
        expect(totpAt(key, ms)).toBe(idp)
      }
    })
  })
})
