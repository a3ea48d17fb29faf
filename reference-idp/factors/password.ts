import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * scrypt parameters are stored with each hash so they can be raised without breaking old ones.
 * `pepper` (ASVS 2.4.5): a server key, never in the store, that HMACs the scrypt output
 * (`scrypt+hmac$…`), so a stolen database alone does not allow guessing passwords offline.
 */
export interface ScryptParams { N: number; r: number; p: number; keyLen: number; pepper?: Buffer }
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

const PEPPERED = 'scrypt+hmac'
const pepperOf = (key: Buffer, pepper: Buffer) => createHmac('sha256', pepper).update(key).digest().subarray(0, key.length)

/** `scrypt$N$r$p$saltB64$hashB64`, or `scrypt+hmac$…` with the hash HMAC'd under the pepper. */
export async function hashPassword(password: string, s: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, s)
  return [s.pepper ? PEPPERED : 'scrypt', s.N, s.r, s.p, salt.toString('base64'), (s.pepper ? pepperOf(key, s.pepper) : key).toString('base64')].join('$')
}

function parse(stored: string) {
  const parts = stored.split('$')
  if (parts.length !== 6 || (parts[0] !== 'scrypt' && parts[0] !== PEPPERED)) throw new Error(`unknown password hash format: expected scrypt$N$r$p$salt$hash, got ${parts.length} fields`)
  const [scheme, N, r, p, salt, hash] = parts
  return { peppered: scheme === PEPPERED, N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }
}

/** `pepper` is needed for a `scrypt+hmac` hash (and ignored for an older plain one). */
export async function verifyPassword(password: string, stored: string, pepper?: Buffer): Promise<boolean> {
  const h = parse(stored)
  if (h.peppered && !pepper) throw new Error('this password hash is peppered: verifying it needs the pepper key')
  const key = await derive(password, h.salt, { N: h.N, r: h.r, p: h.p, keyLen: h.hash.length })
  return timingSafeEqual(h.peppered ? pepperOf(key, pepper!) : key, h.hash)
}

/** Whether a stored hash is cheaper to compute than one at `target`. */
function cheaper(stored: string, target: ScryptParams): boolean {
  const h = parse(stored)
  return h.N < target.N || h.r < target.r || h.p < target.p || h.hash.length < target.keyLen
}

/** Whether a stored hash is weaker than `target`, or lacks its pepper (so it is re-hashed at the next successful sign-in). */
export function needsRehash(stored: string, target: ScryptParams = DEFAULT_SCRYPT): boolean {
  return cheaper(stored, target) || (!!target.pepper && !parse(stored).peppered)
}

const dummies = new Map<string, Promise<string>>()
/**
 * A hash of nobody's password, made like real ones (same parameters): verifying against it when
 * there is no account costs what checking a real password costs, so answers for unknown
 * addresses cannot be told apart by time (login, recovery requests). One per parameter set.
 */
export function dummyPasswordHash(s: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${s.N}:${s.r}:${s.p}:${s.keyLen}:${s.pepper?.toString('hex') ?? ''}`
  let h = dummies.get(key)
  if (!h) dummies.set(key, (h = hashPassword('not-a-real-password-0000', s)))
  return h
}

/**
 * Verify an account's password (or, with no account, the dummy hash) in at least the time a
 * hash at `target` takes: a hash left at an older, cheaper N is checked beside a dummy check at
 * `target`, so accounts not yet re-hashed cannot be told from unknown addresses by time.
 */
export async function verifyPasswordAtCost(password: string, stored: string | undefined, target: ScryptParams = DEFAULT_SCRYPT, verify = (p: string, h: string) => verifyPassword(p, h, target.pepper)): Promise<boolean> {
  const dummy = dummyPasswordHash(target)
  if (stored === undefined) return verify(password, await dummy)
  const pad = cheaper(stored, target) ? dummy.then((h) => verify(password, h)) : undefined
  const [ok] = await Promise.all([verify(password, stored), pad])
  return ok
}
