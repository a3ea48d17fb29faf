import type { Db } from './db'

/** Queries of the passkey tables (migration 0003). Values always go in as parameters. */

export interface PasskeyRow {
  /** Credential id as the browser reports it (base64url). */
  id: string
  user_id: string
  name: string
  /** COSE public key, base64url (text, so PGlite and pg hand back the same type). */
  public_key: string
  counter: number
  transports: string[]
  backed_up: boolean
  device_type: 'singleDevice' | 'multiDevice'
  created_at: Date
  last_used_at: Date | null
}

export interface ChallengeRow {
  id: string
  /** The signed-in user (registration) or the flow's user (second factor); null for a passwordless login. */
  user_id: string | null
  flow_id: string | null
  challenge: string
  purpose: 'registration' | 'authentication'
  created_at: Date
  expires_at: Date
  used_at: Date | null
}

type RawPasskey = Omit<PasskeyRow, 'transports'> & { transports: string }
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string))
const passkeyRow = (r: RawPasskey): PasskeyRow => ({
  ...r, counter: Number(r.counter), transports: r.transports ? r.transports.split(',') : [],
  created_at: new Date(r.created_at), last_used_at: date(r.last_used_at),
})
const challengeRow = (r: ChallengeRow): ChallengeRow => ({ ...r, created_at: new Date(r.created_at), expires_at: new Date(r.expires_at), used_at: date(r.used_at) })

const PASSKEY_COLUMNS = 'id, user_id, name, public_key, counter, transports, backed_up, device_type, created_at, last_used_at'

export function createWebauthnRepo(db: Db) {
  return {
    /** False when the credential id is already registered (to anyone). */
    async insertPasskey(c: Omit<PasskeyRow, 'created_at' | 'last_used_at'> & { createdAt: Date }): Promise<boolean> {
      const rows = await db.query(
        `INSERT INTO webauthn_credentials (id, user_id, name, public_key, counter, transports, backed_up, device_type, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [c.id, c.user_id, c.name, c.public_key, c.counter, c.transports.join(','), c.backed_up, c.device_type, c.createdAt],
      )
      return rows.length === 1
    },
    async passkey(id: string): Promise<PasskeyRow | undefined> {
      const r = (await db.query<RawPasskey>(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE id = $1`, [id]))[0]
      return r && passkeyRow(r)
    },
    async passkeysOf(userId: string): Promise<PasskeyRow[]> {
      return (await db.query<RawPasskey>(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`, [userId])).map(passkeyRow)
    },
    async countPasskeys(userId: string): Promise<number> {
      return Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM webauthn_credentials WHERE user_id = $1', [userId]))[0].n)
    },
    async renamePasskey(id: string, userId: string, name: string): Promise<boolean> {
      return (await db.query('UPDATE webauthn_credentials SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId, name])).length === 1
    },
    async removePasskey(id: string, userId: string): Promise<boolean> {
      return (await db.query('DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId])).length === 1
    },
    /**
     * Record a signature counter, only if it still moves forward from what is stored (or both
     * stay 0): the compare-and-set that keeps two racing assertions from both passing.
     */
    async acceptCounter(id: string, counter: number, backedUp: boolean, at: Date): Promise<boolean> {
      const rows = await db.query(
        'UPDATE webauthn_credentials SET counter = $2, backed_up = $3, last_used_at = $4 WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0)) RETURNING id',
        [id, counter, backedUp, at],
      )
      return rows.length === 1
    },

    async insertChallenge(c: Omit<ChallengeRow, 'used_at'>): Promise<void> {
      await db.query(
        'INSERT INTO webauthn_challenges (id, user_id, flow_id, challenge, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [c.id, c.user_id, c.flow_id, c.challenge, c.purpose, c.created_at, c.expires_at],
      )
    },
    /**
     * Mark a challenge of this purpose (and user, when given) used and return it. `fresh` is
     * true for exactly one caller: the one whose UPDATE flipped used_at; everyone after gets
     * the row with fresh=false (a replay). Someone else's challenge is not found, and not spent.
     */
    async takeChallenge(id: string, purpose: ChallengeRow['purpose'], at: Date, userId?: string): Promise<{ row: ChallengeRow; fresh: boolean } | undefined> {
      const scope = 'id = $1 AND purpose = $2 AND ($3::text IS NULL OR user_id = $3)'
      const taken = (await db.query<ChallengeRow>(`UPDATE webauthn_challenges SET used_at = $4 WHERE ${scope} AND used_at IS NULL RETURNING *`, [id, purpose, userId ?? null, at]))[0]
      if (taken) return { row: challengeRow(taken), fresh: true }
      const seen = (await db.query<ChallengeRow>(`SELECT * FROM webauthn_challenges WHERE ${scope}`, [id, purpose, userId ?? null]))[0]
      return seen && { row: challengeRow(seen), fresh: false }
    },
    /** Forget challenges that expired before `cutoff`; returns how many. */
    async deleteChallengesExpiredBefore(cutoff: Date): Promise<number> {
      return (await db.query('DELETE FROM webauthn_challenges WHERE expires_at < $1 RETURNING id', [cutoff])).length
    },
  }
}
export type WebauthnRepo = ReturnType<typeof createWebauthnRepo>
