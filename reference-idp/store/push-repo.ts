import type { PushDecision, PushHistoryItem } from '../factors/push'
import type { Db } from './db'

export interface PushDeviceRow {
  id: string; user_id: string; platform: 'ios' | 'android'; token_enc: string; device_public_key: string; name: string
  status: 'pending' | 'active' | 'unregistered'; created_at: Date; last_used_at: Date | null
}
export interface PushChallengeRow {
  id: string; flow_id: string | null; user_id: string; device_id: string; number: number; sent_at: Date; expires_at: Date
  responded_at: Date | null; decision: PushDecision | null; closed_reason: string | null
}
export interface PushPairingRow { id: string; user_id: string; expires_at: Date; used_at: Date | null; device_id: string | null }
export interface PushLockRow { reason: 'fraud_reported' | 'push_bombing'; locked_at: Date; locked_until: Date | null }

const date = (v: Date | string | null) => (v === null ? null : new Date(v))
const challengeRow = (r: PushChallengeRow): PushChallengeRow => ({ ...r, number: Number(r.number), sent_at: new Date(r.sent_at), expires_at: new Date(r.expires_at), responded_at: date(r.responded_at) })
const CHALLENGE = 'id, flow_id, user_id, device_id, number, sent_at, expires_at, responded_at, decision, closed_reason'

/** Queries of push devices, the challenges sent to them, and per-user push locks. */
export function createPushRepo(db: Db) {
  return {
    async insertDevice(d: { id: string; userId: string; platform: string; tokenEnc: string; publicKey: string; name: string }): Promise<void> {
      await db.query("INSERT INTO push_devices (id, user_id, platform, token_enc, device_public_key, name, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending')", [d.id, d.userId, d.platform, d.tokenEnc, d.publicKey, d.name])
    },
    async device(id: string, userId?: string): Promise<PushDeviceRow | undefined> {
      return userId === undefined
        ? (await db.query<PushDeviceRow>('SELECT * FROM push_devices WHERE id = $1', [id]))[0]
        : (await db.query<PushDeviceRow>('SELECT * FROM push_devices WHERE id = $1 AND user_id = $2', [id, userId]))[0]
    },
    /** Active devices, the one used most recently first (the one a push goes to). */
    async activeDevices(userId: string): Promise<PushDeviceRow[]> {
      return db.query<PushDeviceRow>("SELECT * FROM push_devices WHERE user_id = $1 AND status = 'active' ORDER BY last_used_at DESC NULLS LAST, created_at DESC", [userId])
    },
    async devicesOf(userId: string): Promise<PushDeviceRow[]> {
      return db.query<PushDeviceRow>('SELECT * FROM push_devices WHERE user_id = $1 ORDER BY created_at', [userId])
    },
    /** pending → active once; false when it was not pending. */
    async activateDevice(id: string): Promise<boolean> {
      return (await db.query("UPDATE push_devices SET status = 'active' WHERE id = $1 AND status = 'pending' RETURNING id", [id])).length === 1
    },
    /** The vendor says the token is gone (app uninstalled): no more pushes to it; true when it was active. */
    async markUnregistered(id: string): Promise<boolean> {
      return (await db.query("UPDATE push_devices SET status = 'unregistered' WHERE id = $1 AND status = 'active' RETURNING id", [id])).length === 1
    },
    async touchDevice(id: string, at: Date): Promise<void> {
      await db.query('UPDATE push_devices SET last_used_at = $2 WHERE id = $1', [id, at])
    },

    async insertChallenge(c: { id: string; flowId: string | null; userId: string; deviceId: string; number: number; sentAt: Date; expiresAt: Date }): Promise<void> {
      await db.query('INSERT INTO push_challenges (id, flow_id, user_id, device_id, number, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [c.id, c.flowId, c.userId, c.deviceId, c.number, c.sentAt, c.expiresAt])
    },
    /** A push that did not go out must not count against limits or be answerable. */
    async deleteChallenge(id: string): Promise<void> {
      await db.query('DELETE FROM push_challenges WHERE id = $1', [id])
    },
    async recordProvider(id: string, provider: string, messageId: string | undefined): Promise<void> {
      await db.query('UPDATE push_challenges SET provider = $2, provider_message_id = $3 WHERE id = $1', [id, provider, messageId ?? null])
    },
    async challenge(id: string): Promise<PushChallengeRow | undefined> {
      const r = (await db.query<PushChallengeRow>(`SELECT ${CHALLENGE} FROM push_challenges WHERE id = $1`, [id]))[0]
      return r && challengeRow(r)
    },
    /** The newest challenge of a login flow, or of a device's enrollment (flow_id null). */
    async latest(where: { flowId: string } | { deviceId: string }): Promise<PushChallengeRow | undefined> {
      const r = 'flowId' in where
        ? (await db.query<PushChallengeRow>(`SELECT ${CHALLENGE} FROM push_challenges WHERE flow_id = $1 ORDER BY sent_at DESC LIMIT 1`, [where.flowId]))[0]
        : (await db.query<PushChallengeRow>(`SELECT ${CHALLENGE} FROM push_challenges WHERE device_id = $1 AND flow_id IS NULL ORDER BY sent_at DESC LIMIT 1`, [where.deviceId]))[0]
      return r && challengeRow(r)
    },
    async history(userId: string, since: Date): Promise<PushHistoryItem[]> {
      const rows = await db.query<PushChallengeRow>(`SELECT ${CHALLENGE} FROM push_challenges WHERE user_id = $1 AND sent_at > $2`, [userId, since])
      return rows.map(challengeRow).map((r) => ({ enrollment: r.flow_id === null, sentAt: r.sent_at, expiresAt: r.expires_at, respondedAt: r.responded_at, decision: r.decision, closedReason: r.closed_reason }))
    },
    /**
     * Close a challenge once: with the device's answer, or (answer null) as expired. False when
     * another request closed it first: the compare-and-set that makes an answer single-use.
     */
    async close(id: string, reason: string, answer: { at: Date; decision: PushDecision | null } | null): Promise<boolean> {
      const rows = await db.query('UPDATE push_challenges SET closed_reason = $2, responded_at = $3, decision = $4 WHERE id = $1 AND closed_reason IS NULL AND responded_at IS NULL RETURNING id', [id, reason, answer?.at ?? null, answer?.decision ?? null])
      return rows.length === 1
    },
    /** Unanswered challenges past their expiry and not yet closed (the sweeper closes them). */
    async expiredOpen(now: Date, limit = 500): Promise<PushChallengeRow[]> {
      return (await db.query<PushChallengeRow>(`SELECT ${CHALLENGE} FROM push_challenges WHERE closed_reason IS NULL AND responded_at IS NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, [now, limit])).map(challengeRow)
    },

    async insertPairing(p: { id: string; codeHash: string; userId: string; at: Date; expiresAt: Date }): Promise<void> {
      await db.query('INSERT INTO push_pairings (id, code_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [p.id, p.codeHash, p.userId, p.at, p.expiresAt])
    },
    /** Spend a pairing code once, while in time: its id and user, or undefined. */
    async usePairing(codeHash: string, now: Date): Promise<{ id: string; user_id: string } | undefined> {
      return (await db.query<{ id: string; user_id: string }>('UPDATE push_pairings SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING id, user_id', [codeHash, now]))[0]
    },
    async setPairingDevice(id: string, deviceId: string): Promise<void> {
      await db.query('UPDATE push_pairings SET device_id = $2 WHERE id = $1', [id, deviceId])
    },
    async pairing(id: string, userId: string): Promise<PushPairingRow | undefined> {
      const r = (await db.query<PushPairingRow>('SELECT id, user_id, expires_at, used_at, device_id FROM push_pairings WHERE id = $1 AND user_id = $2', [id, userId]))[0]
      return r && { ...r, expires_at: new Date(r.expires_at), used_at: date(r.used_at) }
    },

    async lock(userId: string): Promise<PushLockRow | undefined> {
      const r = (await db.query<PushLockRow>('SELECT reason, locked_at, locked_until FROM push_locks WHERE user_id = $1', [userId]))[0]
      return r && { ...r, locked_at: new Date(r.locked_at), locked_until: date(r.locked_until) }
    },
    /**
     * Lock push for a user (`until` null: until an admin unlocks). Replaces only a lock that
     * has run out, or a temporary one by a permanent one; true when the lock changed, so the
     * caller emits `mfa.lockout` once per lock, not per refused push.
     */
    /** Lift the user's push lock still in force (admin unlock, or a password change after a fraud report); the lock lifted, if any. */
    async clearLock(userId: string, now: Date): Promise<PushLockRow | undefined> {
      const r = (await db.query<PushLockRow>('DELETE FROM push_locks WHERE user_id = $1 AND (locked_until IS NULL OR locked_until > $2) RETURNING reason, locked_at, locked_until', [userId, now]))[0]
      return r && { ...r, locked_at: new Date(r.locked_at), locked_until: date(r.locked_until) }
    },
    async setLock(userId: string, reason: PushLockRow['reason'], at: Date, until: Date | null): Promise<boolean> {
      const rows = await db.query(
        `INSERT INTO push_locks (user_id, reason, locked_at, locked_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET reason = EXCLUDED.reason, locked_at = EXCLUDED.locked_at, locked_until = EXCLUDED.locked_until
         WHERE push_locks.locked_until IS NOT NULL AND (push_locks.locked_until <= $3 OR EXCLUDED.locked_until IS NULL) RETURNING user_id`,
        [userId, reason, at, until])
      return rows.length === 1
    },
  }
}
export type PushRepo = ReturnType<typeof createPushRepo>
