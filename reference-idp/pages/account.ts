import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RecoveryCompleteInput, RecoveryRequestInput } from '../admin-routes'
import { MfaError } from '../errors'
import { ActivateOobInput, EnrollOobInput, parseInput } from '../http/inputs'
import { esc, redirect, sendHtml } from '../http/io'
import type { Exchange, Route } from '../http/types'
import type { AdminRecovery } from '../login/admin-recovery'
import type { OobService } from '../login/oob'
import type { TrustedDevices } from '../login/trusted'
import { field, page } from './layout'

const RECOVER_JS = join(dirname(fileURLToPath(import.meta.url)), 'assets', 'recover.js')

export interface AccountPageDeps {
  oob: OobService
  trusted: TrustedDevices
  recovery: AdminRecovery
  /** The signed-in user when the session is fresh enough; otherwise it has answered (sign-in or step-up page). */
  fresh(x: Exchange, action: string): Promise<string | undefined>
}

const oobForm = (error?: string) => page('Add a phone number', `
<form method="post" action="/enroll/oob">
<label for="channel">How should codes reach you?</label>
<select id="channel" name="channel"><option value="sms">Text message (SMS)</option><option value="voice">Phone call</option></select>
${field({ name: 'address', label: 'Phone number (+4915112345678)', autocomplete: 'tel', error: !!error })}
<p class="note">Codes by e-mail are not offered: e-mail is not a second factor (NIST SP 800-63B 5.1.3.1). Your e-mail address gets security notices.</p>
<button type="submit">Send a code</button></form><p><a href="/">Back</a></p>`, error)

const oobVerifyForm = (factorId: string, hint: string, error?: string) => page('Enter the code we sent', `
<p>We sent a code to ${esc(hint)}. It expires in 5 minutes.</p>
<form method="post" action="/enroll/oob/verify"><input type="hidden" name="factor_id" value="${esc(factorId)}">
${field({ name: 'code', label: 'Code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', autofocus: true, error: !!error })}
<button type="submit">Turn on</button></form>`, error)

const requestForm = (error?: string) => page('Lost your second factor?', `
<p>Ask an administrator to reset it. You need your password; an administrator checks it is really you (for example by calling you back) before approving.</p>
<form method="post" action="/recovery/request">
${field({ name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'username', autofocus: true })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
<button type="submit">Ask for a reset</button></form>`, error)

const recoverForm = (error?: string) => page('Reset your second factor', `
<p>This removes your old second factors and signs you in, so you can set up a new one right away.</p>
<form method="post" action="/recover">${field({ name: 'token', label: 'Recovery link code', autocomplete: 'off', error: !!error })}
<button type="submit">Reset and continue</button></form><script src="/assets/recover.js"></script>`, error)

/** Pages for adding codes by phone or e-mail, remembered devices, and admin-assisted recovery. */
export function accountPageRoutes(d: AccountPageDeps): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  const friendly = (e: unknown) => {
    if (!(e instanceof MfaError) || e.status >= 500) throw e
    return e
  }
  return [
    p('GET', '/assets/recover.js', async (x) => {
      x.res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' })
      x.res.end(readFileSync(RECOVER_JS, 'utf8'))
    }),
    p('GET', '/enroll/oob', async (x) => ((await x.userId()) ? sendHtml(x.res, 200, oobForm()) : redirect(x.res, '/login'))),
    p('POST', '/enroll/oob', async (x) => {
      const userId = await d.fresh(x, 'Adding a factor')
      if (!userId) return
      try {
        const input = parseInput(EnrollOobInput, await x.body())
        const r = await d.oob.enroll(userId, input.channel, input.address, x.ctx)
        sendHtml(x.res, 200, oobVerifyForm(r.factorId, r.hint))
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, oobForm(err.message))
      }
    }),
    p('POST', '/enroll/oob/verify', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      const body = await x.body()
      try {
        const input = parseInput(ActivateOobInput, body)
        await d.oob.activate(userId, input.factor_id, input.code, x.ctx)
        redirect(x.res, '/')
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, oobVerifyForm(String(body.factor_id ?? ''), 'your phone or mailbox', err.message))
      }
    }),
    p('POST', '/trusted-devices/revoke', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      await d.trusted.revoke(userId)
      redirect(x.res, '/')
    }),
    p('GET', '/recovery/request', async (x) => sendHtml(x.res, 200, requestForm())),
    p('POST', '/recovery/request', async (x) => {
      try {
        const input = parseInput(RecoveryRequestInput, await x.body())
        await d.recovery.request(input.email, input.password, x.ctx)
        sendHtml(x.res, 202, page('Request received', '<p>If the e-mail address and password match an account, an administrator will review the request and contact you.</p><p><a href="/login">Back to sign-in</a></p>'))
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, requestForm(err.message))
      }
    }),
    p('GET', '/recover', async (x) => sendHtml(x.res, 200, recoverForm())),
    p('POST', '/recover', async (x) => {
      try {
        const input = parseInput(RecoveryCompleteInput, await x.body())
        const userId = await d.recovery.complete(input.token, x.ctx)
        redirect(x.res, '/', { 'set-cookie': await x.signIn(userId, true) })
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, recoverForm(err.message))
      }
    }),
  ]
}
