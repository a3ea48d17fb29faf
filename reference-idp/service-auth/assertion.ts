import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto'

/**
 * Provisioning calls (account types) are made by a service, not a person. No unchanging secret
 * crosses the wire for them (ASVS 2.10.1): the service signs a short-lived, single-use
 * assertion (a compact JWS, ES256) with its private key; the IdP holds only public keys
 * (IDP_SERVICE_KEYS, a JWK set), so a leaked IdP configuration cannot mint one, and keys rotate
 * by `kid`. The checks are pure: the key set, the token, `now` and the audience in, a verdict out.
 */
export const SERVICE_AUDIENCE = 'factorwatch-idp-provisioning'
/** The longest an assertion may live (exp − iat); the service makes a new one per call. */
export const MAX_LIFETIME_S = 300
/** Clock difference tolerated between the service and the IdP. */
const SKEW_S = 60

export type ServiceKeys = ReadonlyMap<string, KeyObject>
export type AssertionVerdict =
  | { ok: true; kid: string; jti: string; exp: number; sub: string }
  | { ok: false; reason: string }

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
function decode(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Public keys from a JWK, a JWK array or a JWK set (`{keys: [...]}`); each needs a `kid`, EC P-256 only. Throws naming what is wrong. */
export function parseServiceKeys(json: string): ServiceKeys {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON Web Key, an array of them or {"keys": [...]}, got text that is not JSON')
  }
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { keys?: unknown }).keys) ? (v as { keys: unknown[] }).keys : [v]
  const out = new Map<string, KeyObject>()
  for (const [i, k] of list.entries()) {
    const jwk = k as JsonWebKey & { kid?: unknown }
    if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error(`key ${i}: expected an EC P-256 public key (kty EC, crv P-256)`)
    if (typeof jwk.kid !== 'string' || !/^[\w.-]{1,64}$/.test(jwk.kid)) throw new Error(`key ${i}: expected a kid of 1-64 letters, digits, ".", "_" or "-"`)
    if (jwk.d !== undefined) throw new Error(`key ${jwk.kid}: this is a private key; the IdP takes only public keys`)
    out.set(jwk.kid, createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' }))
  }
  if (out.size === 0) throw new Error('expected at least one key')
  return out
}

/** Check a bearer assertion: ES256 over a known kid, our audience, alive now, at most 5 minutes long, with a jti. Pure. */
export function verifyServiceAssertion(token: string, keys: ServiceKeys, nowMs: number, audience = SERVICE_AUDIENCE): AssertionVerdict {
  const parts = token.split('.')
  if (parts.length !== 3 || token.length > 4096) return { ok: false, reason: 'not a compact JWS (header.payload.signature)' }
  const header = decode(parts[0])
  const claims = decode(parts[1])
  if (!header || !claims) return { ok: false, reason: 'header or payload is not base64url JSON' }
  if (header.alg !== 'ES256') return { ok: false, reason: `alg must be ES256, got ${String(header.alg).slice(0, 16)}` }
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined
  if (!key) return { ok: false, reason: 'unknown kid: not one of IDP_SERVICE_KEYS' }
  const good = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'))
  if (!good) return { ok: false, reason: 'bad signature' }
  const { aud, iat, exp, jti, sub } = claims
  if (aud !== audience) return { ok: false, reason: `aud must be ${audience}` }
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'iat and exp must be numbers (seconds)' }
  const now = nowMs / 1000
  if (exp - iat > MAX_LIFETIME_S || exp <= iat) return { ok: false, reason: `an assertion lives at most ${MAX_LIFETIME_S} s (exp − iat)` }
  if (iat > now + SKEW_S) return { ok: false, reason: 'issued in the future (iat)' }
  if (exp <= now - SKEW_S) return { ok: false, reason: 'expired (exp)' }
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) return { ok: false, reason: 'jti must be a unique id of 16-128 characters' }
  return { ok: true, kid: header.kid as string, jti, exp, sub: typeof sub === 'string' ? sub.slice(0, 64) : 'service' }
}

/** Make an assertion (the service's side: traffic generator, provisioning scripts, tests). */
export function signServiceAssertion(privateJwk: JsonWebKey & { kid: string }, nowMs: number, sub = 'provisioning', audience = SERVICE_AUDIENCE): string {
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' })
  const iat = Math.floor(nowMs / 1000)
  const head = `${b64({ alg: 'ES256', kid: privateJwk.kid, typ: 'JWT' })}.${b64({ aud: audience, sub, iat, exp: iat + 120, jti: randomBytes(16).toString('base64url') })}`
  return `${head}.${sign('sha256', Buffer.from(head), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

/** A new key pair as JWKs with a kid: the public one for IDP_SERVICE_KEYS, the private one for the service. */
export function newServiceKeyPair(kid: string): { publicJwk: JsonWebKey & { kid: string }; privateJwk: JsonWebKey & { kid: string } } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { publicJwk: { ...publicKey.export({ format: 'jwk' }), kid }, privateJwk: { ...privateKey.export({ format: 'jwk' }), kid } }
}

/** Single use: a jti is remembered until its assertion expires. In memory: one IdP process (documented). */
export function createReplayGuard() {
  const seen = new Map<string, number>()
  return {
    /** True the first time a jti is presented while alive; false on reuse. */
    firstUse(jti: string, expS: number, nowMs: number): boolean {
      for (const [k, e] of seen) if (e * 1000 + SKEW_S * 1000 < nowMs) seen.delete(k)
      if (seen.has(jti)) return false
      seen.set(jti, expS)
      return true
    },
  }
}
