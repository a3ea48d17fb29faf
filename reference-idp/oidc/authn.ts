import { ACR_MFA, ACR_PHISHING_RESISTANT, ACR_PHISHING_RESISTANT_HARDWARE } from '../../contract/access'

/**
 * What an ID token says about how its user signed in (RFC 8176 `amr`, OpenID EAP `acr`), from
 * what the IdP's session and store remember of the sign-in. Pure.
 *
 * Mapping of the IdP's factors to `amr`:
 * - password → `pwd`
 * - TOTP, an e-mailed code, a recovery code → `otp` (one-time codes; RFC 8176 has no value for a
 *   lookup secret, and a recovery code is one)
 * - SMS code → `sms`; voice-call code → `tel`
 * - push approval with number matching → `mca` (multiple-channel authentication: the approval
 *   arrives on a second, already-bound channel, the phone app)
 * - passkey → `hwk` when device-bound (not backup-eligible), `swk` when synced (multi-device /
 *   backed up); passkeys always verify the user (UV), so `user` is added
 * - two or more methods → `mfa` as well.
 * `acr`: `phrh` for a device-bound passkey, `phr` for a synced one, ACR_MFA for any other second
 * factor; no `acr` for a password alone.
 */
export type IdpFactor = 'totp' | 'sms' | 'voice' | 'email' | 'push' | 'recovery_code' | 'webauthn'

export interface SignInFacts {
  /** Whether a password was checked in this sign-in (false for a passwordless passkey sign-in). */
  password: boolean
  /** The second factor passed, if any. */
  factor?: IdpFactor | string
  /** For a passkey: whether it is synced (multi-device or backed up). */
  passkeySynced?: boolean
}

const FACTOR_AMR: Record<string, string> = { totp: 'otp', email: 'otp', recovery_code: 'otp', sms: 'sms', voice: 'tel', push: 'mca' }

export function authnClaims(f: SignInFacts): { amr: string[]; acr?: string } {
  const amr: string[] = []
  if (f.password) amr.push('pwd')
  let acr: string | undefined
  if (f.factor === 'webauthn') {
    amr.push(f.passkeySynced ? 'swk' : 'hwk', 'user')
    acr = f.passkeySynced ? ACR_PHISHING_RESISTANT : ACR_PHISHING_RESISTANT_HARDWARE
  } else if (f.factor) {
    amr.push(FACTOR_AMR[f.factor] ?? 'mfa')
    acr = ACR_MFA
  }
  if (amr.filter((m) => m !== 'user' && m !== 'mfa').length >= 2) amr.push('mfa')
  return acr ? { amr: [...new Set(amr)], acr } : { amr }
}

export interface InteractionInput {
  /** The provider's pending prompt and why (`login_prompt` = prompt=login, `max_age`, `no_session`, ...). */
  prompt: { name: string; reasons: readonly string[] }
  /** max_age of the authorization request, seconds. */
  maxAge?: number
  /** The IdP session of this browser: its user and when it signed in (the second factor's time, else the session's start). */
  session?: { userId: string; authAt: Date }
  /** When this browser was sent to sign in for this very interaction (undefined: not yet). */
  sentToSignInAt?: Date
  now: Date
}
export type InteractionDecision = { kind: 'finish'; reason: string } | { kind: 'sign_in'; reason: string }

/**
 * Finish the interaction with the browser's IdP session, or send the browser through the IdP's
 * sign-in first. A session signed in after this interaction sent the browser to sign in always
 * counts; an older one only when the client asked neither prompt=login nor a max_age it exceeds.
 */
export function decideInteraction(i: InteractionInput): InteractionDecision {
  if (!i.session) return { kind: 'sign_in', reason: 'no_session' }
  // Signed in since this interaction sent the browser to: as fresh as it gets (max_age=0 included).
  if (i.sentToSignInAt && i.session.authAt.getTime() >= i.sentToSignInAt.getTime()) return { kind: 'finish', reason: 'signed_in' }
  if (i.prompt.reasons.includes('login_prompt')) return { kind: 'sign_in', reason: 'login_prompt' }
  if (i.maxAge !== undefined && i.now.getTime() - i.session.authAt.getTime() > i.maxAge * 1000) return { kind: 'sign_in', reason: 'max_age' }
  return { kind: 'finish', reason: i.prompt.name === 'consent' ? 'first_party_consent' : 'session' }
}
