import type { Rand } from '../simulator/random'
import { isTransport, type ApiResult, type Caller, type IdpClient } from './client'

/**
 * Recovery codes of the simulated TOTP users, and the lost-device scenario's bookkeeping. A
 * share of TOTP users wants codes: they create them right after their first login of the run
 * (the session is fresh then; a session from setup is not), keep the ten codes in memory, spend
 * one when they lose the phone and replace the set right after (fresh again).
 */

/** Share of TOTP users that create recovery codes. */
export const RECOVERY_CODES_SHARE = 0.3

export interface RecoveryCodes {
  /** Create codes after the next successful login. */
  wanted: boolean
  /** Unused codes, oldest first; never printed. Empty: none yet (or all spent). */
  codes: string[]
}

/** Whether each of `totp` TOTP users wants recovery codes: one draw per user, in order. */
export const assignRecoveryCodes = (count: number, rand: Rand, share = RECOVERY_CODES_SHARE): boolean[] =>
  Array.from({ length: count }, () => rand() < share)

/** Whether the user should create codes now (wants them and has none). */
export const needsCodes = (r: RecoveryCodes | undefined): boolean => r !== undefined && r.wanted && r.codes.length === 0

/** Whether the user can sign in with a recovery code. */
export const hasCode = (r: RecoveryCodes | undefined): boolean => r !== undefined && r.codes.length > 0

/** Spend the oldest code (it is gone whatever the IdP answers: a single-use code typed is used). */
export function takeCode(r: RecoveryCodes): string | null {
  return r.codes.shift() ?? null
}

/** Keep a new set: the IdP's regeneration makes every older code stop working. */
export function keepCodes(r: RecoveryCodes, codes: readonly string[]): void {
  r.codes = [...codes]
}

/** The codes in a `POST /api/v1/recovery-codes` answer, or null when it has none. */
export function codesOf(res: ApiResult): string[] | null {
  if (isTransport(res) || res.status !== 200) return null
  const codes = res.body.codes
  return Array.isArray(codes) && codes.length > 0 && codes.every((c) => typeof c === 'string') ? (codes as string[]) : null
}

/**
 * Create (or replace) the user's recovery codes with its fresh session. Returns the call's
 * answer; on success the codes are kept.
 */
export async function regenerate(client: Pick<IdpClient, 'post'>, r: RecoveryCodes, caller: Caller): Promise<ApiResult> {
  const res = await client.post('/api/v1/recovery-codes', {}, caller)
  const codes = codesOf(res)
  if (codes) keepCodes(r, codes)
  return res
}

/** A made-up code in the IdP's format (two groups of five), as a guesser would type. */
export function guessCode(rand: Rand): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  let s = ''
  for (let i = 0; i < 10; i++) s += alphabet[Math.floor(rand() * alphabet.length)]
  return `${s.slice(0, 5)}-${s.slice(5)}`
}
