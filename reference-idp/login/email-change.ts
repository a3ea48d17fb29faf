import { randomUUID } from 'node:crypto'
import { MfaError } from '../errors'
import { addressHint, type OobPolicy } from '../factors/oob'
import type { Db } from '../store/db'
import type { Repo, UserRow } from '../store/repo'
import type { Subprocessor } from '../subprocessors/types'
import type { Audit } from './audit'
import type { EventDeps, RequestCtx } from './events'
import { mailCodes } from './mail-code'

export interface EmailChangeDeps extends EventDeps {
  db: Db
  repo: Repo
  /** The e-mail vendors (or the local outbox): the code goes to the new address, a notice to the old. */
  sender: Subprocessor
  audit: Audit
  /** Code lifetime and attempts per code (the out-of-band codes' policy). */
  policy: OobPolicy
  now: () => Date
}

interface ChangeRow { id: string; user_id: string; email_enc: string; code_mac: string; created_at: Date; expires_at: Date; attempts: number; used_at: Date | null }

/** One pending change per user at a time; asking again sooner than this is refused. */
const RESEND_COOLDOWN_MS = 30_000

/**
 * Changing the sign-in e-mail address in two steps: a code goes to the new address (a typo
 * must not lock the owner out of their account), and only that code switches it. The old
 * address is told afterwards, so a takeover does not go unnoticed. Addresses waiting for
 * their code are encrypted at rest, codes MACed; neither appears in telemetry or logs.
 */
export function createEmailChange(d: EmailChangeDeps) {
  const codes = mailCodes(d, 'email-change')
  const mail = (user: UserRow, to: string, text: string, id: string, ctx: RequestCtx) => codes.mail(user, to, text, id, ctx)

  return {
    /** Send a code to the new address; returns the pending change and where the code went (masked). */
    async request(userId: string, email: string, ctx: RequestCtx): Promise<{ changeId: string; hint: string }> {
      const user = await d.repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      if (user.email === email) throw new MfaError('bad_request', 'email: this is already the e-mail address of the account', { field: 'email' })
      if (await d.repo.userByEmail(email)) throw new MfaError('email_taken', 'an account with this e-mail address already exists')
      const now = d.now()
      const [last] = await d.db.query<{ created_at: Date }>('SELECT created_at FROM email_changes WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [userId])
      const wait = last ? Math.ceil((new Date(last.created_at).getTime() + RESEND_COOLDOWN_MS - now.getTime()) / 1000) : 0
      if (wait > 0) throw new MfaError('rate_limited', `a code was sent moments ago; wait ${wait} s before asking again`, { retry_after_seconds: wait }, wait)
      const id = randomUUID()
      const { code, mac } = codes.issue(id)
      await d.db.query('INSERT INTO email_changes (id, user_id, email_enc, code_mac, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, userId, d.keys.box.seal(Buffer.from(email, 'utf8'), id), mac, now, new Date(now.getTime() + d.policy.codeTtlMs)])
      const r = await mail(user, email, `Your FactorWatch code to confirm this e-mail address: ${code}. It expires in ${codes.minutes()} minutes. If you did not ask for it, ignore this message.`, id, ctx)
      if (!r.ok) {
        await d.db.query('DELETE FROM email_changes WHERE id = $1', [id])
        throw new MfaError('provider_unavailable', 'the e-mail with the code could not be sent; try again in a moment', { provider_reason: r.reason })
      }
      return { changeId: id, hint: addressHint('email', email) }
    },

    /** Switch to the new address with the code sent to it; the old address gets a notice. */
    async confirm(userId: string, changeId: string, code: string, ctx: RequestCtx): Promise<void> {
      const [user, row] = await Promise.all([d.repo.userById(userId), d.db.query<ChangeRow>('SELECT * FROM email_changes WHERE id = $1 AND user_id = $2', [changeId, userId]).then((r) => r[0])])
      if (!user || !row) throw new MfaError('not_found', 'no such e-mail change on this account; ask for a new code')
      const v = codes.check(row, code)
      if (!v.ok) {
        if (v.reason === 'invalid_code') await d.db.query('UPDATE email_changes SET attempts = attempts + 1 WHERE id = $1', [row.id])
        if (v.reason === 'invalid_code') throw new MfaError('invalid_code', 'the code is wrong', { field: 'code' })
        throw new MfaError(v.reason === 'code_replayed' ? 'code_replayed' : 'flow_expired', v.reason === 'code_replayed' ? 'this code was already used' : 'this code is no longer valid; ask for a new one')
      }
      if (!(await d.db.query('UPDATE email_changes SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id', [row.id, d.now()])).length) throw new MfaError('code_replayed', 'this code was already used')
      const email = d.keys.box.open(row.email_enc, row.id).toString('utf8')
      if (!(await d.repo.updateEmail(userId, email))) throw new MfaError('email_taken', 'an account with this e-mail address was created meanwhile; choose another')
      await d.audit.write('email_changed', userId, userId, row.id)
      // Best effort: the change is done whether or not the notice goes out.
      await mail(user, user.email, `The sign-in e-mail address of your FactorWatch account was changed to ${addressHint('email', email)}. If this was not you, contact your administrator now.`, randomUUID(), ctx).catch(() => undefined)
    },
  }
}
export type EmailChange = ReturnType<typeof createEmailChange>
