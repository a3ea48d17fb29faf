import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import { dummyPasswordHash, verifyPassword, verifyPasswordAtCost, type ScryptParams } from '../factors/password'
import type { Db } from '../store/db'
import type { Repo, UserRow } from '../store/repo'
import { openEmail } from '../store/user-email'
import { createAudit } from './audit'
import type { TrustedDevices } from './trusted'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'
import { decideRecovery, type RecoveryPolicy, type RecoveryStatus } from './recovery-policy'

interface RequestRow { id: string; user_id: string; status: RecoveryStatus; created_at: Date; link_expires_at: Date | null; decided_by: string | null; decision_reason: string | null }

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const state = (r: RequestRow | undefined) => r && { status: r.status, userId: r.user_id, createdAt: new Date(r.created_at), linkExpiresAt: r.link_expires_at && new Date(r.link_expires_at) }

/**
 * Admin-assisted recovery: the user proves the password (not the lost factor) and files a
 * request; another admin approves or denies with a reason; approval yields a one-time,
 * short-lived link that removes the old factors and signs in fresh so a new one can be
 * enrolled. Every step is an `mfa.recovery` event and a row in `audit_log`; the events carry
 * the request's id (`mfa.request_id`) and, once decided, the deciding admin's hash.
 */
export interface AdminRecoveryDeps extends EventDeps {
  db: Db; repo: Repo; policy: RecoveryPolicy; now: () => Date
  /** The password check (a seam: tests observe that unknown addresses pay for one too). */
  verifyPassword?: (password: string, hash: string) => Promise<boolean>
  /** scrypt parameters of real hashes (IDP_PASSWORD_COST), so the dummy one costs the same. */
  passwordHashing?: ScryptParams
  /** Remembered devices, forgotten when a recovery completes. */
  trusted?: Pick<TrustedDevices, 'revoke'>
}

export function createAdminRecovery(d: AdminRecoveryDeps) {
  const { base, emit } = eventHelpers(d)
  const verify = d.verifyPassword ?? verifyPassword
  const hash = (id: string | null | undefined) => (id ? d.keys.userHash(id) : null)
  const audit = createAudit(d).write
  /** One step of request `r`; `r.decided_by` is the admin who approved or denied it, once someone has. */
  const event = (reason: 'requested' | 'approved' | 'denied' | 'completed' | 'expired', user: UserRow | undefined, ctx: RequestCtx, r: { id: string; decided_by?: string | null }) =>
    emit('mfa.recovery', {
      ...base(ctx, user), [ATTR.factor]: 'admin_recovery', [ATTR.reason]: reason, [ATTR.intent]: 'recovery',
      [ATTR.requestId]: r.id, [ATTR.approverHash]: hash(r.decided_by) ?? undefined,
    }, ctx)
  const load = async (id: string) => (await d.db.query<RequestRow>('SELECT * FROM recovery_requests WHERE id = $1', [id]))[0]
  const move = async (id: string, from: RecoveryStatus, to: RecoveryStatus, extra = '', params: unknown[] = []) =>
    (await d.db.query(`UPDATE recovery_requests SET status = $3${extra} WHERE id = $1 AND status = $2 RETURNING id`, [id, from, to, ...params])).length === 1

  async function expire(r: RequestRow, ctx: RequestCtx): Promise<void> {
    if (!(await move(r.id, r.status, 'expired'))) return
    await audit('expired', null, r.user_id, r.id)
    event('expired', await d.repo.userById(r.user_id), ctx, r)
  }

  return {
    /**
     * Answers the same whether or not the account exists or the password is right (no probing):
     * an unknown address is checked against a dummy hash, so it takes as long as a known one.
     */
    async request(email: string, password: string, ctx: RequestCtx): Promise<void> {
      const user = await d.repo.userByEmail(email)
      // Without a seam: an account whose hash still has an older, cheaper N costs what a current one does.
      const ok = d.verifyPassword ? await verify(password, user?.password_hash ?? (await dummyPasswordHash(d.passwordHashing))) : await verifyPasswordAtCost(password, user?.password_hash, d.passwordHashing)
      if (!user || !ok) return
      const open = await d.db.query("SELECT 1 FROM recovery_requests WHERE user_id = $1 AND status IN ('requested', 'approved')", [user.id])
      if (open.length) return
      const id = randomUUID()
      await d.db.query("INSERT INTO recovery_requests (id, user_id, status, created_at) VALUES ($1, $2, 'requested', $3)", [id, user.id, d.now()])
      await audit('requested', user.id, user.id, id)
      event('requested', user, ctx, { id })
      await d.notices?.send(user, 'recovery_requested', ctx)
    },

    async list(status: RecoveryStatus = 'requested') {
      const rows = await d.db.query<RequestRow & { user_group: string; email_enc: string }>('SELECT r.*, u.user_group, u.email_enc FROM recovery_requests r JOIN users u ON u.id = r.user_id WHERE r.status = $1 ORDER BY r.created_at LIMIT 200', [status])
      // The reviewing admin must know who asked to check it is really them (a call-back): the
      // e-mail is shown to admins here, and never leaves the IdP in telemetry or logs.
      return rows.map((r) => ({ id: r.id, email: openEmail(d.keys, r.user_id, r.email_enc), user_hash: hash(r.user_id), user_group: r.user_group, status: r.status, created_at: r.created_at }))
    },

    /** Approve (returns the one-time link token, shown once) or deny, with a reason. */
    async decide(adminId: string, requestId: string, approve: boolean, reason: string, ctx: RequestCtx): Promise<{ token?: string; expiresAt?: Date }> {
      const admin = await d.repo.userById(adminId)
      const r = await load(requestId)
      const v = decideRecovery(state(r), { kind: 'decide', actorId: adminId, actorIsAdmin: admin?.user_group === 'admin', approve }, d.now(), d.policy)
      if (!v.ok) {
        if (v.expire && r) await expire(r, ctx)
        if (r) await audit(`refused_${approve ? 'approve' : 'deny'}`, adminId, r.user_id, requestId, v.message)
        throw new MfaError(v.error, v.message)
      }
      const token = approve ? randomBytes(32).toString('base64url') : undefined
      const expiresAt = approve ? new Date(d.now().getTime() + d.policy.linkTtlMs) : undefined
      const moved = approve
        ? await move(requestId, 'requested', 'approved', ', decided_by = $4, decided_at = $5, decision_reason = $6, link_hash = $7, link_expires_at = $8', [adminId, d.now(), reason, sha(token!), expiresAt])
        : await move(requestId, 'requested', 'denied', ', decided_by = $4, decided_at = $5, decision_reason = $6', [adminId, d.now(), reason])
      if (!moved) throw new MfaError('already_active', 'this request was decided by someone else just now')
      await audit(approve ? 'approved' : 'denied', adminId, r!.user_id, requestId, reason)
      const subject = await d.repo.userById(r!.user_id)
      event(approve ? 'approved' : 'denied', subject, ctx, { id: requestId, decided_by: adminId })
      if (approve && subject) await d.notices?.send(subject, 'recovery_approved', ctx)
      return { token, expiresAt }
    },

    /** Use the link: old second factors are removed; returns the user to sign in with a fresh second-factor session. */
    async complete(token: string, ctx: RequestCtx): Promise<string> {
      const r = (await d.db.query<RequestRow>('SELECT * FROM recovery_requests WHERE link_hash = $1', [sha(token)]))[0]
      const v = decideRecovery(state(r), { kind: 'complete' }, d.now(), d.policy)
      if (!v.ok) {
        if (v.expire && r) await expire(r, ctx)
        throw new MfaError(v.error === 'not_found' ? 'not_found' : v.error, v.error === 'not_found' ? 'this recovery link is not valid' : v.message)
      }
      if (!(await move(r.id, 'approved', 'completed', ', completed_at = $4, link_hash = NULL', [d.now()]))) throw new MfaError('already_active', 'this recovery link was already used')
      const user = await d.repo.userById(r.user_id)
      // Whoever took the account may hold its push phones, remembered devices and sessions: all of them end here too (NIST SP 800-63B 6.1.2.3).
      for (const [table, factor] of [['totp_credentials', 'totp'], ['oob_factors', 'sms'], ['webauthn_credentials', 'webauthn'], ['recovery_codes', 'recovery_code'], ['push_devices', 'push'], ['push_pairings', undefined]] as const) {
        const gone = await d.db.query(`DELETE FROM ${table} WHERE user_id = $1 RETURNING user_id`, [r.user_id])
        if (gone.length && factor) emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: factor, [ATTR.reason]: 'reset', [ATTR.intent]: 'recovery' }, ctx)
      }
      await d.db.query('UPDATE users SET mfa_locked_until = NULL WHERE id = $1', [r.user_id])
      const devices = (await d.trusted?.revoke(r.user_id)) ?? 0
      const sessions = await d.repo.revokeUserSessions(r.user_id)
      await audit('completed', r.user_id, r.user_id, r.id, `ended ${sessions} session(s), forgot ${devices} remembered device(s)`)
      event('completed', user, ctx, r)
      if (user) await d.notices?.send(user, 'recovery_completed', ctx)
      return r.user_id
    },

    async sweep(ctx: RequestCtx): Promise<number> {
      const rows = await d.db.query<RequestRow>("SELECT * FROM recovery_requests WHERE status IN ('requested', 'approved') ORDER BY created_at LIMIT 500")
      let n = 0
      for (const r of rows) if (decideRecovery(state(r), { kind: 'sweep' }, d.now(), d.policy).ok) {
        await expire(r, ctx)
        n++
      }
      return n
    },
  }
}
export type AdminRecovery = ReturnType<typeof createAdminRecovery>
