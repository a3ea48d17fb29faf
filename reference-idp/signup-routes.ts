import { MfaError } from './errors'
import { parseInput, SignupInput, SignupVerifyInput } from './http/inputs'
import { esc, redirect, sendHtml, sendJson } from './http/io'
import type { Route } from './http/types'
import type { Signup } from './login/signup'
import { signupForm } from './pages'
import { field, page } from './pages/layout'

/** The page after the form: the same whether or not the address already has an account. */
const checkMailPage = (signupId: string, error?: string) => page('Check your e-mail', `
<p>We sent a message to the address you gave. If it holds a code, enter it here to create your account; the code expires in 5 minutes.</p>
<form method="post" action="/signup/verify"><input type="hidden" name="signup_id" value="${esc(signupId)}">
${field({ name: 'code', label: 'Code from the e-mail', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', autofocus: true, error: !!error })}
<button type="submit">Create account</button></form>
<p class="note">No code? The address may already have an account: <a href="/login">sign in</a>. Or <a href="/signup">start again</a>.</p>`, error)

const unexpected = (e: unknown): MfaError => {
  if (!(e instanceof MfaError) || e.status >= 500) throw e
  return e
}

/**
 * Sign-up in two steps over JSON and forms: the address first (every answer alike, so it tells
 * no one whether the address has an account), then the code mailed to it creates the account
 * and signs in.
 */
export function signupRoutes(signup: Signup): Route[] {
  return [
    {
      method: 'POST', path: '/api/v1/signup', kind: 'api', async handler(x) {
        const input = parseInput(SignupInput, await x.body())
        const r = await signup.request(input.email, input.password, x.ctx)
        sendJson(x.res, 202, { signup_id: r.signupId, next: '/api/v1/signup/verify' })
      },
    },
    {
      method: 'POST', path: '/api/v1/signup/verify', kind: 'api', async handler(x) {
        const input = parseInput(SignupVerifyInput, await x.body())
        const userId = await signup.verify(input.signup_id, input.code)
        sendJson(x.res, 201, { status: 'created' }, { 'set-cookie': await x.signIn(userId) })
      },
    },
    {
      method: 'POST', path: '/signup', kind: 'page', async handler(x) {
        const body = await x.body()
        try {
          const input = parseInput(SignupInput, body)
          sendHtml(x.res, 200, checkMailPage((await signup.request(input.email, input.password, x.ctx)).signupId))
        } catch (e) {
          sendHtml(x.res, unexpected(e).status, signupForm(String(body.email ?? ''), (e as MfaError).message))
        }
      },
    },
    {
      method: 'POST', path: '/signup/verify', kind: 'page', async handler(x) {
        const body = await x.body()
        try {
          const input = parseInput(SignupVerifyInput, body)
          redirect(x.res, '/', { 'set-cookie': await x.signIn(await signup.verify(input.signup_id, input.code)) })
        } catch (e) {
          const err = unexpected(e)
          const retry = err.code === 'invalid_code' || err.details.field === 'code'
          sendHtml(x.res, err.status, retry && typeof body.signup_id === 'string' ? checkMailPage(body.signup_id, err.message) : signupForm('', err.message))
        }
      },
    },
  ]
}
