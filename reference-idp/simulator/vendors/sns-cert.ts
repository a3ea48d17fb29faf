import { type KeyObject, X509Certificate, createHash, generateKeyPairSync, sign } from 'node:crypto'

/**
 * The simulator's SNS signing identity: an RSA key and a self-signed X.509 certificate for it,
 * served at the SigningCertURL of every SES notification. Node can read certificates but not
 * make them, hence the few DER helpers below (enough for one certificate, nothing more).
 */

export interface SnsSigningIdentity {
  privateKey: KeyObject
  /** PEM, as SNS serves SimpleNotificationService-*.pem. */
  certificatePem: string
  /** Names the certificate in its URL: SimpleNotificationService-{id}.pem. */
  id: string
}

function der(tag: number, content: Buffer): Buffer {
  const n = content.length
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), len, content])
}

const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items))

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * a + b]
  for (const v of rest) {
    const chunk = [v & 0x7f]
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return der(0x06, Buffer.from(bytes))
}

// UTCTime covers 1950–2049, enough for a certificate valid ten years from now.
const utcTime = (ms: number) => der(0x17, Buffer.from(new Date(ms).toISOString().replace(/\D/g, '').slice(2, 14) + 'Z'))
const commonName = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn)))))

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]))

/** A fresh RSA key and a self-signed certificate for it (CN sns.amazonaws.com, SHA256withRSA). */
/**
 * Eight bytes of `digest` as a positive INTEGER in minimal DER: top bit clear and never a leading
 * zero byte (OpenSSL refuses a non-minimal encoding, which made about 1 simulator start in 256 fail).
 */
export function certificateSerial(digest: Buffer): Buffer {
  const serial = Buffer.from(digest.subarray(0, 8))
  serial[0] = (serial[0] & 0x7f) | 0x40
  return serial
}

export function createSnsSigningIdentity(nowMs: number): SnsSigningIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const name = commonName('sns.amazonaws.com')
  const serial = certificateSerial(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest())
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    der(0x02, serial),
    SHA256_WITH_RSA,
    name,
    seq(utcTime(nowMs - 3_600_000), utcTime(nowMs + 10 * 365 * 86_400_000)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  )
  const signature = sign('sha256', tbs, privateKey)
  const certificate = seq(tbs, SHA256_WITH_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])))
  const x509 = new X509Certificate(certificate) // fails loudly if the encoding above is wrong
  return { privateKey, certificatePem: x509.toString(), id: createHash('sha256').update(certificate).digest('hex').slice(0, 32) }
}
