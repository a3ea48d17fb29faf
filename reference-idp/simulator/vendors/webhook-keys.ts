import { type KeyObject, createECDH, createHash, createPrivateKey, createPublicKey } from 'node:crypto'

/**
 * Keys of the simulated SendGrid signed event webhook. SendGrid keeps an ECDSA P-256 key pair
 * per webhook and shows the public key as base64 DER SubjectPublicKeyInfo; the simulator's
 * default pair is derived from a fixed seed, so the IdP can be configured with its public key
 * without a round trip — the same way both sides share the test auth token of Twilio.
 */

/** A P-256 private key whose scalar is SHA-256(seed): deterministic test keys, no key blob in the source. */
export function p256FromSeed(seed: string): KeyObject {
  const d = createHash('sha256').update(seed).digest()
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(d)
  const point = ecdh.getPublicKey() // 0x04 ‖ x ‖ y
  const b64 = (b: Buffer) => b.toString('base64url')
  return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, format: 'jwk' })
}

/** Base64 PKCS#8 DER of the simulator's default SendGrid event webhook signing key. */
export const SIM_SENDGRID_WEBHOOK_KEY = p256FromSeed('factorwatch-simulator/sendgrid-event-webhook/v1').export({ type: 'pkcs8', format: 'der' }).toString('base64')

const parsed = new Map<string, KeyObject>()

/** The signing key from its base64 PKCS#8 DER form; throws naming what is wrong. */
export function sendgridSigningKey(pkcs8Base64: string): KeyObject {
  const cached = parsed.get(pkcs8Base64)
  if (cached) return cached
  let key: KeyObject
  try {
    key = createPrivateKey({ key: Buffer.from(pkcs8Base64, 'base64'), format: 'der', type: 'pkcs8' })
  } catch {
    throw new Error('sendgrid webhook signing key: expected base64 PKCS#8 DER')
  }
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') throw new Error(`sendgrid webhook signing key: got ${key.asymmetricKeyType} ${curve ?? ''}, expected an EC P-256 key`)
  parsed.set(pkcs8Base64, key)
  return key
}

/** The verification key as SendGrid shows it: base64 DER SubjectPublicKeyInfo ("MFkwEwYHKoZIzj0CAQYI…"). */
export function sendgridPublicKey(pkcs8Base64: string): string {
  return createPublicKey(sendgridSigningKey(pkcs8Base64)).export({ type: 'spki', format: 'der' }).toString('base64')
}
