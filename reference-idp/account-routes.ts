import { ChangeEmailInput, ChangePasswordInput, ConfirmEmailInput, parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route } from './http/types'
import type { AccountSecurity } from './login/account-security'
import type { EmailChange } from './login/email-change'

/** Changing the sign-in e-mail address or the password over JSON: each route's facts. */
export const ACCOUNT_ROUTES = routeTable({
  accountEmail: {
    method: 'POST', path: '/api/v1/account/email', kind: 'api', body: ChangeEmailInput,
    docs: { summary: 'Start changing the sign-in e-mail address (fresh second factor needed): a code goes to the new address', ok: [202, '`{status: "code_sent", change_id, hint}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'email_taken', 'rate_limited', 'provider_unavailable'], session: true },
  },
  accountEmailVerify: {
    method: 'POST', path: '/api/v1/account/email/verify', kind: 'api', body: ConfirmEmailInput,
    docs: { summary: 'Switch to the new address with the code sent to it (5 tries, 5 minutes); the old address is told', ok: [200, '`{status: "changed"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'not_found', 'invalid_code', 'code_replayed', 'flow_expired', 'email_taken'], session: true },
  },
  accountPassword: {
    method: 'POST', path: '/api/v1/account/password', kind: 'api', body: ChangePasswordInput, rate: 'password',
    docs: { summary: 'Change the password (fresh second factor and the current password needed): every session is revoked and a new cookie is set; a push lock from a fraud report is lifted', ok: [200, '`{status: "changed", sessions_revoked}`; new session cookie'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'invalid_credentials'], session: true },
  },
})

/** Changing the sign-in e-mail (confirmed by a code sent to the new address) or the password over JSON: both need a fresh second factor (step-up). */
export function accountRoutes(security: AccountSecurity, emailChange: EmailChange, requireFresh: (x: Exchange, action: string) => Promise<string>): Route[] {
  return [
    route(ACCOUNT_ROUTES.accountEmail, async (x) => {
      const userId = await requireFresh(x, 'changing the e-mail address')
      const input = parseInput(ACCOUNT_ROUTES.accountEmail.body, await x.body())
      const r = await emailChange.request(userId, input.email, x.ctx)
      sendJson(x.res, 202, { status: 'code_sent', change_id: r.changeId, hint: r.hint })
    }),
    route(ACCOUNT_ROUTES.accountEmailVerify, async (x) => {
      const userId = await requireFresh(x, 'changing the e-mail address')
      const input = parseInput(ACCOUNT_ROUTES.accountEmailVerify.body, await x.body())
      await emailChange.confirm(userId, input.change_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'changed' })
    }),
    route(ACCOUNT_ROUTES.accountPassword, async (x) => {
      const userId = await requireFresh(x, 'changing the password')
      const input = parseInput(ACCOUNT_ROUTES.accountPassword.body, await x.body())
      const revoked = await security.changePassword(userId, input.current_password, input.new_password, x.ctx)
      // Every session was revoked, this one included: a fresh one keeps this browser signed in.
      sendJson(x.res, 200, { status: 'changed', sessions_revoked: revoked }, { 'set-cookie': await x.signIn(userId, true) })
    }),
  ]
}
