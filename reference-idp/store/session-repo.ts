import type { Db } from './db'

/** What a session shows its owner (migration 0020): never its secret, hash or a raw address. */
export interface SessionMeta { publicId: string; client?: string; country?: string; deviceLabel: string }
export interface SessionListRow {
  public_id: string; created_at: Date | null; last_seen_at: Date | null; client: string | null; country: string | null; device_label: string | null; current: boolean
}

/** Listing and ending a user's sessions by their public id (the secret's hash stays the key). */
export function createSessionRepo(db: Db) {
  const date = (v: Date | string | null) => (v === null ? null : new Date(v))
  return {
    /** Live (unrevoked, unexpired) sessions of a user, most recently used first; `current` marks `currentHash`. */
    async live(userId: string, currentHash: string, now: Date): Promise<SessionListRow[]> {
      const rows = await db.query<SessionListRow>(
        `SELECT public_id, created_at, last_seen_at, client, country, device_label, id_hash = $2 AS current FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $3 ORDER BY last_seen_at DESC NULLS LAST LIMIT 100`, [userId, currentHash, now])
      return rows.map((r) => ({ ...r, created_at: date(r.created_at), last_seen_at: date(r.last_seen_at), current: r.current === true }))
    },
    /** End one session of this user by public id (never the one whose hash is `keepHash`); false when there was none. */
    async revokeOne(userId: string, publicId: string, keepHash: string, now: Date): Promise<boolean> {
      return (await db.query('UPDATE sessions SET revoked_at = $4 WHERE user_id = $1 AND public_id = $2 AND id_hash <> $3 AND revoked_at IS NULL RETURNING public_id', [userId, publicId, keepHash, now])).length === 1
    },
    /** End every session of this user but `keepHash` (null: all of them); returns how many. */
    async revokeAllBut(userId: string, keepHash: string | null, now: Date): Promise<number> {
      return (await db.query('UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id_hash <> $2 AND revoked_at IS NULL RETURNING public_id', [userId, keepHash ?? '', now])).length
    },
  }
}
export type SessionRepo = ReturnType<typeof createSessionRepo>
