import { ChangeEmailInput, ChangePasswordInput, ConfirmEmailInput, parseInput } from './http/inputs'
import { sendJson } from './http/io'
import type { Exchange, Route } from './http/types'
import type { AccountSecurity } from './login/account-security'
import type { EmailChange } from './login/email-change'

/** Changing the sign-in e-mail (confirmed by a code sent to the new address) or the password over JSON: both need a fresh second factor (step-up). */
export function accountRoutes(security: AccountSecurity, emailChange: EmailChange, requireFresh: (x: Exchange, action: string) => Promise<string>): Route[] {
  const api = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'api', handler })
  return [
    api('POST', '/api/v1/account/email', async (x) => {
      const userId = await requireFresh(x, 'changing the e-mail address')
      const input = parseInput(ChangeEmailInput, await x.body())
      const r = await emailChange.request(userId, input.email, x.ctx)
      sendJson(x.res, 202, { status: 'code_sent', change_id: r.changeId, hint: r.hint })
    }),
    api('POST', '/api/v1/account/email/verify', async (x) => {
      const userId = await requireFresh(x, 'changing the e-mail address')
      const input = parseInput(ConfirmEmailInput, await x.body())
      await emailChange.confirm(userId, input.change_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'changed' })
    }),
    api('POST', '/api/v1/account/password', async (x) => {
      const userId = await requireFresh(x, 'changing the password')
      const input = parseInput(ChangePasswordInput, await x.body())
      const revoked = await security.changePassword(userId, input.current_password, input.new_password, x.ctx)
      // Every session was revoked, this one included: a fresh one keeps this browser signed in.
      sendJson(x.res, 200, { status: 'changed', sessions_revoked: revoked }, { 'set-cookie': await x.signIn(userId, true) })
    }),
  ]
}
