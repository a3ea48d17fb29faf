import type { IdpKeys } from '../keys'
import type { Db } from './db'

/**
 * E-mail addresses at rest (ASVS 6.2/8.3 personal data; NIST 5.1.2.1-style protection of
 * identifiers): `users.email_enc` is AES-256-GCM bound to the user id, `users.email_idx` the
 * keyed blind index that finds and deduplicates an address without storing it. The old plaintext
 * column `users.email` stays only as an empty, nullable column (cleared at start-up).
 */
export type EmailKeys = Pick<IdpKeys, 'box' | 'emailIndex'>

const aad = (userId: string) => `user-email:${userId}`
export const sealEmail = (k: EmailKeys, userId: string, email: string): string => k.box.seal(Buffer.from(email, 'utf8'), aad(userId))
export const openEmail = (k: EmailKeys, userId: string, sealed: string): string => k.box.open(sealed, aad(userId)).toString('utf8')

/** Encrypt and index the addresses rows still hold in plaintext, then clear the plaintext; returns how many. */
export async function backfillUserEmails(db: Db, k: EmailKeys): Promise<number> {
  const rows = await db.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE email IS NOT NULL')
  for (const r of rows) {
    await db.query('UPDATE users SET email_enc = $2, email_idx = $3, email = NULL WHERE id = $1', [r.id, sealEmail(k, r.id, r.email), k.emailIndex(r.email)])
  }
  return rows.length
}
