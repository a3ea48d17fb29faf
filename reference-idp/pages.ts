import QRCode from 'qrcode'
import { newPasswordField, PASSWORD_SCRIPTS } from './pages/password-field'
import { MfaError } from './errors'
import { parseInput, ActivateTotpInput, LoginInput, OobStepInput, RecoveryStepInput, TotpStepInput } from './http/inputs'
import { esc, redirect, sendHtml } from './http/io'
import { route } from './http/route-table'
import type { Exchange, Route } from './http/types'
import { loginCookies } from './http/login-cookies'
import type { LoginService } from './login/service'
import type { PushService } from './login/push'
import type { TrustedDevices } from './login/trusted'
import { field, page } from './pages/layout'
import { factorList } from './pages/settings'

/** Factors typed as a code on these forms; no e-mail: an e-mail code is no second factor (NIST SP 800-63B 5.1.3.1). */
type FormFactor = 'totp' | 'sms' | 'voice'
const FORM_FACTORS: readonly string[] = ['totp', 'sms', 'voice']
const asFormFactor = (v: unknown): FormFactor => (FORM_FACTORS.includes(String(v)) ? (String(v) as FormFactor) : 'totp')
const CODE_TEXT: Record<FormFactor, [label: string, intro: string]> = {
  totp: ['Code from your authenticator app', 'Open your authenticator app and enter the current code for this account.'],
  sms: ['Code from the text message', 'We sent a code by text message to your phone'],
  voice: ['Code from the phone call', 'We are calling your phone with a code'],
}
const codeField = (error: boolean, label = CODE_TEXT.totp[0]) => field({ name: 'code', label, inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6,8}', autofocus: true, error })

/** The sign-up form (its POST is in signup-routes.ts). */
export const signupForm = (email = '', error?: string) => page('Create an account', `
<form method="post" action="/signup">
${field({ name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'username', value: email, autofocus: !email, error: !!error })}
${newPasswordField({ name: 'password', label: 'Password', error: !!error?.startsWith('password:') })}
<button type="submit">Create account</button></form>
<p class="note">Already have one? <a href="/login">Sign in</a></p>${PASSWORD_SCRIPTS}`, error)

const loginForm = (email = '', error?: string) => page('Sign in', `
<form method="post" action="/login">
${field({ name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'username', value: email, autofocus: true, error: !!error })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
<button type="submit">Continue</button></form>
<p class="note">Have a passkey? <a href="/login/passkey">Sign in with a passkey</a> · No account? <a href="/signup">Create one</a> · <a href="/recovery/request">Lost your second factor?</a></p>`, error)

/** The second step: a code typed from the app, or from a text or call (hint = masked number). */
const codeForm = (flowId: string, factor: FormFactor, error?: string, hint?: string) => page('Enter your code', `
<p>${esc(CODE_TEXT[factor][1])}${hint ? ` ${esc(hint)}` : ''}${factor === 'totp' ? '' : '. It expires in 5 minutes.'}</p>
<form method="post" action="${factor === 'totp' ? '/login/totp' : '/login/code'}"><input type="hidden" name="flow_id" value="${esc(flowId)}">
${factor === 'totp' ? '' : `<input type="hidden" name="channel" value="${esc(factor)}">`}
${codeField(!!error, CODE_TEXT[factor][0])}
<p><input type="checkbox" id="remember_device" name="remember_device"> <label for="remember_device" style="display:inline;font-weight:400">Remember this device for 30 days</label></p>
<button type="submit">Verify</button></form>
<details><summary>Lost your device? Use a recovery code</summary>
<form method="post" action="/login/recovery-code"><input type="hidden" name="flow_id" value="${esc(flowId)}"><input type="hidden" name="shown" value="${esc(factor)}">
${field({ name: 'recovery_code', label: 'Recovery code (xxxxx-xxxxx)', autocomplete: 'off' })}<button type="submit">Use recovery code</button></form></details>`, error)

/** Push approval: the number to type on the phone, and a button to continue once approved (no script needed). */
const pushPage = (flowId: string, number: number | undefined, error?: string) => page('Approve on your phone', `
${number !== undefined ? `<p>Open the FactorWatch app on your phone and type this number to approve:</p>
<p class="match-number" aria-label="Number to type: ${number}" style="font-size:3rem;font-weight:700;letter-spacing:.2em;text-align:center;margin:1rem 0">${number}</p>
<p class="note">If you did not try to sign in, choose "Report fraud" in the app.</p>` : ''}
<form method="post" action="/login/push/check"><input type="hidden" name="flow_id" value="${esc(flowId)}"><input type="hidden" name="number" value="${esc(number ?? '')}">
<button type="submit">I approved it</button></form>
<details><summary>No phone? Use a recovery code</summary>
<form method="post" action="/login/recovery-code"><input type="hidden" name="flow_id" value="${esc(flowId)}"><input type="hidden" name="shown" value="totp">
${field({ name: 'recovery_code', label: 'Recovery code (xxxxx-xxxxx)', autocomplete: 'off' })}<button type="submit">Use recovery code</button></form></details>`, error)

async function enrollPage(credentialId: string, secret: string, uri: string, error?: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
  return page('Set up an authenticator app', `
<p>Scan this QR code with your authenticator app, then enter the code it shows to turn it on.</p>
<div class="qr" role="img" aria-label="QR code of the authenticator set-up key">${svg}</div>
<p class="note">Can't scan? Enter this key by hand: <code>${esc(secret)}</code></p>
<form method="post" action="/enroll/totp/verify"><input type="hidden" name="credential_id" value="${esc(credentialId)}">
${codeField(!!error)}<button type="submit">Turn on</button></form>`, error)
}

const message = (e: unknown) => (e instanceof MfaError ? e.message : 'something went wrong; try again')
const rethrowUnexpected = (e: unknown) => {
  if (!(e instanceof MfaError) || e.status >= 500) throw e
}

/** A gate for sensitive pages: the user when the session's second factor is fresh; otherwise it answers with the sign-in or step-up page. */
export function freshPage(login: Pick<LoginService, 'requireFresh'>) {
  return async (x: Exchange, action: string): Promise<string | undefined> => {
    try {
      return await login.requireFresh(await x.session(), action.toLowerCase(), x.ctx)
    } catch (e) {
      if (!(e instanceof MfaError)) throw e
      if (e.code === 'unauthenticated') return void redirect(x.res, '/login')
      sendHtml(x.res, e.status, page('Confirm it is you', `<p>${esc(action)} needs a second factor from the last few minutes.</p>
<form method="post" action="/stepup"><button type="submit">Confirm with my second factor</button></form><p><a href="/">Back</a></p>`))
    }
  }
}

/**
 * The gate of admin pages: the admin when allowed; otherwise it answers with the sign-in page,
 * a step-up page, an "add a second factor first" page or a 403 (see login/admin-access.ts).
 */
export function adminPage(login: Pick<LoginService, 'requireAdmin'>) {
  return async (x: Exchange, action: string): Promise<string | undefined> => {
    try {
      return await login.requireAdmin(await x.session(), action.toLowerCase(), x.ctx)
    } catch (e) {
      if (!(e instanceof MfaError)) throw e
      if (e.code === 'unauthenticated') return void redirect(x.res, '/login')
      if (e.code === 'forbidden') return void sendHtml(x.res, 403, page('Admins only', '<p>This page is for administrators.</p><p><a href="/">Back</a></p>'))
      if (e.code === 'enrollment_required') return void sendHtml(x.res, 403, page('Add a second factor first', `<p>${esc(e.message)}.</p><p><a href="${e.details.enroll === '/passkeys' ? '/passkeys' : '/'}">Add one now</a></p>`))
      sendHtml(x.res, e.status, page('Confirm it is you', `<p>${esc(e.message)}.</p>
<form method="post" action="/stepup"><button type="submit">Confirm with my second factor</button></form><p><a href="/">Back</a></p>`))
    }
  }
}

/** Server-rendered sign-in, enrollment and recovery-code pages: plain forms, no JavaScript needed. */
export function pageRoutes(login: LoginService, trusted: TrustedDevices, secure: () => boolean, push?: Pick<PushService, 'poll' | 'lockNotice'>): Route[] {
  const p = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'page', handler })
  const fresh = freshPage(login)

  return [
    p('GET', '/', async (x) => {
      const userId = await x.userId()
      if (!userId) return sendHtml(x.res, 200, page('Welcome', '<p>The FactorWatch reference MFA service whose every step is observable.</p><p><a href="/login">Sign in</a> · <a href="/signup">Create an account</a></p>'))
      const factors = await login.factors(userId)
      const remaining = await login.remainingRecoveryCodes(userId)
      const pushNotice = await push?.lockNotice(userId)
      sendHtml(x.res, 200, page('Your account', `<p><a href="/account">Account settings</a>: e-mail address and password.</p><h2>Second factors</h2>${pushNotice ? `<div class="error" role="alert">${esc(pushNotice)}</div>` : ''}${factorList(factors)}
<form method="post" action="/enroll/totp"><button type="submit">Add an authenticator app</button></form>
<p><a href="/enroll/oob">Add a phone number</a> · <a href="/passkeys">Passkeys</a>: sign in without a password, phishing-resistant.${push ? ' · <a href="/push">Phones for push approval</a>' : ''}</p>
<h2>Where you are signed in</h2><p><a href="/sessions">Your sessions</a>: see them, sign one out, or sign out everywhere else.</p>
<h2>Remembered devices</h2><form method="post" action="/trusted-devices/revoke"><button type="submit">Forget all remembered devices</button></form>
<h2>Recovery codes</h2><p>${remaining} unused recovery code${remaining === 1 ? '' : 's'} left.</p>
<form method="post" action="/recovery-codes"><button type="submit">${remaining ? 'Replace my recovery codes' : 'Create recovery codes'}</button></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`))
    }),
    p('GET', '/signup', async (x) => sendHtml(x.res, 200, signupForm())),
    p('GET', '/login', async (x) => sendHtml(x.res, 200, loginForm())),
    route({ method: 'POST', path: '/login', kind: 'page', rate: 'password' }, async (x) => {
      const body = await x.body()
      try {
        const input = parseInput(LoginInput, body)
        const r = await login.passwordStep(input.email, input.password, x.ctx)
        if (r.kind === 'challenge') {
          if (r.factor === 'webauthn') return redirect(x.res, `/login/passkey?flow_id=${encodeURIComponent(r.flowId)}`)
          if (r.factor === 'recovery_code') return sendHtml(x.res, 200, codeForm(r.flowId, 'totp'))
          if (r.factor === 'push') return sendHtml(x.res, 200, pushPage(r.flowId, r.number, r.delivery === 'failed' ? `No approval request went to your phone: ${r.deliveryError?.message ?? 'it could not be sent just now'}. Use a recovery code, or sign in again in a moment.` : undefined))
          const failed = r.delivery === 'failed' ? `The code was not sent: ${r.deliveryError?.message ?? 'it could not be sent just now'}. Wait a moment and sign in again, or use a recovery code.` : undefined
          return sendHtml(x.res, 200, codeForm(r.flowId, asFormFactor(r.factor), failed, r.hint))
        }
        redirect(x.res, '/', { 'set-cookie': await x.signIn(r.userId) })
      } catch (e) {
        rethrowUnexpected(e)
        sendHtml(x.res, (e as MfaError).status, loginForm(String(body.email ?? ''), message(e)))
      }
    }),
    route({ method: 'POST', path: '/login/totp', kind: 'page', rate: 'code' }, async (x) => {
      const body = await x.body()
      try {
        const input = parseInput(TotpStepInput, body)
        const userId = await login.codeStep(input.flow_id, 'totp', input.code, x.ctx)
        redirect(x.res, '/', { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
      } catch (e) {
        rethrowUnexpected(e)
        const err = e as MfaError
        const retry = err.code === 'invalid_code' || err.code === 'code_replayed' || err.details.field === 'code'
        sendHtml(x.res, err.status, retry ? codeForm(String(body.flow_id ?? ''), 'totp', message(e)) : loginForm('', message(e)))
      }
    }),
    p('POST', '/login/push/check', async (x) => {
      const body = await x.body()
      const flowId = String(body.flow_id ?? '')
      const number = /^\d{2}$/.test(String(body.number ?? '')) ? Number(body.number) : undefined
      if (!push || !/^[0-9a-f-]{36}$/.test(flowId)) return sendHtml(x.res, 400, loginForm('', 'This sign-in is not waiting for a push; start again.'))
      try {
        const r = await push.poll(flowId, x.ctx)
        if (r.status === 'approved') return redirect(x.res, '/', { 'set-cookie': await x.signIn(r.userId, true) })
        if (r.status === 'pending') return sendHtml(x.res, 200, pushPage(flowId, number, 'Not approved yet: approve on your phone, then press the button again.'))
        sendHtml(x.res, 401, loginForm('', r.status === 'expired' ? 'The approval request expired; sign in again.' : 'The sign-in was not approved on your phone.'))
      } catch (e) {
        rethrowUnexpected(e)
        sendHtml(x.res, (e as MfaError).status, loginForm('', message(e)))
      }
    }),
    route({ method: 'POST', path: '/login/code', kind: 'page', rate: 'code' }, async (x) => {
      const body = await x.body()
      const channel = asFormFactor(body.channel)
      try {
        const input = parseInput(OobStepInput, body)
        const userId = await login.codeStep(input.flow_id, input.channel, input.code, x.ctx)
        redirect(x.res, '/', { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
      } catch (e) {
        rethrowUnexpected(e)
        const err = e as MfaError
        const retry = err.code === 'invalid_code' || err.code === 'code_replayed' || err.details.field === 'code'
        sendHtml(x.res, err.status, retry ? codeForm(String(body.flow_id ?? ''), channel, message(e)) : loginForm('', message(e)))
      }
    }),
    route({ method: 'POST', path: '/login/recovery-code', kind: 'page', rate: 'code' }, async (x) => {
      const body = await x.body()
      try {
        const input = parseInput(RecoveryStepInput, { flow_id: body.flow_id, code: body.recovery_code })
        const userId = await login.codeStep(input.flow_id, 'recovery_code', input.code, x.ctx)
        redirect(x.res, '/', { 'set-cookie': await x.signIn(userId, true) })
      } catch (e) {
        rethrowUnexpected(e)
        const err = e as MfaError
        const retry = err.code === 'invalid_code' || err.code === 'code_replayed' || err.code === 'bad_request'
        sendHtml(x.res, err.status, retry ? codeForm(String(body.flow_id ?? ''), asFormFactor(body.shown), message(e)) : loginForm('', message(e)))
      }
    }),
    p('POST', '/recovery-codes', async (x) => {
      const userId = await fresh(x, 'Replacing recovery codes')
      if (!userId) return
      try {
        const codes = await login.regenerateRecoveryCodes(userId, x.ctx)
        sendHtml(x.res, 200, page('Your recovery codes', `<p>Each code signs you in once if you lose your authenticator. Store them somewhere safe: they are shown only now, and any older codes no longer work.</p>
<ul class="codes">${codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul><p><a href="/">Done</a></p>`))
      } catch (e) {
        rethrowUnexpected(e)
        sendHtml(x.res, (e as MfaError).status, page('Recovery codes', '<p><a href="/">Back</a></p>', message(e)))
      }
    }),
    p('POST', '/stepup', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      try {
        const r = await login.startStepUp(userId, x.ctx)
        if (r.kind !== 'challenge') return
        if (r.factor === 'push') return sendHtml(x.res, 200, pushPage(r.flowId, r.number))
        if (r.factor === 'webauthn') return redirect(x.res, `/login/passkey?flow_id=${encodeURIComponent(r.flowId)}`)
        sendHtml(x.res, 200, codeForm(r.flowId, asFormFactor(r.factor), undefined, r.hint))
      } catch (e) {
        rethrowUnexpected(e)
        sendHtml(x.res, (e as MfaError).status, page('Confirm it is you', '<p><a href="/">Back</a></p>', message(e)))
      }
    }),
    p('POST', '/enroll/totp', async (x) => {
      const userId = await fresh(x, 'Adding a factor')
      if (!userId) return
      const r = await login.enrollTotp(userId, 'Authenticator app', x.ctx)
      sendHtml(x.res, 200, await enrollPage(r.credentialId, r.secret, r.otpauthUri))
    }),
    p('POST', '/enroll/totp/verify', async (x) => {
      const userId = await x.userId()
      if (!userId) return redirect(x.res, '/login')
      const body = await x.body()
      try {
        const input = parseInput(ActivateTotpInput, body)
        await login.activateTotp(userId, input.credential_id, input.code, x.ctx)
        redirect(x.res, '/')
      } catch (e) {
        rethrowUnexpected(e)
        const setup = typeof body.credential_id === 'string' && /^[0-9a-f-]{36}$/.test(body.credential_id) ? await login.pendingTotpSetup(userId, body.credential_id) : undefined
        if (!setup) return sendHtml(x.res, (e as MfaError).status, page('Set up an authenticator app', '<form method="post" action="/enroll/totp"><button type="submit">Start again</button></form>', message(e)))
        sendHtml(x.res, (e as MfaError).status, await enrollPage(setup.credentialId, setup.secret, setup.otpauthUri, message(e)))
      }
    }),
    p('POST', '/logout', async (x) => redirect(x.res, '/login', { 'set-cookie': await x.signOut() })),
  ]
}
