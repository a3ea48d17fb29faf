import { type KeyObject, verify } from 'node:crypto'

/**
 * Verifying the JWTs the simulated vendors accept as credentials (APNs provider tokens, FCM
 * service-account assertions, Vonage application JWTs), synchronously: a dialect's `parse` is
 * synchronous. The algorithm is pinned per vendor (a token naming another one is refused, so
 * no alg confusion) and the signature checked with the account's public key; claims are the
 * caller's to judge, with `now`.
 */

export type JwtAlg = 'ES256' | 'RS256'

export type JwtCheck =
  | { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> }
  | { ok: false; why: string }

function part(s: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function verifyJwt(token: string | undefined, key: KeyObject, alg: JwtAlg): JwtCheck {
  const m = /^([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(token ?? '')
  if (!m) return { ok: false, why: 'not a JWT' }
  const [, h, c, s] = m
  const header = part(h)
  const claims = part(c)
  if (!header || !claims) return { ok: false, why: 'header or claims are not JSON objects' }
  if (header.alg !== alg) return { ok: false, why: `alg ${String(header.alg)}, expected ${alg}` }
  const data = Buffer.from(`${h}.${c}`)
  const signature = Buffer.from(s, 'base64url')
  let good = false
  try {
    good = alg === 'ES256' ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature) : verify('sha256', data, key, signature)
  } catch {
    good = false
  }
  return good ? { ok: true, header, claims } : { ok: false, why: 'signature does not verify with the configured public key' }
}

/** Epoch seconds of a numeric claim, or undefined. */
export const seconds = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
