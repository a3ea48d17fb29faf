import type { ErrorCode } from '../errors'

/** `phishing_resistant`: admin actions need a passkey passed recently, not just any second factor (IDP_ADMIN_FACTOR). */
export type AdminFactorPolicy = 'any' | 'phishing_resistant'

export interface AdminAccessInput {
  group: string
  /** The second factors the account has (login factor names). */
  factors: readonly string[]
  /** When the session last passed a second factor, and which one (null: unknown or none). */
  mfaAt: Date | null
  mfaFactor: string | null
  policy: AdminFactorPolicy
  maxAgeMs: number
}
export type AdminAccess = { ok: true } | { ok: false; error: ErrorCode; reason: 'not_admin' | 'no_factor' | 'no_passkey' | 'stale' | 'not_phishing_resistant'; message: string }

const PHISHING_RESISTANT = new Set(['webauthn'])

/**
 * Whether a session may act as an admin: an admin account, with a second factor (an admin
 * without one is sent to enroll, never let through), passed within `maxAgeMs`; under the
 * phishing-resistant policy that factor must be a passkey. Pure: `now` comes in.
 */
export function decideAdminAccess(a: AdminAccessInput, action: string, now: Date): AdminAccess {
  if (a.group !== 'admin') return { ok: false, error: 'forbidden', reason: 'not_admin', message: `${action} is for admins` }
  if (a.factors.length === 0) return { ok: false, error: 'enrollment_required', reason: 'no_factor', message: `${action} needs an admin with a second factor: add an authenticator app or a passkey to your account first` }
  const strong = a.policy === 'phishing_resistant'
  if (strong && !a.factors.some((f) => PHISHING_RESISTANT.has(f))) return { ok: false, error: 'enrollment_required', reason: 'no_passkey', message: `${action} needs a passkey (this IdP requires a phishing-resistant factor for admins): add one at /passkeys` }
  const minutes = Math.round(a.maxAgeMs / 60_000)
  if (a.mfaAt === null || now.getTime() - a.mfaAt.getTime() > a.maxAgeMs || a.mfaAt.getTime() > now.getTime() + 60_000) {
    return { ok: false, error: 'stepup_required', reason: 'stale', message: `${action} needs a second factor passed in the last ${minutes} minutes: POST /api/v1/stepup, then finish it like a login` }
  }
  if (strong && !PHISHING_RESISTANT.has(a.mfaFactor ?? '')) return { ok: false, error: 'stepup_required', reason: 'not_phishing_resistant', message: `${action} needs a passkey passed in the last ${minutes} minutes (this IdP requires a phishing-resistant factor for admins): step up with your passkey` }
  return { ok: true }
}
