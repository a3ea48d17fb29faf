import { type KeyObject, createPrivateKey } from 'node:crypto'

/**
 * A vendor's private signing key from its PEM (PKCS#8 as the vendors hand them out: Apple's
 * .p8, a Google service account's `private_key`, Vonage's private.key), checked once when the
 * adapter is made so a wrong key stops start-up instead of failing every send. The error names
 * the setting (`where`), never the key.
 */
export function signingKey(where: string, pem: string, kind: 'ec-p256' | 'rsa'): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    throw new Error(`${where}: expected a PEM private key (-----BEGIN PRIVATE KEY-----)`)
  }
  const got = key.asymmetricKeyType === 'ec' ? `ec ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim() : String(key.asymmetricKeyType)
  if (kind === 'ec-p256' && got !== 'ec prime256v1') throw new Error(`${where}: got a ${got} key, expected an EC P-256 key (ES256)`)
  if (kind === 'rsa' && got !== 'rsa') throw new Error(`${where}: got a ${got} key, expected an RSA key (RS256)`)
  if (kind === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error(`${where}: RSA key shorter than 2048 bits`)
  return key
}
