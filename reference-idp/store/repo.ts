import type { Db } from './db'
import type { SessionMeta } from './session-repo'
import { type EmailKeys, openEmail, sealEmail } from './user-email'

/** Typed queries of the IdP store. Values always go in as parameters. */

export interface UserRow { id: string; email: string; password_hash: string; user_group: string; mfa_locked_until: Date | null }
export interface TotpRow { id: string; user_id: string; name: string; secret_enc: string; algorithm: string; digits: number; status: 'pending' | 'active'; last_step: number | null; created_at: Date }
export interface FlowRow {
  id: string; user_id: string; state: 'challenged' | 'completed' | 'locked' | 'abandoned'; factor: string
  issued_at: Date; attempts: number; country: string | null; client: string | null; risk_level: string | null; device_id: string | null; intent: 'login' | 'stepup'
  /** `mfa.network` and `mfa.risk_signals` (comma-joined) of the request that started the flow; its later events carry them. */
  network: string | null; risk_signals: string | null
}

const toNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const totpRow = (r: TotpRow): TotpRow => ({ ...r, digits: Number(r.digits), last_step: toNum(r.last_step) })
const flowRow = (r: FlowRow): FlowRow => ({ ...r, attempts: Number(r.attempts), issued_at: new Date(r.issued_at) })
const FLOW_COLS = 'id, user_id, state, factor, issued_at, attempts, country, client, risk_level, device_id, intent, network, risk_signals'
const USER_COLS = 'id, email_enc, password_hash, user_group, mfa_locked_until'
type StoredUser = Omit<UserRow, 'email'> & { email_enc: string }

/** `keys` seal and index e-mail addresses (store/user-email.ts): the store never holds one in plaintext. */
export function createRepo(db: Db, keys: EmailKeys) {
  const userRow = ({ email_enc, ...r }: StoredUser): UserRow => ({ ...r, email: openEmail(keys, r.id, email_enc) })
  return {
    db,
    /** Inserts or returns false when the e-mail is taken (unique index, race-safe). */
    async insertUser(u: { id: string; email: string; passwordHash: string; userGroup: string }): Promise<boolean> {
      const rows = await db.query('INSERT INTO users (id, email_enc, email_idx, password_hash, user_group) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email_idx) DO NOTHING RETURNING id', [u.id, sealEmail(keys, u.id, u.email), keys.emailIndex(u.email), u.passwordHash, u.userGroup])
      return rows.length === 1
    },
    async userByEmail(email: string): Promise<UserRow | undefined> {
      const r = (await db.query<StoredUser>(`SELECT ${USER_COLS} FROM users WHERE email_idx = $1`, [keys.emailIndex(email)]))[0]
      return r && userRow(r)
    },
    async userById(id: string): Promise<UserRow | undefined> {
      const r = (await db.query<StoredUser>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [id]))[0]
      return r && userRow(r)
    },
    async lockUser(id: string, until: Date): Promise<void> {
      await db.query('UPDATE users SET mfa_locked_until = $2 WHERE id = $1', [id, until])
    },
    /** Lift a second-factor lock still in force; true when there was one. */
    async unlockUser(id: string, now: Date): Promise<boolean> {
      return (await db.query('UPDATE users SET mfa_locked_until = NULL WHERE id = $1 AND mfa_locked_until > $2 RETURNING id', [id, now])).length === 1
    },
    /** False when another account already has the address. */
    async updateEmail(id: string, email: string): Promise<boolean> {
      const idx = keys.emailIndex(email)
      return (await db.query('UPDATE users SET email_enc = $2, email_idx = $3 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email_idx = $3) RETURNING id', [id, sealEmail(keys, id, email), idx])).length === 1
    },
    async updatePassword(id: string, passwordHash: string): Promise<void> {
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash])
    },

    async insertTotp(c: { id: string; userId: string; name: string; secretEnc: string; algorithm: string; digits: number }): Promise<void> {
      await db.query("INSERT INTO totp_credentials (id, user_id, name, secret_enc, algorithm, digits, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending')", [c.id, c.userId, c.name, c.secretEnc, c.algorithm, c.digits])
    },
    async totpById(id: string, userId: string): Promise<TotpRow | undefined> {
      const r = (await db.query<TotpRow>('SELECT * FROM totp_credentials WHERE id = $1 AND user_id = $2', [id, userId]))[0]
      return r && totpRow(r)
    },
    async totpForUser(userId: string, status?: 'active' | 'pending'): Promise<TotpRow[]> {
      const rows = status
        ? await db.query<TotpRow>('SELECT * FROM totp_credentials WHERE user_id = $1 AND status = $2 ORDER BY created_at', [userId, status])
        : await db.query<TotpRow>('SELECT * FROM totp_credentials WHERE user_id = $1 ORDER BY created_at', [userId])
      return rows.map(totpRow)
    },
    /**
     * Record an accepted step, only if it is newer than the last one: the compare-and-set that
     * makes a code single-use even when two requests race with the same code.
     */
    async acceptTotpStep(id: string, step: number, activate: boolean): Promise<boolean> {
      const rows = await db.query(
        `UPDATE totp_credentials SET last_step = $2${activate ? ", status = 'active'" : ''} WHERE id = $1 AND (last_step IS NULL OR last_step < $2) RETURNING id`,
        [id, step],
      )
      return rows.length === 1
    },

    /** Replace a user's recovery codes in one statement: the old set stops working as the new one starts. */
    async replaceRecoveryCodes(userId: string, hashes: string[], batchId: string): Promise<void> {
      await db.query('WITH gone AS (DELETE FROM recovery_codes WHERE user_id = $1) INSERT INTO recovery_codes (user_id, code_hash, batch_id) SELECT $1, h, $3 FROM unnest($2::text[]) AS h', [userId, hashes, batchId])
    },
    /**
     * Spend a code once: 'ok' the first time, 'used' after, 'unknown' when it was never issued (or
     * was replaced). Codes are salted, so `matches` tests each stored hash of the user (at most ten).
     */
    async useRecoveryCode(userId: string, matches: (storedHash: string) => boolean): Promise<'ok' | 'used' | 'unknown'> {
      const rows = await db.query<{ code_hash: string; used_at: Date | null }>('SELECT code_hash, used_at FROM recovery_codes WHERE user_id = $1', [userId])
      const hit = rows.find((r) => matches(r.code_hash))
      if (!hit) return 'unknown'
      // The conditional update is the single-use guarantee when two requests race with one code.
      return (await db.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id', [userId, hit.code_hash])).length === 1 ? 'ok' : 'used'
    },
    async remainingRecoveryCodes(userId: string): Promise<number> {
      return Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]))[0].n)
    },

    /** `meta`: what the owner's session list shows (store/session-repo.ts). */
    async insertSession(idHash: string, userId: string, expiresAt: Date, mfaAt: Date | null, now: Date, mfaFactor: string | null = null, meta?: SessionMeta): Promise<void> {
      await db.query('INSERT INTO sessions (id_hash, user_id, expires_at, mfa_at, last_seen_at, mfa_factor, created_at, public_id, client, country, device_label) VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8, $9, $10)',
        [idHash, userId, expiresAt, mfaAt, now, mfaFactor, meta?.publicId ?? null, meta?.client ?? null, meta?.country ?? null, meta?.deviceLabel ?? null])
    },
    async sessionUser(idHash: string, now: Date): Promise<{ user_id: string; revoked: boolean; mfa_at: Date | null; mfa_factor: string | null; last_seen_at: Date | null } | undefined> {
      const r = (await db.query<{ user_id: string; revoked_at: Date | null; expires_at: Date; mfa_at: Date | null; mfa_factor: string | null; last_seen_at: Date | null }>('SELECT user_id, revoked_at, expires_at, mfa_at, mfa_factor, last_seen_at FROM sessions WHERE id_hash = $1', [idHash]))[0]
      if (!r || new Date(r.expires_at) <= now) return undefined
      return { user_id: r.user_id, revoked: r.revoked_at !== null, mfa_at: r.mfa_at && new Date(r.mfa_at), mfa_factor: r.mfa_factor, last_seen_at: r.last_seen_at && new Date(r.last_seen_at) }
    },
    async touchSession(idHash: string, at: Date): Promise<void> {
      await db.query('UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1', [idHash, at])
    },
    async revokeSession(idHash: string): Promise<void> {
      await db.query('UPDATE sessions SET revoked_at = now() WHERE id_hash = $1 AND revoked_at IS NULL', [idHash])
    },
    /** Revoke every live session of a user (after a password change); returns how many. */
    async revokeUserSessions(userId: string): Promise<number> {
      return (await db.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id_hash', [userId])).length
    },

    async insertFlow(f: { id: string; userId: string; factor: string; issuedAt: Date; country?: string; client?: string; riskLevel?: string; deviceId?: string; intent?: 'login' | 'stepup'; network?: string; riskSignals?: string }): Promise<void> {
      await db.query("INSERT INTO login_flows (id, user_id, state, factor, issued_at, country, client, risk_level, device_id, intent, network, risk_signals) VALUES ($1, $2, 'challenged', $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [f.id, f.userId, f.factor, f.issuedAt, f.country ?? null, f.client ?? null, f.riskLevel ?? null, f.deviceId ?? null, f.intent ?? 'login', f.network ?? null, f.riskSignals ?? null])
    },
    async flow(id: string): Promise<FlowRow | undefined> {
      const r = (await db.query<FlowRow>(`SELECT ${FLOW_COLS} FROM login_flows WHERE id = $1`, [id]))[0]
      return r && flowRow(r)
    },
    async setFlowFactor(id: string, factor: string): Promise<void> {
      await db.query("UPDATE login_flows SET factor = $2 WHERE id = $1 AND state = 'challenged'", [id, factor])
    },
    /** Count one wrong code; returns the new count, or undefined when the flow was no longer open. */
    /**
     * Take one of an open flow's attempts before its code is checked, in one statement, so that
     * parallel guesses cannot all be checked against the same count (on PostgreSQL's pool they
     * were). The attempt number taken, or undefined when the flow is closed or has none left.
     */
    async reserveAttempt(id: string, max: number): Promise<number | undefined> {
      const r = (await db.query<{ attempts: number }>("UPDATE login_flows SET attempts = attempts + 1 WHERE id = $1 AND state = 'challenged' AND attempts < $2 RETURNING attempts", [id, max]))[0]
      return r ? Number(r.attempts) : undefined
    },
    async countFailedAttempt(id: string): Promise<number | undefined> {
      const r = (await db.query<{ attempts: number }>("UPDATE login_flows SET attempts = attempts + 1 WHERE id = $1 AND state = 'challenged' RETURNING attempts", [id]))[0]
      return r ? Number(r.attempts) : undefined
    },
    /** Move an open flow to a terminal state; false when another request got there first. */
    async closeFlow(id: string, state: 'completed' | 'locked' | 'abandoned'): Promise<boolean> {
      return (await db.query("UPDATE login_flows SET state = $2, completed_at = now() WHERE id = $1 AND state = 'challenged' RETURNING id", [id, state])).length === 1
    },
    async openFlowsIssuedBefore(cutoff: Date, limit = 500): Promise<FlowRow[]> {
      return (await db.query<FlowRow>(`SELECT ${FLOW_COLS} FROM login_flows WHERE state = 'challenged' AND issued_at < $1 ORDER BY issued_at LIMIT $2`, [cutoff, limit])).map(flowRow)
    },
  }
}
export type Repo = ReturnType<typeof createRepo>
