import { type KeyObject, checkPrimeSync, createHash, createPrivateKey, createPublicKey } from 'node:crypto'
import { p256FromSeed } from './webhook-keys'

/**
 * The key pairs of the simulated vendor accounts whose auth is a signed JWT: the APNs signing
 * key (.p8, ES256), the FCM service account's key (RS256) and the Vonage application's key
 * (RS256). Real vendors generate these and the customer downloads the private half; here both
 * halves are derived from fixed seeds, so the simulator (public halves, to verify) and whoever
 * configures an IdP for it (private halves, handed over by `simulatorIdpEnv`) agree across
 * processes without a key file. No key blob is in the source. Derived once, on first use
 * (an RSA key takes a few hundred milliseconds).
 */

/** A SHA-256 counter stream: deterministic bytes from a seed. */
function seededBytes(seed: string): (n: number) => Buffer {
  let counter = 0
  return (n) => {
    const parts: Buffer[] = []
    for (let len = 0; len < n; len += 32) parts.push(createHash('sha256').update(`${seed}/${counter++}`).digest())
    return Buffer.concat(parts).subarray(0, n)
  }
}

const SMALL_PRIMES: number[] = []
for (let n = 3; n < 4000; n += 2) if (SMALL_PRIMES.every((p) => n % p !== 0)) SMALL_PRIMES.push(n)

const toBig = (b: Buffer) => BigInt(`0x${b.toString('hex')}`)

function toB64url(n: bigint): string {
  const hex = n.toString(16)
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url')
}

/** The first probable prime at or above a seeded odd start with its top two bits set (so p·q has all the bits). */
function seededPrime(bytes: (n: number) => Buffer, bits: number, e: bigint): bigint {
  const start = toBig(bytes(bits / 8)) | (3n << BigInt(bits - 2)) | 1n
  const rem = SMALL_PRIMES.map((p) => Number(start % BigInt(p)))
  for (let d = 0; ; d += 2) {
    if (!rem.every((r, i) => (r + d) % SMALL_PRIMES[i] !== 0)) continue
    const c = start + BigInt(d)
    if ((c - 1n) % e !== 0n && checkPrimeSync(c, { checks: 1 }) && checkPrimeSync(c)) return c
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % m) + m) % m
}

/** A 2048-bit RSA private key derived from `seed` (e = 65537). */
export function rsaFromSeed(seed: string, bits = 2048): KeyObject {
  const bytes = seededBytes(seed)
  const e = 65537n
  const p = seededPrime(bytes, bits / 2, e)
  let q = seededPrime(bytes, bits / 2, e)
  while (q === p) q = seededPrime(bytes, bits / 2, e)
  const d = modInverse(e, (p - 1n) * (q - 1n))
  const jwk = { kty: 'RSA', n: toB64url(p * q), e: toB64url(e), d: toB64url(d), p: toB64url(p), q: toB64url(q), dp: toB64url(d % (p - 1n)), dq: toB64url(d % (q - 1n)), qi: toB64url(modInverse(q, p)) }
  return createPrivateKey({ key: jwk, format: 'jwk' })
}

export interface SimKeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
  /** PKCS#8 PEM, as the vendor's download gives it (.p8, the service account's private_key, Vonage's private.key). */
  privatePem: string
}

function pair(make: () => KeyObject): () => SimKeyPair {
  let made: SimKeyPair | undefined
  return () => {
    if (!made) {
      const privateKey = make()
      made = { privateKey, publicKey: createPublicKey(privateKey), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
    }
    return made
  }
}

/** The simulated APNs signing key (what "Keys → +" in the Apple developer account gives as a .p8). */
export const simApnsKey = pair(() => p256FromSeed('factorwatch-simulator/apns-auth-key/v1'))
/** The simulated Firebase project's service-account key. */
export const simFcmServiceAccountKey = pair(() => rsaFromSeed('factorwatch-simulator/fcm-service-account/v1'))
/** The simulated Vonage application's key pair. */
export const simVonageApplicationKey = pair(() => rsaFromSeed('factorwatch-simulator/vonage-application/v1'))
