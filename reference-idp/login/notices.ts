import { randomUUID } from 'node:crypto'
import type { Db } from '../store/db'
import type { UserRow } from '../store/repo'
import type { Subprocessor } from '../subprocessors/types'
import type { EventDeps, NoticeKind, NoticeSender, RequestCtx } from './events'
import { mailer } from './mail-code'

/**
 * Security notices mailed to an account's owner after a change to how they sign in (ASVS 4.0.3
 * 2.2.3 and 2.5.5 — "users are notified after updates to authentication details"): what
 * happened, when, and what to do if it was not them. Never a code, secret, link or address.
 */
export type { NoticeKind }

const FACTOR: Record<string, string> = { totp: 'an authenticator app', sms: 'a phone number for text messages', voice: 'a phone number for calls', email: 'an e-mail address', webauthn: 'a passkey', push: 'a phone for push approval' }
const IF_NOT_YOU = 'If this was not you, sign in, change your password and sign out your other sessions (Your sessions), or contact your administrator now.'

const WHAT: Record<NoticeKind, (factor: string, country?: string) => string> = {
  recovery_requested: () => 'Someone asked an administrator to reset the second factors of your account, using your password.',
  recovery_approved: () => 'An administrator approved resetting the second factors of your account.',
  recovery_completed: () => 'The second factors of your account were reset by an administrator-approved recovery: every other session, remembered device and push phone was signed out.',
  password_changed: () => 'The password of your account was changed and every other session was signed out.',
  factor_added: (f) => `A second factor was added to your account: ${f}.`,
  factor_removed: (f) => `A second factor was removed from your account: ${f}.`,
  totp_replayed: () => 'A code from your authenticator app was used a second time: someone may have seen it (over your shoulder or on a fake sign-in page).',
  repeated_failures: (_f, country) => `Someone who knows your password typed wrong second-factor codes again and again${country ? ` (country: ${country})` : ''}, so code sign-in was paused for a while. Your passkey, and the devices you usually sign in from, still work.`,
  unfamiliar_signin: (_f, country) => `Your account was signed in to from a browser or device it was not used from before, or from a risky place${country ? ` (country: ${country})` : ''}.`,
}

export interface NoticePolicy {
  /** Least time between two notices of one kind to one user (a kind not listed: none). */
  minIntervalMs: Partial<Record<NoticeKind, number>>
  /** At most this many notices per user per hour, all kinds together. */
  maxPerHour: number
}
export const DEFAULT_NOTICE_POLICY: NoticePolicy = { minIntervalMs: { totp_replayed: 3600_000, recovery_requested: 600_000, unfamiliar_signin: 600_000, repeated_failures: 3600_000 }, maxPerHour: 10 }

export type NoticeDecision = { send: true } | { send: false; reason: 'same_kind_recently' | 'hourly_cap' }

/**
 * Whether a notice goes out, given the user's notices of the last hour: notices must not become
 * a way to flood someone's mailbox (a replayed code can be sent again and again). Pure.
 */
export function decideNotice(kind: NoticeKind, lastHour: readonly { kind: string; sentAt: Date }[], now: Date, p: NoticePolicy = DEFAULT_NOTICE_POLICY): NoticeDecision {
  const since = (ms: number) => lastHour.filter((n) => now.getTime() - n.sentAt.getTime() < ms)
  const gap = p.minIntervalMs[kind] ?? 0
  if (gap > 0 && since(gap).some((n) => n.kind === kind)) return { send: false, reason: 'same_kind_recently' }
  if (since(3600_000).length >= p.maxPerHour) return { send: false, reason: 'hourly_cap' }
  return { send: true }
}

/** The text of a notice (pure): what, when (UTC), what to do. */
export function noticeText(kind: NoticeKind, at: Date, o: { factor?: string; country?: string } = {}): string {
  const when = at.toISOString().replace('T', ' ').slice(0, 16)
  const country = o.country && /^[A-Z]{2}$/.test(o.country) ? o.country : undefined
  return `FactorWatch security notice. ${WHAT[kind](FACTOR[o.factor ?? ''] ?? 'a second factor', country)} When: ${when} UTC. ${IF_NOT_YOU}`
}

export interface NoticeDeps extends EventDeps { db: Db; sender: Subprocessor; now: () => Date; policy?: NoticePolicy; log?: (line: string) => void }

export function createNotices(d: NoticeDeps): NoticeSender {
  const mail = mailer(d)
  return {
    /**
     * Mail `user` that `kind` happened (to their sign-in address). Best effort: a notice that
     * cannot go out, or is held back by the rate limit, never undoes or fails the change itself.
     */
    async send(user: UserRow, kind: NoticeKind, ctx: RequestCtx, o: { factor?: string; country?: string } = {}): Promise<boolean> {
      try {
        const now = d.now()
        const rows = await d.db.query<{ kind: string; sent_at: Date }>('SELECT kind, sent_at FROM account_notices WHERE user_id = $1 AND sent_at > $2', [user.id, new Date(now.getTime() - 3600_000)])
        if (!decideNotice(kind, rows.map((r) => ({ kind: r.kind, sentAt: new Date(r.sent_at) })), now, d.policy).send) return false
        await d.db.query('INSERT INTO account_notices (user_id, kind, sent_at) VALUES ($1, $2, $3)', [user.id, kind, now])
        return (await mail(user, user.email, noticeText(kind, now, o), randomUUID(), ctx)).ok
      } catch (e) {
        d.log?.(`notices: a ${kind} notice could not be sent: ${e instanceof Error ? e.message : String(e)}`)
        return false
      }
    },
  }
}
export type Notices = ReturnType<typeof createNotices>
