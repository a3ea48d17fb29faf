import { createHash, randomInt } from 'node:crypto'

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

/**
 * Stored form. The codes are random with ~49 bits, so a salted fast hash is enough (a slow
 * hash protects guessable secrets like passwords); the user id is the salt, so equal codes of
 * two users never share a hash.
 */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`).digest('hex')
}
