import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import type { Db } from '../store/db'
import type { Repo } from '../store/repo'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

/** The factor kinds managed here; passkeys have their own endpoints (webauthn-routes). */
export type ManagedFactor = 'totp' | 'sms' | 'voice' | 'email' | 'push'

const TABLE: Record<ManagedFactor, { table: string; where: string }> = {
  totp: { table: 'totp_credentials', where: '' },
  sms: { table: 'oob_factors', where: " AND channel = 'sms'" },
  voice: { table: 'oob_factors', where: " AND channel = 'voice'" },
  email: { table: 'oob_factors', where: " AND channel = 'email'" },
  push: { table: 'push_devices', where: '' },
}

/** Active second factors of a user, all kinds (passkeys included; an old e-mail enrollment is none). */
export async function activeFactorCount(db: Db, userId: string): Promise<number> {
  const [r] = await db.query<{ n: number }>(`SELECT
    (SELECT count(*) FROM totp_credentials WHERE user_id = $1 AND status = 'active') +
    (SELECT count(*) FROM oob_factors WHERE user_id = $1 AND status = 'active' AND channel <> 'email') +
    (SELECT count(*) FROM webauthn_credentials WHERE user_id = $1) +
    (SELECT count(*) FROM push_devices WHERE user_id = $1 AND status = 'active') AS n`, [userId])
  return Number(r.n)
}

/**
 * Rename and remove authenticator apps, phone numbers, e-mail addresses and push devices. A
 * removal that would leave no second factor is refused: that is turning MFA off, which takes an
 * admin exemption on the two-person rule, not a self-service click.
 */
export function createFactorAdmin(d: EventDeps & { db: Db; repo: Repo }) {
  const { base, emit } = eventHelpers(d)
  return {
    async rename(userId: string, type: ManagedFactor, id: string, name: string, ctx: RequestCtx): Promise<void> {
      const t = TABLE[type]
      const rows = await d.db.query(`UPDATE ${t.table} SET name = $3 WHERE id = $1 AND user_id = $2${t.where} RETURNING id`, [id, userId, name])
      if (!rows.length) throw new MfaError('not_found', `no such ${type} factor on this account`)
      emit('mfa.enrollment.changed', { ...base(ctx, await d.repo.userById(userId)), [ATTR.factor]: type, [ATTR.reason]: 'renamed', [ATTR.intent]: 'enrollment' }, ctx)
    },
    async remove(userId: string, type: ManagedFactor, id: string, ctx: RequestCtx): Promise<void> {
      const t = TABLE[type]
      const [row] = await d.db.query<{ status: string }>(`SELECT status FROM ${t.table} WHERE id = $1 AND user_id = $2${t.where}`, [id, userId])
      if (!row) throw new MfaError('not_found', `no such ${type} factor on this account`)
      if (row.status === 'active' && type !== 'email' && (await activeFactorCount(d.db, userId)) <= 1) {
        throw new MfaError('forbidden', 'this is your only second factor: add another one first (turning MFA off needs an admin exemption)')
      }
      await d.db.query(`DELETE FROM ${t.table} WHERE id = $1 AND user_id = $2`, [id, userId])
      const user = await d.repo.userById(userId)
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: type, [ATTR.reason]: 'removed', [ATTR.intent]: 'enrollment' }, ctx)
      if (user) await d.notices?.send(user, 'factor_removed', ctx, { factor: type })
    },
  }
}
export type FactorAdmin = ReturnType<typeof createFactorAdmin>
