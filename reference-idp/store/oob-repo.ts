import type { Db } from './db'

export interface OobFactorRow { id: string; user_id: string; channel: 'sms' | 'voice' | 'email'; address_enc: string; address_mac: string; hint: string; name: string; status: 'pending' | 'active'; created_at: Date }
export interface OobCodeRow { id: string; factor_id: string; flow_id: string | null; code_mac: string; sent_at: Date; expires_at: Date; attempts: number; used_at: Date | null }

export interface ReceiptTarget { id: string; user_id: string; flow_id: string | null; sent_at: Date; channel: 'sms' | 'voice' | 'email' }

const codeRow = (r: OobCodeRow): OobCodeRow => ({ ...r, attempts: Number(r.attempts), sent_at: new Date(r.sent_at), expires_at: new Date(r.expires_at), used_at: r.used_at && new Date(r.used_at) })

/** Queries of out-of-band factors (phone numbers, e-mail addresses) and the codes sent to them. */
export function createOobRepo(db: Db) {
  return {
    async insertFactor(f: { id: string; userId: string; channel: string; addressEnc: string; addressMac: string; hint: string; name: string }): Promise<void> {
      await db.query("INSERT INTO oob_factors (id, user_id, channel, address_enc, address_mac, hint, name, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')", [f.id, f.userId, f.channel, f.addressEnc, f.addressMac, f.hint, f.name])
    },
    async factor(id: string, userId: string): Promise<OobFactorRow | undefined> {
      return (await db.query<OobFactorRow>('SELECT * FROM oob_factors WHERE id = $1 AND user_id = $2', [id, userId]))[0]
    },
    async factorsOf(userId: string, status?: 'active'): Promise<OobFactorRow[]> {
      return status
        ? db.query<OobFactorRow>("SELECT * FROM oob_factors WHERE user_id = $1 AND status = 'active' ORDER BY created_at", [userId])
        : db.query<OobFactorRow>('SELECT * FROM oob_factors WHERE user_id = $1 ORDER BY created_at', [userId])
    },
    async activate(id: string): Promise<void> {
      await db.query("UPDATE oob_factors SET status = 'active' WHERE id = $1", [id])
    },
    async history(userId: string, addressMac: string, since: Date): Promise<{ lastSentAt: Date | null; byUser: number; toAddress: number }> {
      const [u] = await db.query<{ n: number; last: Date | null }>('SELECT count(*) AS n, max(sent_at) AS last FROM oob_codes WHERE user_id = $1 AND sent_at > $2', [userId, since])
      const [a] = await db.query<{ n: number }>('SELECT count(*) AS n FROM oob_codes WHERE address_mac = $1 AND sent_at > $2', [addressMac, since])
      return { lastSentAt: u.last ? new Date(u.last) : null, byUser: Number(u.n), toAddress: Number(a.n) }
    },
    async insertCode(c: { id: string; userId: string; factorId: string; flowId: string | null; addressMac: string; codeMac: string; sentAt: Date; expiresAt: Date }): Promise<void> {
      await db.query('INSERT INTO oob_codes (id, user_id, factor_id, flow_id, address_mac, code_mac, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [c.id, c.userId, c.factorId, c.flowId, c.addressMac, c.codeMac, c.sentAt, c.expiresAt])
    },
    async recordProvider(id: string, provider: string, messageId: string | undefined): Promise<void> {
      await db.query('UPDATE oob_codes SET provider = $2, provider_message_id = $3 WHERE id = $1', [id, provider, messageId ?? null])
    },
    /** A send that did not go out must not count against quotas or be checkable. */
    async deleteCode(id: string): Promise<void> {
      await db.query('DELETE FROM oob_codes WHERE id = $1', [id])
    },
    /** The newest code of a login flow, or of a factor's enrollment (flow_id null). */
    async latestCode(where: { flowId: string } | { factorId: string }): Promise<OobCodeRow | undefined> {
      const r = 'flowId' in where
        ? (await db.query<OobCodeRow>('SELECT * FROM oob_codes WHERE flow_id = $1 ORDER BY sent_at DESC LIMIT 1', [where.flowId]))[0]
        : (await db.query<OobCodeRow>('SELECT * FROM oob_codes WHERE factor_id = $1 AND flow_id IS NULL ORDER BY sent_at DESC LIMIT 1', [where.factorId]))[0]
      return r && codeRow(r)
    },
    /**
     * Record a delivery receipt once (vendors retry webhooks): the first receipt for a message
     * wins and returns what the event needs; later ones return undefined.
     */
    async recordReceipt(provider: string, messageId: string, status: string, at: Date): Promise<ReceiptTarget | undefined> {
      const r = (await db.query<ReceiptTarget>(
        `UPDATE oob_codes c SET receipt_status = $3, receipt_at = $4 FROM oob_factors f
         WHERE c.provider = $1 AND c.provider_message_id = $2 AND c.receipt_status IS NULL AND f.id = c.factor_id
         RETURNING c.id, c.user_id, c.flow_id, c.sent_at, f.channel`, [provider, messageId, status, at]))[0]
      return r && { ...r, sent_at: new Date(r.sent_at) }
    },
    /** Messages a vendor accepted but never receipted by `cutoff`; each is returned once. */
    async expireUnreceipted(cutoff: Date, providers: string[], limit = 500): Promise<(ReceiptTarget & { provider: string })[]> {
      const rows = await db.query<ReceiptTarget & { provider: string }>(
        `UPDATE oob_codes c SET receipt_status = 'never_receipted' FROM oob_factors f
         WHERE c.id IN (SELECT id FROM oob_codes WHERE receipt_status IS NULL AND provider = ANY($3::text[]) AND sent_at < $1 ORDER BY sent_at LIMIT $2) AND f.id = c.factor_id
         RETURNING c.id, c.user_id, c.flow_id, c.sent_at, c.provider, f.channel`, [cutoff, limit, providers])
      return rows.map((r) => ({ ...r, sent_at: new Date(r.sent_at) }))
    },
    async countAttempt(id: string): Promise<void> {
      await db.query('UPDATE oob_codes SET attempts = attempts + 1 WHERE id = $1', [id])
    },
    /** Mark used once; false when another request used it first. */
    async useCode(id: string, now: Date): Promise<boolean> {
      return (await db.query('UPDATE oob_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id', [id, now])).length === 1
    },
  }
}
export type OobRepo = ReturnType<typeof createOobRepo>
