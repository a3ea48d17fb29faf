import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt parameters are stored with each hash so they can be raised without breaking old ones. */
export interface ScryptParams { N: number; r: number; p: number; keyLen: number }
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1, keyLen: 32 }

function derive(password: string, salt: Buffer, s: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, s.keyLen, { N: s.N, r: s.r, p: s.p, maxmem: 256 * s.N * s.r }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** `scrypt$N$r$p$saltB64$hashB64` */
export async function hashPassword(password: string, s: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, s)
  return ['scrypt', s.N, s.r, s.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error(`unknown password hash format: expected scrypt$N$r$p$salt$hash, got ${parts.length} fields`)
  const [, N, r, p, salt, hash] = parts
  const expected = Buffer.from(hash, 'base64')
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p), keyLen: expected.length })
  return timingSafeEqual(key, expected)
}
