import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt parameters are stored with each hash so they can be raised without breaking old ones. */
export interface ScryptParams { N: number; r: number; p: number; keyLen: number }
/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (128 MiB, ~0.4 s on one core). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1, keyLen: 32 }

/** Parameters for IDP_PASSWORD_COST (log2 N); 14 keeps tests and the demo fast, 17 is the default. */
export const scryptForCost = (log2N: number): ScryptParams => {
  if (!Number.isInteger(log2N) || log2N < 14 || log2N > 20) throw new Error(`invalid password cost: got ${log2N}, expected log2 N from 14 to 20`)
  return { ...DEFAULT_SCRYPT, N: 2 ** log2N }
}

function derive(password: string, salt: Buffer, s: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; the cap leaves room for that plus node's own overhead.
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

function parse(stored: string) {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error(`unknown password hash format: expected scrypt$N$r$p$salt$hash, got ${parts.length} fields`)
  const [, N, r, p, salt, hash] = parts
  return { N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored)
  const key = await derive(password, h.salt, { N: h.N, r: h.r, p: h.p, keyLen: h.hash.length })
  return timingSafeEqual(key, h.hash)
}

/** Whether a stored hash is weaker than `target` (so it is re-hashed at the next successful sign-in). */
export function needsRehash(stored: string, target: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = parse(stored)
  return h.N < target.N || h.r < target.r || h.p < target.p || h.hash.length < target.keyLen
}

const dummies = new Map<string, Promise<string>>()
/**
 * A hash of nobody's password, made like real ones (same parameters): verifying against it when
 * there is no account costs what checking a real password costs, so answers for unknown
 * addresses cannot be told apart by time (login, recovery requests). One per parameter set.
 */
export function dummyPasswordHash(s: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${s.N}:${s.r}:${s.p}:${s.keyLen}`
  let h = dummies.get(key)
  if (!h) dummies.set(key, (h = hashPassword('not-a-real-password-0000', s)))
  return h
}

/**
 * Verify an account's password (or, with no account, the dummy hash) in at least the time a
 * hash at `target` takes: a hash left at an older, cheaper N is checked beside a dummy check at
 * `target`, so accounts not yet re-hashed cannot be told from unknown addresses by time.
 */
export async function verifyPasswordAtCost(password: string, stored: string | undefined, target: ScryptParams = DEFAULT_SCRYPT, verify = verifyPassword): Promise<boolean> {
  const dummy = dummyPasswordHash(target)
  if (stored === undefined) return verify(password, await dummy)
  const pad = needsRehash(stored, target) ? dummy.then((h) => verify(password, h)) : undefined
  const [ok] = await Promise.all([verify(password, stored), pad])
  return ok
}
