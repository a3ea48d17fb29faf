import { decideOobCheck, newOobCode, type OobCheck, type OobPolicy } from '../factors/oob'
import type { UserRow } from '../store/repo'
import type { SendResult, Subprocessor } from '../subprocessors/types'
import { eventHelpers, type EventDeps, type RequestCtx } from './events'

export interface MailCodeDeps extends EventDeps {
  /** The e-mail vendors (or the local outbox). */
  sender: Subprocessor
  /** Code lifetime and tries per code (the out-of-band codes' policy). */
  policy: OobPolicy
  now: () => Date
}

/** A mailed code as stored: only its MAC. A null MAC is a code that can never match. */
export interface MailedCodeRow { id: string; code_mac: string | null; expires_at: Date; attempts: number; used_at: Date | null }

/**
 * Send one e-mail through the e-mail vendors (or the local outbox) as a provider.send span and
 * its `mfa.provider.request` events: mailed codes and security notices (login/notices.ts) alike.
 */
export function mailer(d: EventDeps & { sender: Subprocessor }) {
  const { providerRequest } = eventHelpers(d)
  return async (user: UserRow | undefined, to: string, text: string, id: string, ctx: RequestCtx): Promise<SendResult> => {
    const r = await d.telemetry.step(ctx.span, 'provider.send', { 'mfa.channel': 'email' }, () => d.sender.send({ channel: 'email', to, text, idempotencyKey: id, region: d.region }))
    for (const attempt of r.attempts ?? [r]) providerRequest(attempt, 'email', ctx, user, id)
    return r
  }
}

/**
 * One-time codes sent by e-mail to prove an address (sign-up, e-mail change) and the notices
 * that go with them. E-mail proves who reads a mailbox, not who holds a device, so these codes
 * are never a sign-in factor (NIST SP 800-63B 5.1.3.1). Codes are MACed per purpose and row,
 * live `codeTtlMs`, and allow `maxAttemptsPerCode` tries.
 */
export function mailCodes(d: MailCodeDeps, purpose: string) {
  const codeMac = (id: string, code: string) => d.keys.mac(`${purpose}:${id}`, code)
  return {
    /** A fresh code and its MAC for row `id`. */
    issue(id: string): { code: string; mac: string } {
      const code = newOobCode()
      return { code, mac: codeMac(id, code) }
    },
    /** Send one e-mail (see `mailer`). */
    mail: mailer(d),
    /** Whether a typed code is the row's (pure apart from the MAC); the caller counts a wrong try. */
    check(row: MailedCodeRow, code: string): OobCheck {
      const matches = row.code_mac !== null && /^\d{6}$/.test(code) && codeMac(row.id, code) === row.code_mac
      return decideOobCheck({ expiresAt: new Date(row.expires_at), attempts: Number(row.attempts), usedAt: row.used_at && new Date(row.used_at) }, matches, d.now(), d.policy)
    },
    minutes: () => Math.round(d.policy.codeTtlMs / 60_000),
  }
}
export type MailCodes = ReturnType<typeof mailCodes>
