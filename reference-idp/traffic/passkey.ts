import { relyingParty } from '../factors/webauthn-rules'
import type { ScenarioKind } from './plan'

/**
 * Pure parts of the passkey users: which way a login goes, and the origin their browser signs
 * for (the IdP's public URL, as the IdP itself derives its relying party from it).
 */

/** Share of passkey logins without the password (the rest type the password, then use the passkey). */
export const PASSWORDLESS_SHARE = 0.8
/** A passkey is quicker than typing a code: the share of the think time spent on the OS prompt. */
export const PASSKEY_THINK_SHARE = 0.3

export type PasskeyRoute = 'passwordless' | 'after_password'

/** The route of one login; `roll` in [0, 1). A password typo is a password login by definition. */
export const passkeyRoute = (kind: ScenarioKind, roll: number): PasskeyRoute =>
  kind !== 'password_typo' && roll < PASSWORDLESS_SHARE ? 'passwordless' : 'after_password'

/**
 * The origin a browser at the IdP's public URL sends in its client data: `localhost` for a
 * loopback address (browsers refuse IP addresses as RP IDs). Throws with the reason when the
 * URL cannot be a passkey relying party (a non-loopback IP address).
 */
export const originOf = (publicUrl: string): string => relyingParty(publicUrl).origin

/** The public URL in an OpenAPI document's `servers`, or null. */
export function serverUrl(openapi: Record<string, unknown>): string | null {
  const servers = openapi.servers
  const url = Array.isArray(servers) ? (servers[0] as { url?: unknown } | undefined)?.url : undefined
  return typeof url === 'string' && URL.canParse(url) ? url : null
}
