import { createPrivateKey, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto'

/**
 * The collector's side of the IdP's service assertions (the format of
 * reference-idp/service-auth/assertion.ts, which the collector may not import): a compact JWS,
 * ES256 over header {alg, kid, typ} and claims {aud, sub, iat, exp, jti}, lifetime 120 s,
 * a fresh jti per call (the IdP refuses reuse).
 */
export const FAULTS_AUDIENCE = 'factorwatch-idp-faults'
const LIFETIME_S = 120

export interface SigningKey { kid: string; key: KeyObject }

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A private EC P-256 JWK with a kid (COLLECTOR_IDP_SERVICE_KEY); throws naming what is wrong, never echoing the key. */
export function parseSigningKey(json: string): SigningKey {
  let jwk: JsonWebKey & { kid?: unknown }
  try {
    jwk = JSON.parse(json) as JsonWebKey & { kid?: unknown }
  } catch {
    throw new Error('expected a private JSON Web Key (EC P-256 with d and kid), got text that is not JSON')
  }
  if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('expected an EC P-256 private key (kty EC, crv P-256)')
  if (typeof jwk.d !== 'string') throw new Error('expected a private key (with d); the IdP holds the public half in IDP_SERVICE_KEYS')
  if (typeof jwk.kid !== 'string' || !/^[\w.-]{1,64}$/.test(jwk.kid)) throw new Error('expected a kid of 1-64 letters, digits, ".", "_" or "-"')
  return { kid: jwk.kid, key: createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, format: 'jwk' }) }
}

export function signAssertion(k: SigningKey, nowMs: number, sub = 'factorwatch-gamedays', audience = FAULTS_AUDIENCE): string {
  const iat = Math.floor(nowMs / 1000)
  const head = `${b64({ alg: 'ES256', kid: k.kid, typ: 'JWT' })}.${b64({ aud: audience, sub, iat, exp: iat + LIFETIME_S, jti: randomBytes(16).toString('base64url') })}`
  return `${head}.${sign('sha256', Buffer.from(head), { key: k.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}
