import { MfaError } from '../errors'
import { newPasswordField, PASSWORD_SCRIPTS } from './password-field'
import { ChangeEmailInput, ChangePasswordInput, ConfirmEmailInput, parseInput, RemoveFactorInput, RenameFactorInput } from '../http/inputs'
import { esc, redirect, sendHtml } from '../http/io'
import { route } from '../http/route-table'
import type { Exchange, Route } from '../http/types'
import type { AccountSecurity } from '../login/account-security'
import type { EmailChange } from '../login/email-change'
import type { FactorAdmin } from '../login/factor-admin'
import type { LoginService } from '../login/service'
import type { Repo } from '../store/repo'
import { field, page } from './layout'

export interface SettingsPageDeps {
  login: Pick<LoginService, 'factors'>
  factorAdmin: FactorAdmin
  security: AccountSecurity
  emailChange: EmailChange
  repo: Repo
  /** The signed-in user when the session is fresh enough; otherwise it has answered (sign-in or step-up page). */
  fresh(x: Exchange, action: string): Promise<string | undefined>
}

type FactorInfo = Awaited<ReturnType<LoginService['factors']>>[number]
const KIND: Record<string, string> = { totp: 'authenticator app', sms: 'text message', voice: 'phone call', email: 'e-mail', push: 'push approval' }
const STATUS: Record<string, string> = { active: 'on', pending: 'not verified yet', unregistered: 'app removed from the phone: add it again' }

function factorItem(f: FactorInfo): string {
  const id = esc(f.id)
  const name = esc(f.name)
  // An e-mail enrollment from before counts for nothing (NIST SP 800-63B 5.1.3.1): say so, offer its removal.
  const status = f.type === 'email' ? 'not a second factor: e-mail codes are no longer accepted; remove it' : (STATUS[f.status] ?? f.status)
  return `<li><strong>${name}</strong> <span class="note">(${esc(KIND[f.type] ?? f.type)}${f.hint ? `, ${esc(f.hint)}` : ''}; ${esc(status)})</span>
<form method="post" action="/factors/rename"><input type="hidden" name="type" value="${esc(f.type)}"><input type="hidden" name="id" value="${id}">
<label for="rename-${id}">New name for ${name}</label><input id="rename-${id}" name="name" required maxlength="64" value="${name}">
<button type="submit">Rename</button></form>
<form method="post" action="/factors/remove"><input type="hidden" name="type" value="${esc(f.type)}"><input type="hidden" name="id" value="${id}"><button type="submit" class="danger" aria-label="Remove ${name}">Remove</button></form></li>`
}

/** The factor list with rename and remove, as the account page shows it (passkeys have their own page). */
export const factorList = (factors: FactorInfo[]) =>
  factors.length ? `<ul class="factors">${factors.map(factorItem).join('')}</ul>` : '<p>No second factor yet: your account is protected by its password only.</p>'

const settingsPage = (email: string, error?: string, done?: string) => page('Account settings', `
${done ? `<p role="status" class="done">${esc(done)}</p>` : ''}
<p class="note">Changing these needs a second factor from the last few minutes.</p>
<h2>Sign-in e-mail address</h2>
<form method="post" action="/account/email">
${field({ name: 'email', label: 'New e-mail address', type: 'email', autocomplete: 'email', value: email })}
<button type="submit">Change e-mail address</button></form>
<h2>Password</h2>
<form method="post" action="/account/password">
${field({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password' })}
${newPasswordField({ name: 'new_password', label: 'New password', error: !!error?.startsWith('new_password:') })}
<button type="submit">Change password</button></form>
<p class="note">Changing the password signs out every other browser.</p>${PASSWORD_SCRIPTS}
<p><a href="/">Back to your account</a></p>`, error)

const confirmEmailPage = (changeId: string, hint: string, error?: string) => page('Confirm the new e-mail address', `
<p>We sent a code to ${esc(hint)}. Enter it to switch your sign-in address; it expires in 5 minutes.</p>
<form method="post" action="/account/email/verify"><input type="hidden" name="change_id" value="${esc(changeId)}"><input type="hidden" name="hint" value="${esc(hint)}">
${field({ name: 'code', label: 'Code from the e-mail', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', autofocus: true, error: !!error })}
<button type="submit">Confirm</button></form><p><a href="/account">Cancel</a></p>`, error)

/** Account settings (e-mail, password) and the rename / remove forms of the account page. */
export function settingsPageRoutes(d: SettingsPageDeps): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  const friendly = (e: unknown) => {
    if (!(e instanceof MfaError) || e.status >= 500) throw e
    return e
  }
  const accountPage = async (x: Exchange, userId: string, status: number, error: string) =>
    sendHtml(x.res, status, page('Your account', `${factorList(await d.login.factors(userId))}<p><a href="/">Back to your account</a></p>`, error))
  const emailOf = async (userId: string) => (await d.repo.userById(userId))?.email ?? ''

  return [
    p('GET', '/account', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      sendHtml(x.res, 200, settingsPage(await emailOf(userId)))
    }),
    p('POST', '/account/email', async (x) => {
      const userId = await d.fresh(x, 'Changing the e-mail address')
      if (!userId) return
      const body = await x.body()
      try {
        const input = parseInput(ChangeEmailInput, body)
        const r = await d.emailChange.request(userId, input.email, x.ctx)
        sendHtml(x.res, 200, confirmEmailPage(r.changeId, r.hint))
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, settingsPage(String(body.email ?? ''), err.message))
      }
    }),
    p('POST', '/account/email/verify', async (x) => {
      const userId = await d.fresh(x, 'Changing the e-mail address')
      if (!userId) return
      const body = await x.body()
      try {
        const input = parseInput(ConfirmEmailInput, body)
        await d.emailChange.confirm(userId, input.change_id, input.code, x.ctx)
        sendHtml(x.res, 200, settingsPage(await emailOf(userId), undefined, 'Your sign-in e-mail address is changed.'))
      } catch (e) {
        const err = friendly(e)
        const retry = err.code === 'invalid_code' || err.details.field === 'code'
        if (retry) return sendHtml(x.res, err.status, confirmEmailPage(String(body.change_id ?? ''), String(body.hint ?? 'the new address').slice(0, 80), err.message))
        sendHtml(x.res, err.status, settingsPage(await emailOf(userId), err.message))
      }
    }),
    route({ method: 'POST', path: '/account/password', kind: 'page', rate: 'password' }, async (x) => {
      const userId = await d.fresh(x, 'Changing the password')
      if (!userId) return
      try {
        const input = parseInput(ChangePasswordInput, await x.body())
        await d.security.changePassword(userId, input.current_password, input.new_password, x.ctx)
        sendHtml(x.res, 200, settingsPage(await emailOf(userId), undefined, 'Your password is changed; every other browser is signed out.'), { 'set-cookie': await x.signIn(userId, true) })
      } catch (e) {
        const err = friendly(e)
        sendHtml(x.res, err.status, settingsPage(await emailOf(userId), err.message))
      }
    }),
    p('POST', '/factors/rename', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      try {
        const input = parseInput(RenameFactorInput, await x.body())
        await d.factorAdmin.rename(userId, input.type, input.id, input.name, x.ctx)
        redirect(x.res, '/')
      } catch (e) {
        const err = friendly(e)
        await accountPage(x, userId, err.status, err.message)
      }
    }),
    p('POST', '/factors/remove', async (x) => {
      const userId = await d.fresh(x, 'Removing a factor')
      if (!userId) return
      try {
        const input = parseInput(RemoveFactorInput, await x.body())
        await d.factorAdmin.remove(userId, input.type, input.id, x.ctx)
        redirect(x.res, '/')
      } catch (e) {
        const err = friendly(e)
        await accountPage(x, userId, err.status, err.message)
      }
    }),
  ]
}
