import { createHash } from 'node:crypto'
import { ROLES, type Role } from '../../contract/access'
import type { Db } from '../store/db'
import type { SignInFacts } from './authn'

/** What the provider reads from the IdP store: a session's sign-in facts and an account's roles. */
export function createOidcStore(db: Db) {
  const date = (v: Date | string | null) => (v === null ? null : new Date(v))
  return {
    /**
     * How the session behind this cookie signed in: when (its second factor's time, else its
     * start) and with what. The factor is the session's own record (passkeys) or the user's most
     * recently completed sign-in flow; a passkey's kind is that of the passkey used last.
     */
    async signIn(sessionToken: string, userId: string): Promise<{ authAt: Date; facts: SignInFacts } | undefined> {
      const idHash = createHash('sha256').update(sessionToken).digest('hex')
      const s = (await db.query<{ created_at: Date | null; mfa_at: Date | null; mfa_factor: string | null }>('SELECT created_at, mfa_at, mfa_factor FROM sessions WHERE id_hash = $1 AND user_id = $2', [idHash, userId]))[0]
      if (!s) return undefined
      const mfaAt = date(s.mfa_at)
      const authAt = mfaAt ?? date(s.created_at) ?? new Date(0)
      if (!mfaAt) return { authAt, facts: { password: true } }
      if (s.mfa_factor === 'webauthn') {
        const key = (await db.query<{ backed_up: boolean; device_type: string }>('SELECT backed_up, device_type FROM webauthn_credentials WHERE user_id = $1 AND last_used_at IS NOT NULL ORDER BY last_used_at DESC LIMIT 1', [userId]))[0]
        // A passkey as the second step of a password flow leaves that flow completed with factor webauthn.
        const flow = (await db.query<{ factor: string }>("SELECT factor FROM login_flows WHERE user_id = $1 AND state = 'completed' ORDER BY completed_at DESC NULLS LAST LIMIT 1", [userId]))[0]
        return { authAt, facts: { password: flow?.factor === 'webauthn', factor: 'webauthn', passkeySynced: key ? key.backed_up === true || key.device_type === 'multiDevice' : false } }
      }
      const flow = (await db.query<{ factor: string }>("SELECT factor FROM login_flows WHERE user_id = $1 AND state = 'completed' AND factor <> 'webauthn' ORDER BY completed_at DESC NULLS LAST LIMIT 1", [userId]))[0]
      return { authAt, facts: { password: true, factor: flow?.factor ?? 'mfa' } }
    },
    async roles(userId: string): Promise<Role[]> {
      const rows = await db.query<{ role: string }>('SELECT role FROM user_roles WHERE user_id = $1', [userId])
      const held = new Set(rows.map((r) => r.role))
      return ROLES.filter((r) => held.has(r))
    },
    /** Replace an account's roles; returns the roles it had. */
    async setRoles(userId: string, roles: readonly Role[], via: 'admin' | 'service_token', at: Date): Promise<Role[]> {
      const before = await this.roles(userId)
      await db.query('DELETE FROM user_roles WHERE user_id = $1 AND NOT (role = ANY($2::text[]))', [userId, [...roles]])
      for (const role of roles) await db.query('INSERT INTO user_roles (user_id, role, granted_at, granted_via) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, role) DO NOTHING', [userId, role, at, via])
      return before
    },
  }
}
export type OidcStore = ReturnType<typeof createOidcStore>
