import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/** A 32-byte key given as 64 hex characters or base64; the error names where it came from. */
export function parseKey32(value: string, name: string): Buffer {
  const raw = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')
  if (raw.length !== 32) throw new Error(`invalid ${name}: expected 32 bytes as 64 hex characters or base64, got ${raw.length} bytes`)
  return raw
}

/**
 * Authenticated encryption of factor secrets at rest (AES-256-GCM). Stored form:
 * `v1.<iv b64url>.<ciphertext b64url>.<tag b64url>`; the record id is bound as associated
 * data so a secret copied onto another credential row does not decrypt.
 */
export class SecretBox {
  private readonly key: Buffer

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`invalid secret key length: got ${key.length} bytes, expected 32`)
    this.key = key
  }

  /** Parse IDP_SECRET_KEY: 64 hex characters or base64 of 32 bytes. */
  static fromEnv(value: string, name = 'IDP_SECRET_KEY'): SecretBox {
    return new SecretBox(parseKey32(value, name))
  }

  seal(plaintext: Uint8Array, recordId: string): string {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: 16 })
    c.setAAD(Buffer.from(recordId, 'utf8'))
    const body = Buffer.concat([c.update(plaintext), c.final()])
    return ['v1', iv.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join('.')
  }

  /** Throws when the data was altered, the key is wrong, or the record id differs. */
  open(sealed: string, recordId: string): Buffer {
    const parts = sealed.split('.')
    if (parts.length !== 4 || parts[0] !== 'v1') throw new Error('sealed secret is not in v1.<iv>.<data>.<tag> form')
    const tag = Buffer.from(parts[3], 'base64url')
    // GCM accepts shortened tags unless told otherwise; a truncated tag must not authenticate.
    if (tag.length !== 16) throw new Error(`sealed secret has a ${tag.length}-byte tag, expected 16`)
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(parts[1], 'base64url'), { authTagLength: 16 })
    d.setAAD(Buffer.from(recordId, 'utf8'))
    d.setAuthTag(tag)
    return Buffer.concat([d.update(Buffer.from(parts[2], 'base64url')), d.final()])
  }
}
