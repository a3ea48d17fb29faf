import { randomUUID } from 'node:crypto'
import { MfaError } from '../errors'
import type { Db } from '../store/db'
import type { Repo } from '../store/repo'
import type { LoginService } from './service'
import type { Audit } from './audit'
import type { RequestCtx } from './events'
import { mailCodes, type MailCodeDeps, type MailedCodeRow } from './mail-code'

export interface SignupDeps extends MailCodeDeps {
  db: Db
  repo: Repo
  audit: Audit
  /** The password policy and hash, and the account (its group and row): the login service's. */
  accounts: Pick<LoginService, 'hashNewPassword' | 'createAccount'>
}

interface PendingRow extends MailedCodeRow { email_enc: string | null; password_hash: string | null }

/** Sign-up mails per address per hour (taken or not): no mail bombing of an address through the form. */
export const SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = 3
const HOUR = 3600_000
/** Pending sign-ups are kept this long after they were asked for (the hourly quota reads them), then swept. */
const KEEP_MS = 24 * HOUR

/** What every sign-up request answers, taken address or not. */
export interface SignupStarted { signupId: string }

/**
 * Sign-up proves the address before an account exists, and never says whether an address
 * already has one (WSTG-IDNT-04): every request gets a pending sign-up and one e-mail. A new
 * address gets a code; a taken address gets a notice to its owner instead, and its pending
 * sign-up has no code, so it can never be verified. Both paths hash the password, write one row
 * and send one mail, so they answer alike in shape and time. Addresses are kept encrypted with a
 * MAC to count mails per address; codes MACed, 5 tries, short-lived (the e-mail change's codes).
 */
export function createSignup(d: SignupDeps) {
  const codes = mailCodes(d, 'signup')
  const addressMac = (email: string) => d.keys.mac('signup-address', email)

  return {
    async request(email: string, password: string, ctx: RequestCtx): Promise<SignupStarted> {
      const id = randomUUID()
      const now = d.now()
      const mac = addressMac(email)
      // Hashed either way: a taken address must not answer faster.
      const [owner, passwordHash] = await Promise.all([d.repo.userByEmail(email), d.accounts.hashNewPassword(email, password)])
      const [recent] = await d.db.query<{ n: number }>('SELECT count(*) AS n FROM pending_signups WHERE email_mac = $1 AND created_at > $2', [mac, new Date(now.getTime() - HOUR)])
      if (Number(recent.n) >= SIGNUP_MAILS_PER_ADDRESS_PER_HOUR) {
        throw new MfaError('rate_limited', 'too many sign-ups for this e-mail address in the last hour; check your mailbox for the code, or try again later', { retry_after_seconds: 3600 }, 3600)
      }
      const issued = owner ? undefined : codes.issue(id)
      await d.db.query('INSERT INTO pending_signups (id, email_mac, email_enc, password_hash, code_mac, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        id, mac, owner ? null : d.keys.box.seal(Buffer.from(email, 'utf8'), id), owner ? null : passwordHash, issued?.mac ?? null, now, new Date(now.getTime() + d.policy.codeTtlMs),
      ])
      const text = issued
        ? `Your FactorWatch code to create your account: ${issued.code}. It expires in ${codes.minutes()} minutes. If you did not ask for it, ignore this message.`
        : 'Someone tried to create a FactorWatch account with this e-mail address, which already has one. If this was you, sign in instead (or use "Lost your second factor?"). If it was not you, you can ignore this message: nothing was changed.'
      const r = await codes.mail(owner, email, text, id, ctx)
      if (!r.ok) {
        await d.db.query('DELETE FROM pending_signups WHERE id = $1', [id])
        throw new MfaError('provider_unavailable', 'the e-mail could not be sent; try again in a moment', { provider_reason: r.reason })
      }
      return { signupId: id }
    },

    /** Create the account with the code from the e-mail; returns the new user's id (to sign in). */
    async verify(signupId: string, code: string): Promise<string> {
      const row = (await d.db.query<PendingRow>('SELECT * FROM pending_signups WHERE id = $1', [signupId]))[0]
      if (!row) throw new MfaError('not_found', 'no such sign-up; start again')
      const v = codes.check(row, code)
      if (!v.ok) {
        if (v.reason === 'invalid_code') {
          await d.db.query('UPDATE pending_signups SET attempts = attempts + 1 WHERE id = $1', [row.id])
          throw new MfaError('invalid_code', 'the code is wrong', { field: 'code', attempts_left: d.policy.maxAttemptsPerCode - Number(row.attempts) - 1 })
        }
        throw new MfaError(v.reason === 'code_replayed' ? 'code_replayed' : 'flow_expired', v.reason === 'code_replayed' ? 'this code was already used' : 'this code is no longer valid; sign up again for a new one')
      }
      if (!(await d.db.query('UPDATE pending_signups SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id', [row.id, d.now()])).length) throw new MfaError('code_replayed', 'this code was already used')
      const email = d.keys.box.open(row.email_enc!, row.id).toString('utf8')
      // Only the mailbox's reader gets here, so "taken meanwhile" (email_taken) tells no one else anything.
      const userId = await d.accounts.createAccount(email, row.password_hash!)
      await d.db.query('UPDATE pending_signups SET password_hash = NULL, email_enc = NULL WHERE id = $1', [row.id])
      await d.audit.write('signed_up', userId, userId, row.id)
      return userId
    },

    /**
     * Forget the address and password hash of sign-ups whose code expired (nothing can use them
     * now), and drop rows older than a day (the hourly quota no longer reads them); returns how many rows went.
     */
    async sweep(): Promise<number> {
      const now = d.now()
      await d.db.query('UPDATE pending_signups SET email_enc = NULL, password_hash = NULL WHERE expires_at <= $1 AND (email_enc IS NOT NULL OR password_hash IS NOT NULL)', [now])
      return (await d.db.query('DELETE FROM pending_signups WHERE created_at < $1 RETURNING id', [new Date(now.getTime() - KEEP_MS)])).length
    },
  }
}
export type Signup = ReturnType<typeof createSignup>
