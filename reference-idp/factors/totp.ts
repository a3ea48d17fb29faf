import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** RFC 6238 TOTP. Pure: the caller passes `nowMs` and the last accepted step. */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512'
export interface TotpParams { algorithm: TotpAlgorithm; digits: 6 | 8; periodSeconds: number; window: number }
export const DEFAULT_TOTP: TotpParams = { algorithm: 'SHA1', digits: 6, periodSeconds: 30, window: 1 }

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function base32Encode(buf: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of buf) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

export function base32Decode(s: string): Buffer {
  let bits = 0
  let value = 0
  const out: number[] = []
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = B32.indexOf(ch)
    if (i < 0) throw new Error(`invalid base32 character "${ch}"`)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** A new secret: 20 bytes for SHA-1 (RFC 4226's recommendation), 32/64 for SHA-256/512. */
export function newTotpSecret(algorithm: TotpAlgorithm = 'SHA1'): Buffer {
  return randomBytes(algorithm === 'SHA1' ? 20 : algorithm === 'SHA256' ? 32 : 64)
}

/** HOTP value (RFC 4226) for one counter. */
export function hotp(secret: Uint8Array, counter: number, algorithm: TotpAlgorithm, digits: number): string {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm.toLowerCase(), secret).update(msg).digest()
  const off = mac[mac.length - 1] & 0xf
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3]
  return String(bin % 10 ** digits).padStart(digits, '0')
}

export const stepAt = (nowMs: number, p: TotpParams = DEFAULT_TOTP) => Math.floor(nowMs / 1000 / p.periodSeconds)

export function totp(secret: Uint8Array, nowMs: number, p: TotpParams = DEFAULT_TOTP): string {
  return hotp(secret, stepAt(nowMs, p), p.algorithm, p.digits)
}

export type TotpResult = { ok: true; step: number } | { ok: false; reason: 'invalid_code' | 'code_replayed' }

/**
 * Verify a code within ±window steps. A step at or before `lastStep` (the last accepted one
 * for this credential) is a replay and refused, even when the code matches.
 */
export function verifyTotp(secret: Uint8Array, code: string, nowMs: number, lastStep: number | null, p: TotpParams = DEFAULT_TOTP): TotpResult {
  if (!/^\d+$/.test(code) || code.length !== p.digits) return { ok: false, reason: 'invalid_code' }
  const now = stepAt(nowMs, p)
  for (let d = -p.window; d <= p.window; d++) {
    const step = now + d
    if (step < 0) continue // the step before the epoch's first does not exist (HOTP counters are unsigned)
    const expected = hotp(secret, step, p.algorithm, p.digits)
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code))) {
      return lastStep !== null && step <= lastStep ? { ok: false, reason: 'code_replayed' } : { ok: true, step }
    }
  }
  return { ok: false, reason: 'invalid_code' }
}

/** otpauth URI (Key URI Format) for authenticator apps. */
export function otpauthUri(secret: Uint8Array, account: string, issuer: string, p: TotpParams = DEFAULT_TOTP): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  const q = new URLSearchParams({ secret: base32Encode(secret), issuer, algorithm: p.algorithm, digits: String(p.digits), period: String(p.periodSeconds) })
  return `otpauth://totp/${label}?${q}`
}
