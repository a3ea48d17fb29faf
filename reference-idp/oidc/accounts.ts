import { randomUUID } from 'node:crypto'
import type { Role } from '../../contract/access'
import { MfaError } from '../errors'
import { base32Decode, base32Encode, newTotpSecret } from '../factors/totp'
import type { IdpKeys } from '../keys'
import type { Audit } from '../login/audit'
import type { Repo } from '../store/repo'
import type { OidcStore } from './store'

/** The name of the authenticator a provisioning call enrols (found again by it on the next call). */
export const PROVISIONED_TOTP_NAME = 'Provisioned authenticator'

export type RoleActor = { kind: 'service_token'; kid: string; sub: string } | { kind: 'admin'; id: string }

/**
 * FactorWatch roles of accounts (the ID token's roles claim), set by an admin with a fresh second
 * factor or by a provisioning service's signed assertion; and provisioning of ready-to-use
 * accounts (password + an active authenticator app) by such a service. Every change is audited.
 */
export function createOidcAccounts(d: {
  repo: Pick<Repo, 'db' | 'userByEmail' | 'insertUser' | 'updatePassword' | 'insertTotp' | 'totpForUser'>
  store: OidcStore
  keys: Pick<IdpKeys, 'box'>
  audit: Pick<Audit, 'write'>
  hashNewPassword(email: string, password: string): Promise<string>
  now: () => Date
}) {
  const who = (a: RoleActor) => (a.kind === 'admin' ? a.id : null)
  const via = (a: RoleActor) => (a.kind === 'admin' ? 'admin' : `service ${a.sub} (key ${a.kid})`)
  async function setRoles(actor: RoleActor, userId: string, roles: readonly Role[], reason: string) {
    const before = await d.store.setRoles(userId, roles, actor.kind, d.now())
    await d.audit.write(`roles_set:${before.join('+') || 'none'}->${roles.join('+') || 'none'}`, who(actor), userId, null, `${via(actor)}: ${reason}`)
    return before
  }
  return {
    async roles(email: string): Promise<Role[]> {
      const user = await d.repo.userByEmail(email)
      if (!user) throw new MfaError('not_found', 'no account with this e-mail address')
      return d.store.roles(user.id)
    },
    /** Replace an account's roles. An admin never changes their own (a second admin must). */
    async setRoles(actor: RoleActor, email: string, roles: readonly Role[], reason: string): Promise<{ roles: Role[]; before: Role[] }> {
      const user = await d.repo.userByEmail(email)
      if (!user) throw new MfaError('not_found', 'no account with this e-mail address')
      if (actor.kind === 'admin' && actor.id === user.id) throw new MfaError('forbidden', 'nobody changes their own roles: ask another admin')
      const before = await setRoles(actor, user.id, roles, reason)
      return { roles: [...roles], before }
    },
    /**
     * Create (or bring back to the given state) a workforce account with this password, an active
     * authenticator app with this base32 secret (a new one when none is given) and these roles.
     * Calling it again with the same values changes nothing; the secret is returned once, to the caller.
     */
    async provision(actor: Extract<RoleActor, { kind: 'service_token' }>, input: { email: string; password: string; roles: readonly Role[]; totp_secret?: string }): Promise<{ status: 'created' | 'updated'; totp_secret: string }> {
      const secret = input.totp_secret ? base32Decode(input.totp_secret) : newTotpSecret('SHA1')
      if (secret.length < 16) throw new MfaError('bad_request', `totp_secret: at least 128 bits (26 base32 characters), got ${secret.length * 8} bits`, { field: 'totp_secret' })
      const hash = await d.hashNewPassword(input.email, input.password)
      let user = await d.repo.userByEmail(input.email)
      let status: 'created' | 'updated' = 'updated'
      if (!user) {
        const id = randomUUID()
        if (!(await d.repo.insertUser({ id, email: input.email, passwordHash: hash, userGroup: 'workforce' }))) throw new MfaError('email_taken', 'an account with this e-mail address was created just now; call again')
        user = await d.repo.userByEmail(input.email)
        status = 'created'
      } else {
        await d.repo.updatePassword(user.id, hash)
      }
      const userId = user!.id
      const existing = (await d.repo.totpForUser(userId)).filter((t) => t.name === PROVISIONED_TOTP_NAME)
      const same = existing.find((t) => t.status === 'active' && d.keys.box.open(t.secret_enc, t.id).equals(secret))
      if (!same) {
        // The provisioned authenticator is replaced; the account's own authenticators stay.
        for (const t of existing) await d.repo.db.query('DELETE FROM totp_credentials WHERE id = $1 AND user_id = $2', [t.id, userId])
        const id = randomUUID()
        await d.repo.insertTotp({ id, userId, name: PROVISIONED_TOTP_NAME, secretEnc: d.keys.box.seal(secret, id), algorithm: 'SHA1', digits: 6 })
        await d.repo.db.query("UPDATE totp_credentials SET status = 'active' WHERE id = $1", [id])
      }
      await d.audit.write(`account_provisioned:${status}`, null, userId, null, `${via(actor)}: password set${same ? '' : ', authenticator app enrolled'}`)
      await setRoles(actor, userId, input.roles, 'provisioning')
      return { status, totp_secret: base32Encode(secret) }
    },
  }
}
export type OidcAccounts = ReturnType<typeof createOidcAccounts>
