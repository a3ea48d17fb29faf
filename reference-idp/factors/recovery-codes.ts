import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'

/** Crockford-like alphabet without look-alikes (no 0/o, 1/l/i): codes survive being read aloud or printed. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
export const RECOVERY_CODE_COUNT = 10
const GROUP = 5

/** One code: two groups of five (≈49 bits), e.g. `k7m2q-xt9ab`. */
export function newRecoveryCode(): string {
  let s = ''
  for (let i = 0; i < GROUP * 2; i++) s += ALPHABET[randomInt(ALPHABET.length)]
  return `${s.slice(0, GROUP)}-${s.slice(GROUP)}`
}

export const newRecoveryCodes = (n = RECOVERY_CODE_COUNT): string[] => Array.from({ length: n }, newRecoveryCode)

/** What a user typed → canonical form, or undefined when it cannot be a code (checked before any lookup). */
export function normalizeRecoveryCode(input: string): string | undefined {
  const s = input.toLowerCase().replace(/[\s-]/g, '')
  if (s.length !== GROUP * 2 || [...s].some((c) => !ALPHABET.includes(c))) return undefined
  return `${s.slice(0, GROUP)}-${s.slice(GROUP)}`
}

/** A keyed MAC (IdpKeys.mac: HMAC-SHA256 under a server key that never enters the store). */
export type CodeMac = (purpose: string, value: string) => string

/**
 * Stored form `v2$<salt>$<mac>`: HMAC-SHA256 under a server key of a random 128-bit salt (one per
 * code) and the code. ASVS 4.0.3 2.6.2: lookup secrets below 112 bits of entropy (these have
 * ~49) need a unique random salt of at least 32 bits and an approved one-way function; the server
 * key adds what no hash speed can: a copy of the store alone gives nothing to brute-force.
 */
export function hashRecoveryCode(mac: CodeMac, code: string): string {
  const salt = randomBytes(16).toString('base64url')
  return `v2$${salt}$${mac('recovery-code', `${salt}:${code}`)}`
}

/** Whether `code` is the one behind `stored`, by the scheme recorded with it (v2, or the older unsalted SHA-256 of `userId:code`). */
export function recoveryCodeMatches(stored: string, userId: string, code: string, mac: CodeMac): boolean {
  let expected: string
  if (stored.startsWith('v2$')) {
    const [, salt, hash] = stored.split('$')
    if (!salt || !hash) return false
    expected = hash
    stored = mac('recovery-code', `${salt}:${code}`)
  } else if (/^[0-9a-f]{64}$/.test(stored)) {
    expected = stored
    stored = createHash('sha256').update(`${userId}:${code}`).digest('hex')
  } else return false
  const a = Buffer.from(stored, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
