import type { Adapter, AdapterPayload } from 'oidc-provider'
import type { Db } from '../store/db'

/** Models revoked with their grant (as oidc-provider's own adapter does): interactions and sessions that name a grant are not. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'])

/** How often, in writes, expired rows are deleted (a cheap sweep instead of a timer). */
const SWEEP_EVERY = 200

/**
 * oidc-provider's storage in the IdP store (table oidc_payloads, migration 0021): the same SQL on
 * PGlite and PostgreSQL, so sessions, interactions, codes and grants survive a restart and are
 * shared by every IdP process on one PostgreSQL. `now` is the IdP's clock (expiry is decided here,
 * not by the database's clock, so tests that move time see the same expiry as the IdP).
 */
export function dbAdapterFactory(db: Db, now: () => Date): (model: string) => Adapter {
  let writes = 0
  return (model: string): Adapter => {
    const live = (r: { payload: AdapterPayload; expires_at: Date | string | null; consumed_at: Date | string | null } | undefined): AdapterPayload | undefined => {
      if (!r) return undefined
      if (r.expires_at !== null && new Date(r.expires_at).getTime() <= now().getTime()) return undefined
      const payload = typeof r.payload === 'string' ? (JSON.parse(r.payload) as AdapterPayload) : r.payload
      return r.consumed_at === null ? payload : { ...payload, consumed: Math.floor(new Date(r.consumed_at).getTime() / 1000) }
    }
    const one = async (where: string, value: string) =>
      live((await db.query<{ payload: AdapterPayload; expires_at: Date | null; consumed_at: Date | null }>(`SELECT payload, expires_at, consumed_at FROM oidc_payloads WHERE model = $1 AND ${where} = $2 LIMIT 1`, [model, value]))[0])
    return {
      async upsert(id, payload, expiresIn) {
        const expires = expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null
        await db.query(
          `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
           ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
          [model, id, JSON.stringify(payload), GRANTABLE.has(model) ? payload.grantId ?? null : null, payload.userCode ?? null, payload.uid ?? null, expires])
        if (++writes % SWEEP_EVERY === 0) await db.query('DELETE FROM oidc_payloads WHERE expires_at < $1', [now()])
      },
      find: (id) => one('id', id),
      findByUid: (uid) => one('uid', uid),
      findByUserCode: (userCode) => one('user_code', userCode),
      async consume(id) {
        await db.query('UPDATE oidc_payloads SET consumed_at = $3 WHERE model = $1 AND id = $2', [model, id, now()])
      },
      async destroy(id) {
        await db.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id])
      },
      async revokeByGrantId(grantId) {
        await db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId])
      },
    }
  }
}
