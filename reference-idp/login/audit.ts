import type { IdpKeys } from '../keys'
import type { Db } from '../store/db'

export interface AuditEntry { at: Date; actor_hash: string | null; action: string; target_hash: string | null; request_id: string | null; detail: string | null }

/**
 * The audit log of account and admin actions. Actors and targets are HMAC hashes like in
 * telemetry; `detail` holds an admin's stated reason, never a secret or an address.
 */
export function createAudit(d: { db: Db; keys: Pick<IdpKeys, 'userHash'>; now: () => Date }) {
  const hash = (id: string | null) => (id ? d.keys.userHash(id) : null)
  return {
    async write(action: string, actor: string | null, target: string | null, requestId: string | null, detail?: string): Promise<void> {
      await d.db.query('INSERT INTO audit_log (at, actor_hash, action, target_hash, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6)', [d.now(), hash(actor), action, hash(target), requestId, detail ?? null])
    },
    recent: (limit = 100) => d.db.query<AuditEntry>('SELECT at, actor_hash, action, target_hash, request_id, detail FROM audit_log ORDER BY id DESC LIMIT $1', [limit]),
  }
}
export type Audit = ReturnType<typeof createAudit>
