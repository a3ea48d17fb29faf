import { isIP } from 'node:net'
import type { Outcome } from '../../contract'

/** Pure decisions of the WebAuthn factor: no I/O, `now` passed in. */

/** A challenge is good for one verification within this long of being issued. */
export const CHALLENGE_TTL_MS = 5 * 60_000

export interface RelyingParty { id: string; origin: string }

/**
 * The RP ID and expected origin from the IdP's public URL. Browsers refuse IP addresses as
 * RP IDs, so an IdP reached on a loopback or unspecified address (the default 127.0.0.1)
 * is a passkey RP as `localhost` on the same port; `http://localhost` is a secure context.
 * An explicit `rpId` must be the origin's host or a parent domain of it.
 */
export function relyingParty(publicUrl: string, rpId?: string): RelyingParty {
  const u = new URL(publicUrl)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) {
    if (!/^(127\.|0\.0\.0\.0$|::1?$)/.test(host)) throw new Error(`passkeys need a host name, got IP address ${host}: set IDP_PUBLIC_URL to a URL with a domain name`)
    u.hostname = 'localhost'
  }
  const id = rpId ?? u.hostname
  if (u.hostname !== id && !u.hostname.endsWith(`.${id}`)) throw new Error(`invalid RP ID "${id}": expected "${u.hostname}" or a parent domain of it`)
  return { id, origin: u.origin }
}

export type CounterDecision = { ok: true } | { ok: false; reason: 'counter_regression' }

/**
 * WebAuthn §7.2 step 21: when either the stored or the presented signature counter is
 * non-zero, the presented one must be greater; otherwise the authenticator may have been
 * cloned. Authenticators without a counter (synced passkeys) always send 0 and pass.
 */
export function decideCounter(stored: number, presented: number): CounterDecision {
  if (stored === 0 && presented === 0) return { ok: true }
  return presented > stored ? { ok: true } : { ok: false, reason: 'counter_regression' }
}

export interface ChallengeFacts { purpose: 'registration' | 'authentication'; user_id: string | null; expires_at: Date }

export type ChallengeCheck =
  | { ok: true }
  /** No such challenge, or one issued for another purpose or user: nothing to attribute it to. */
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'code_replayed' | 'code_expired' }

/** Whether a taken challenge may be verified: single-use (`fresh`), in time, for this purpose and user. */
export function checkChallenge(c: ChallengeFacts | undefined, fresh: boolean, now: Date, want: { purpose: ChallengeFacts['purpose']; userId?: string }): ChallengeCheck {
  if (!c || c.purpose !== want.purpose || (want.userId !== undefined && c.user_id !== want.userId)) return { ok: false, reason: 'missing' }
  if (!fresh) return { ok: false, reason: 'code_replayed' }
  if (now.getTime() >= c.expires_at.getTime()) return { ok: false, reason: 'code_expired' }
  return { ok: true }
}

/** Why an assertion was refused, as `mfa.challenge.verified` reasons. */
export type AssertionFailure = 'unknown_credential' | 'signature_invalid' | 'counter_regression' | 'code_replayed' | 'code_expired'

export function outcomeOf(reason: AssertionFailure): Outcome {
  return reason === 'code_replayed' ? 'replayed' : reason === 'code_expired' ? 'expired' : 'failure'
}
