import { randomUUID } from 'node:crypto'
import type { UserGroup } from '../../contract'
import { MfaError, type ErrorCode } from '../errors'
import type { Db } from '../store/db'
import type { Repo } from '../store/repo'
import { createAudit } from './audit'
import type { EventDeps } from './events'

/**
 * Account types are never chosen by their holder. They change by configuration (the IdP's
 * service's signed assertion, IDP_SERVICE_KEYS, used by provisioning and the demo's traffic generator) or
 * by an admin, and making someone an admin (or taking admin away) needs a second admin: the
 * same two-person rule as turning MFA off. Every step is audited.
 */
export type GrantActor = { kind: 'service_token'; kid?: string; sub?: string } | { kind: 'admin'; id: string }
export type GrantDecision = { kind: 'apply' } | { kind: 'request' } | { kind: 'refuse'; error: ErrorCode; message: string }

/** What a request to change an account's type does. Pure. */
export function decideGrant(actor: GrantActor, target: { id: string; group: string }, to: UserGroup): GrantDecision {
  if (target.group === to) return { kind: 'refuse', error: 'already_active', message: `the account is already ${to}` }
  if (actor.kind === 'service_token') return { kind: 'apply' }
  if (actor.id === target.id) return { kind: 'refuse', error: 'forbidden', message: 'nobody changes their own account type: ask another admin' }
  // Admin power is granted and taken away by two people; other types by one admin.
  return to === 'admin' || target.group === 'admin' ? { kind: 'request' } : { kind: 'apply' }
}

interface GrantRow { id: string; user_id: string; user_group: UserGroup; requested_by: string | null; status: string }

/** Who may decide a pending grant: an admin who neither asked nor is its subject, while it waits. Pure. */
export function canDecideGrant(row: GrantRow | undefined, admin: { id: string; isAdmin: boolean }): { ok: true } | { ok: false; error: ErrorCode; message: string } {
  if (!row) return { ok: false, error: 'not_found', message: 'no such account-type request' }
  if (!admin.isAdmin) return { ok: false, error: 'forbidden', message: 'only an admin can decide an account-type request' }
  if (admin.id === row.requested_by) return { ok: false, error: 'forbidden', message: 'the admin who asked cannot approve: a second admin must' }
  if (admin.id === row.user_id) return { ok: false, error: 'forbidden', message: 'nobody decides a change of their own account type' }
  if (row.status !== 'requested') return { ok: false, error: 'already_active', message: `this request is already ${row.status}` }
  return { ok: true }
}

export interface GrantView { id: string; email: string; from_group: string; user_group: string; reason: string; status: string; created_at: Date; requested_by_you: boolean }

export function createRoles(d: Pick<EventDeps, 'keys'> & { db: Db; repo: Repo; now: () => Date }) {
  const audit = createAudit(d).write
  const isAdmin = async (id: string) => (await d.repo.userById(id))?.user_group === 'admin'
  const apply = async (userId: string, to: UserGroup) => d.db.query('UPDATE users SET user_group = $2 WHERE id = $1', [userId, to])
  return {
    /** Change an account's type: applied at once, or recorded for a second admin's approval. */
    async change(actor: GrantActor, email: string, to: UserGroup, reason: string): Promise<{ id: string; status: 'applied' | 'requested' }> {
      if (actor.kind === 'admin' && !(await isAdmin(actor.id))) throw new MfaError('forbidden', 'only an admin can change an account type')
      const target = await d.repo.userByEmail(email)
      if (!target) throw new MfaError('not_found', 'no account with this e-mail address')
      const v = decideGrant(actor, { id: target.id, group: target.user_group }, to)
      const by = actor.kind === 'admin' ? actor.id : null
      if (v.kind === 'refuse') {
        await audit('account_type_refused', by, target.id, null, `${to}: ${v.message}`)
        throw new MfaError(v.error, v.message)
      }
      const id = randomUUID()
      const status = v.kind === 'apply' ? 'applied' : 'requested'
      await d.db.query('INSERT INTO role_grants (id, user_id, user_group, reason, via, requested_by, decided_by, status, created_at, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [id, target.id, to, reason, actor.kind, by, status === 'applied' ? by : null, status, d.now(), status === 'applied' ? d.now() : null])
      if (status === 'applied') await apply(target.id, to)
      await audit(`account_type_${status}:${target.user_group}->${to}`, by, target.id, id, `${actor.kind === 'service_token' ? `service ${actor.sub ?? 'provisioning'} (key ${actor.kid ?? '?'}): ` : ''}${reason}`)
      return { id, status }
    },
    /** A second admin approves or denies a pending grant. */
    async decide(adminId: string, id: string, approve: boolean, reason: string): Promise<'applied' | 'denied'> {
      const row = (await d.db.query<GrantRow>('SELECT id, user_id, user_group, requested_by, status FROM role_grants WHERE id = $1', [id]))[0]
      const v = canDecideGrant(row, { id: adminId, isAdmin: await isAdmin(adminId) })
      if (!v.ok) {
        if (row) await audit('account_type_decision_refused', adminId, row.user_id, id, v.message)
        throw new MfaError(v.error, v.message)
      }
      const status = approve ? 'applied' : 'denied'
      const done = await d.db.query("UPDATE role_grants SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'requested' RETURNING id", [id, status, adminId, d.now()])
      if (!done.length) throw new MfaError('already_active', 'someone else decided this request just now; reload')
      if (approve) await apply(row.user_id, row.user_group)
      await audit(`account_type_${status}:${row.user_group}`, adminId, row.user_id, id, reason)
      return status
    },
    /** Pending grants, for the admin console (addresses for admins only, never in telemetry). */
    async pending(adminId: string): Promise<GrantView[]> {
      const rows = await d.db.query<{ id: string; user_id: string; user_group: string; from_group: string; reason: string; status: string; created_at: Date; requested_by: string | null }>(
        "SELECT g.id, g.user_id, g.user_group, u.user_group AS from_group, g.reason, g.status, g.created_at, g.requested_by FROM role_grants g JOIN users u ON u.id = g.user_id WHERE g.status = 'requested' ORDER BY g.created_at LIMIT 200")
      const out: GrantView[] = []
      for (const r of rows) {
        const u = await d.repo.userById(r.user_id)
        out.push({ id: r.id, email: u?.email ?? '', from_group: r.from_group, user_group: r.user_group, reason: r.reason, status: r.status, created_at: new Date(r.created_at), requested_by_you: r.requested_by === adminId })
      }
      return out
    },
  }
}
export type Roles = ReturnType<typeof createRoles>
