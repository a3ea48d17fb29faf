import { showsSecondFactor, type Role } from '../../../contract/access'
import { mapRole, type RoleMap } from './roles'
import type { Session } from './session'

/**
 * Whether a verified ID token may open a console session: it must show a second factor
 * (amr/acr, contract/access.ts) and map to a FactorWatch role. Pure: claims, settings, the
 * user's hash and `nowS` in; a session or the reason for refusing out.
 */
export type Refusal = 'no_second_factor' | 'no_role'

export type SignInDecision = { ok: true; session: Session } | { ok: false; reason: Refusal; detail: string }

export interface SignInSettings {
  acceptedAcr?: readonly string[]
  rolesClaim: string
  roleMap: RoleMap
  sessionMaxAgeS: number
}

export function decideSignIn(claims: Record<string, unknown>, userHash: string, settings: SignInSettings, nowS: number): SignInDecision {
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((x): x is string => typeof x === 'string').slice(0, 16) : []
  const acr = typeof claims.acr === 'string' ? claims.acr.slice(0, 200) : undefined
  if (!showsSecondFactor({ amr, acr }, ...(settings.acceptedAcr ? [settings.acceptedAcr] : []))) {
    return { ok: false, reason: 'no_second_factor', detail: `ID token shows no second factor (amr ${amr.length ? amr.join(' ') : 'none'}, acr ${acr ?? 'none'})` }
  }
  const role: Role | undefined = mapRole(claims, settings.rolesClaim, settings.roleMap)
  if (!role) return { ok: false, reason: 'no_role', detail: `no FactorWatch role in claim ${settings.rolesClaim}${settings.roleMap.claims.length ? ` or ${settings.roleMap.claims.join(', ')}` : ''} and no mapping for the subject` }
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : typeof claims.iat === 'number' ? claims.iat : nowS
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' && !claims.preferred_username.includes('@') ? claims.preferred_username : undefined
  return {
    ok: true,
    session: { user: userHash, ...(name ? { name: name.slice(0, 80) } : {}), role, amr, acr, authTime, exp: nowS + settings.sessionMaxAgeS },
  }
}

/** What the refusal page says: why, and what to ask for. */
export function refusalText(reason: Refusal): { title: string; why: string; ask: string } {
  if (reason === 'no_second_factor') {
    return {
      title: 'Sign-in refused: no second factor',
      why: 'Your identity provider signed you in, but its token does not show a second factor (a one-time code, a security key or a passkey). The FactorWatch console shows security reports and can start outages, so it only accepts multi-factor sign-ins.',
      ask: 'Enroll a second factor with your identity provider (or ask its administrators to require one for FactorWatch), then sign in again.',
    }
  }
  return {
    title: 'Sign-in refused: no FactorWatch role',
    why: 'You signed in with a second factor, but your account holds no FactorWatch role (viewer, sre, security, operator or admin).',
    ask: 'Ask your FactorWatch administrators for a role: viewer to read dashboards, sre to silence alerts, security for security reports and the audit log, operator for game days and runbook actions.',
  }
}
