import { randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import type { Db } from '../store/db'
import type { Repo, UserRow } from '../store/repo'
import { openEmail } from '../store/user-email'
import { createAudit } from './audit'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

/**
 * Turning MFA off for someone, on a two-person rule: an admin with a fresh second factor asks,
 * a different admin approves, and only then does it apply. Kinds: `policy_exempt` (a
 * time-boxed exemption), `admin_override` (the next sign-in only), `break_glass` (an
 * emergency, at most an hour). Every step is an `mfa.exemption` event and every skip an
 * `mfa.bypass`, both with the exemption's id as `mfa.request_id`, so a report pairs them.
 */
export type ExemptionKind = 'policy_exempt' | 'admin_override' | 'break_glass'
export const MAX_MINUTES: Record<ExemptionKind, number> = { policy_exempt: 7 * 24 * 60, admin_override: 24 * 60, break_glass: 60 }

interface Row { id: string; user_id: string; kind: ExemptionKind; requested_by: string; approved_by: string | null; status: string; minutes: number; created_at: Date; expires_at: Date | null }
/** What an admin sees of an exemption: whose (e-mail; admins only, never in telemetry), what, why, until when. */
export interface ExemptionView { id: string; email: string; user_group: string; kind: ExemptionKind; reason: string; status: string; minutes: number; created_at: Date; expires_at: Date | null; requested_by_you: boolean }

/** Who may approve: an admin who did not ask, for a request still open. Pure. */
export function canApprove(row: Pick<Row, 'requested_by' | 'status' | 'user_id'> | undefined, approver: { id: string; isAdmin: boolean }): { ok: true } | { ok: false; error: 'not_found' | 'forbidden' | 'already_active'; message: string } {
  if (!row) return { ok: false, error: 'not_found', message: 'no such exemption request' }
  if (!approver.isAdmin) return { ok: false, error: 'forbidden', message: 'only an admin can approve turning MFA off' }
  if (approver.id === row.requested_by) return { ok: false, error: 'forbidden', message: 'the admin who asked cannot approve: a second admin must' }
  if (approver.id === row.user_id) return { ok: false, error: 'forbidden', message: 'nobody can approve turning off their own MFA' }
  if (row.status !== 'requested') return { ok: false, error: 'already_active', message: `this request is already ${row.status}` }
  return { ok: true }
}

/** Who may end a request: any admin but the account's owner; a request while open (deny), an active exemption (revoke). Pure. */
export function canEnd(row: Pick<Row, 'status' | 'user_id'> | undefined, admin: { id: string; isAdmin: boolean }): { ok: true; to: 'denied' | 'revoked' } | { ok: false; error: 'not_found' | 'forbidden' | 'already_active'; message: string } {
  if (!row) return { ok: false, error: 'not_found', message: 'no such exemption' }
  if (!admin.isAdmin) return { ok: false, error: 'forbidden', message: 'only an admin can end an exemption' }
  if (admin.id === row.user_id) return { ok: false, error: 'forbidden', message: 'an exemption for your own account is ended by another admin' }
  if (row.status === 'requested') return { ok: true, to: 'denied' }
  if (row.status === 'active') return { ok: true, to: 'revoked' }
  return { ok: false, error: 'already_active', message: `this exemption is already ${row.status}` }
}

export function createExemptions(d: EventDeps & { db: Db; repo: Repo; now: () => Date }) {
  const { base, emit } = eventHelpers(d)
  const audit = createAudit(d).write
  const isAdmin = async (id: string) => (await d.repo.userById(id))?.user_group === 'admin'
  const hash = (id: string | null | undefined) => (id ? d.keys.userHash(id) : undefined)
  /** Which exemption, its kind, who asked and who approved it (or `approver`: who ended it): what its steps and uses carry. */
  const about = (row: Row, approver: string | null | undefined = row.approved_by) => ({
    [ATTR.requestId]: row.id, [ATTR.bypassKind]: row.kind, [ATTR.requesterHash]: hash(row.requested_by), [ATTR.approverHash]: hash(approver),
  })
  /** One `mfa.exemption` step, with the subject's user hash and group (the ctx is that of the admin acting, or of the sweeper). */
  const step = async (reason: 'requested' | 'approved' | 'denied' | 'revoked' | 'expired', row: Row, ctx: RequestCtx, o: { approver?: string | null; subject?: UserRow; durationS?: number } = {}) =>
    emit('mfa.exemption', { ...base(ctx, o.subject ?? (await d.repo.userById(row.user_id))), ...about(row, o.approver ?? undefined), [ATTR.durationS]: o.durationS, [ATTR.reason]: reason }, ctx)
  return {
    async request(adminId: string, o: { email: string; kind: ExemptionKind; reason: string; minutes: number }, ctx: RequestCtx): Promise<string> {
      if (!(await isAdmin(adminId))) throw new MfaError('forbidden', 'only an admin can ask to turn MFA off')
      if (o.minutes > MAX_MINUTES[o.kind]) throw new MfaError('bad_request', `minutes: ${o.kind} lasts at most ${MAX_MINUTES[o.kind]} minutes`, { field: 'minutes' })
      const target = await d.repo.userByEmail(o.email)
      if (!target) throw new MfaError('not_found', 'no account with this e-mail address')
      const id = randomUUID()
      await d.db.query("INSERT INTO mfa_exemptions (id, user_id, kind, reason, requested_by, status, minutes, created_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7)", [id, target.id, o.kind, o.reason, adminId, o.minutes, d.now()])
      await audit(`exemption_requested:${o.kind}`, adminId, target.id, id, o.reason)
      await step('requested', { id, user_id: target.id, kind: o.kind, requested_by: adminId, approved_by: null, status: 'requested', minutes: o.minutes, created_at: d.now(), expires_at: null }, ctx, { subject: target, durationS: o.minutes * 60 })
      return id
    },
    async approve(adminId: string, id: string, ctx: RequestCtx): Promise<Date> {
      const row = (await d.db.query<Row>('SELECT * FROM mfa_exemptions WHERE id = $1', [id]))[0]
      const v = canApprove(row, { id: adminId, isAdmin: await isAdmin(adminId) })
      if (!v.ok) {
        if (row) await audit('exemption_refused', adminId, row.user_id, id, v.message)
        throw new MfaError(v.error, v.message)
      }
      const expires = new Date(d.now().getTime() + row.minutes * 60_000)
      const done = await d.db.query("UPDATE mfa_exemptions SET status = 'active', approved_by = $2, expires_at = $3 WHERE id = $1 AND status = 'requested' RETURNING id", [id, adminId, expires])
      if (!done.length) throw new MfaError('already_active', 'approved by someone else just now')
      await audit(`exemption_approved:${row.kind}`, adminId, row.user_id, id)
      await step('approved', row, ctx, { approver: adminId, durationS: row.minutes * 60 })
      return expires
    },
    /**
     * End a request: deny it while it waits for approval, or revoke it while active (the
     * person signs in with MFA again from now on). Any other admin may; the reason is audited.
     */
    async end(adminId: string, id: string, reason: string, ctx: RequestCtx): Promise<'denied' | 'revoked'> {
      const row = (await d.db.query<Row>('SELECT * FROM mfa_exemptions WHERE id = $1', [id]))[0]
      const v = canEnd(row, { id: adminId, isAdmin: await isAdmin(adminId) })
      if (!v.ok) throw new MfaError(v.error, v.message)
      const done = await d.db.query('UPDATE mfa_exemptions SET status = $2, ended_by = $3, ended_at = $4 WHERE id = $1 AND status = $5 RETURNING id', [id, v.to, adminId, d.now(), row.status])
      if (!done.length) throw new MfaError('already_active', 'someone else changed this exemption just now; reload')
      await audit(`exemption_${v.to}:${row.kind}`, adminId, row.user_id, id, reason)
      await step(v.to, row, ctx, { approver: adminId })
      return v.to
    },
    /** Newest first; exemptions past their end show as expired. */
    async list(viewerId: string): Promise<ExemptionView[]> {
      const rows = await d.db.query<Row & { email_enc: string; user_group: string; reason: string }>(
        'SELECT e.id, e.kind, e.reason, e.status, e.minutes, e.created_at, e.expires_at, e.requested_by, e.user_id, u.email_enc, u.user_group FROM mfa_exemptions e JOIN users u ON u.id = e.user_id ORDER BY e.created_at DESC LIMIT 200')
      const now = d.now().getTime()
      return rows.map((r) => ({
        id: r.id, email: openEmail(d.keys, r.user_id, r.email_enc), user_group: r.user_group, kind: r.kind, reason: r.reason, minutes: r.minutes, created_at: new Date(r.created_at), expires_at: r.expires_at && new Date(r.expires_at),
        status: r.status === 'active' && r.expires_at && new Date(r.expires_at).getTime() <= now ? 'expired' : r.status,
        requested_by_you: r.requested_by === viewerId,
      }))
    },
    /** At sign-in: an active exemption skips MFA (an override is used up). Returns its kind, or undefined. */
    async consume(user: UserRow, flowId: string, ctx: RequestCtx): Promise<ExemptionKind | undefined> {
      const row = (await d.db.query<Row>("SELECT * FROM mfa_exemptions WHERE user_id = $1 AND status = 'active' AND expires_at > $2 ORDER BY created_at LIMIT 1", [user.id, d.now()]))[0]
      if (!row) return undefined
      if (row.kind === 'admin_override') {
        const used = await d.db.query("UPDATE mfa_exemptions SET status = 'used' WHERE id = $1 AND status = 'active' RETURNING id", [row.id])
        if (!used.length) return undefined
      }
      await audit(`exemption_used:${row.kind}`, user.id, user.id, row.id)
      emit('mfa.bypass', { ...base(ctx, user), ...about(row), [ATTR.durationS]: row.minutes * 60, [ATTR.flowId]: flowId, [ATTR.reason]: row.kind, [ATTR.intent]: 'login' }, ctx)
      return row.kind
    },
    /**
     * Mark active exemptions past their end as expired, each with one `mfa.exemption` expired
     * event: the UPDATE moves a row once, so a second sweep (or a second IdP on the same store)
     * finds nothing more to say. Runs on the IdP's sweeper timer.
     */
    async sweep(ctx: RequestCtx): Promise<number> {
      const rows = await d.db.query<Row>(
        "UPDATE mfa_exemptions SET status = 'expired', ended_at = expires_at WHERE id IN (SELECT id FROM mfa_exemptions WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT 500) AND status = 'active' RETURNING *",
        [d.now()],
      )
      for (const row of rows) {
        await audit(`exemption_expired:${row.kind}`, null, row.user_id, row.id)
        await step('expired', row, ctx)
      }
      return rows.length
    },
  }
}
export type Exemptions = ReturnType<typeof createExemptions>
