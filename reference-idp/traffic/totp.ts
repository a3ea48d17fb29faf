import { generateSync } from 'otplib'

/**
 * The simulated user's authenticator app: RFC 6238 TOTP from the otpauth URI the IdP hands out
 * at enrollment. The codes come from otplib (not from the IdP's reference-idp/factors/totp.ts),
 * so every generated login checks the IdP against an independent implementation.
 */

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512'

export interface TotpKey {
  secret: Buffer
  algorithm: TotpAlgorithm
  digits: number
  periodSeconds: number
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (padding and case ignored). Throws on any other character. */
export function base32Decode(text: string): Buffer {
  let bits = 0
  let value = 0
  const out: number[] = []
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const i = B32.indexOf(ch)
    if (i < 0) throw new Error('invalid base32 character in TOTP secret')
    value = ((value << 5) | i) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** The key in an `otpauth://totp/...?secret=...` URI; algorithm/digits/period default to SHA1/6/30. */
export function keyFromOtpauth(uri: string): TotpKey {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new Error('enrollment returned an otpauth_uri that is not a URI')
  }
  if (url.protocol !== 'otpauth:') throw new Error('enrollment returned an otpauth_uri that is not otpauth://')
  const secret = url.searchParams.get('secret')
  if (!secret) throw new Error('enrollment otpauth_uri has no secret parameter')
  const algorithm = (url.searchParams.get('algorithm') ?? 'SHA1').toLowerCase()
  if (algorithm !== 'sha1' && algorithm !== 'sha256' && algorithm !== 'sha512') throw new Error('enrollment otpauth_uri has an unsupported algorithm')
  const digits = Number(url.searchParams.get('digits') ?? 6)
  const periodSeconds = Number(url.searchParams.get('period') ?? 30)
  if (!(digits >= 6 && digits <= 8 && Number.isInteger(digits))) throw new Error('enrollment otpauth_uri has unsupported digits')
  if (!(periodSeconds > 0 && Number.isInteger(periodSeconds))) throw new Error('enrollment otpauth_uri has an unsupported period')
  return { secret: base32Decode(secret), algorithm, digits, periodSeconds }
}

/** RFC 4226 HOTP value for one counter (otplib's). */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  if (digits !== 6 && digits !== 7 && digits !== 8) throw new Error(`unsupported TOTP digits ${digits}`)
  return generateSync({ strategy: 'hotp', secret: new Uint8Array(secret), counter, digits, algorithm })
}

/** The time step (counter) that contains `timeMs`. */
export const stepAt = (timeMs: number, periodSeconds = 30): number => Math.floor(timeMs / 1000 / periodSeconds)

/** The code of one step. */
export const codeForStep = (key: TotpKey, step: number): string => hotp(key.secret, step, key.digits, key.algorithm)

/** The code an authenticator shows at `timeMs`. */
export const totpAt = (key: TotpKey, timeMs: number): string => codeForStep(key, stepAt(timeMs, key.periodSeconds))

/**
 * A code that is wrong at `nowMs`: random digits that match none of the steps the IdP could
 * accept (now ± 2, one step of margin over its ±1 window for requests crossing a boundary).
 */
export function wrongCode(key: TotpKey, nowMs: number, rand: () => number): string {
  const now = stepAt(nowMs, key.periodSeconds)
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => codeForStep(key, now + d)))
  for (;;) {
    const code = String(Math.floor(rand() * 10 ** key.digits)).padStart(key.digits, '0')
    if (!valid.has(code)) return code
  }
}
