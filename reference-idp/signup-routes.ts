import { MfaError } from './errors'
import { parseInput, SignupInput, SignupVerifyInput } from './http/inputs'
import { esc, redirect, sendHtml, sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
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

/** Sign-up over JSON and forms: each route's facts (path, body schema, docs, rate bucket). */
export const SIGNUP_ROUTES = routeTable({
  signup: {
    method: 'POST', path: '/api/v1/signup', kind: 'api', body: SignupInput, rate: 'signup',
    docs: { summary: 'Start a sign-up: a code is mailed to the address (an address that already has an account gets a notice instead; the answer is the same)', ok: [202, '`{signup_id, next: "/api/v1/signup/verify"}`'], errors: ['bad_request', 'rate_limited', 'provider_unavailable'] },
  },
  signupVerify: {
    method: 'POST', path: '/api/v1/signup/verify', kind: 'api', body: SignupVerifyInput, rate: 'code',
    docs: { summary: 'Finish a sign-up with the mailed code: creates the account and signs in', ok: [201, 'Created; session cookie set'], errors: ['bad_request', 'not_found', 'invalid_code', 'code_replayed', 'flow_expired', 'email_taken'] },
  },
  signupPage: { method: 'POST', path: '/signup', kind: 'page', rate: 'signup' },
  signupVerifyPage: { method: 'POST', path: '/signup/verify', kind: 'page', rate: 'code' },
})

/**
 * Sign-up in two steps over JSON and forms: the address first (every answer alike, so it tells
 * no one whether the address has an account), then the code mailed to it creates the account
 * and signs in.
 */
export function signupRoutes(signup: Signup): Route[] {
  return [
    route(SIGNUP_ROUTES.signup, async (x) => {
      const input = parseInput(SIGNUP_ROUTES.signup.body, await x.body())
      const r = await signup.request(input.email, input.password, x.ctx)
      sendJson(x.res, 202, { signup_id: r.signupId, next: '/api/v1/signup/verify' })
    }),
    route(SIGNUP_ROUTES.signupVerify, async (x) => {
      const input = parseInput(SIGNUP_ROUTES.signupVerify.body, await x.body())
      const userId = await signup.verify(input.signup_id, input.code)
      sendJson(x.res, 201, { status: 'created' }, { 'set-cookie': await x.signIn(userId) })
    }),
    route(SIGNUP_ROUTES.signupPage, async (x) => {
      const body = await x.body()
      try {
        const input = parseInput(SignupInput, body)
        sendHtml(x.res, 200, checkMailPage((await signup.request(input.email, input.password, x.ctx)).signupId))
      } catch (e) {
        sendHtml(x.res, unexpected(e).status, signupForm(String(body.email ?? ''), (e as MfaError).message))
      }
    }),
    route(SIGNUP_ROUTES.signupVerifyPage, async (x) => {
      const body = await x.body()
      try {
        const input = parseInput(SignupVerifyInput, body)
        redirect(x.res, '/', { 'set-cookie': await x.signIn(await signup.verify(input.signup_id, input.code)) })
      } catch (e) {
        const err = unexpected(e)
        const retry = err.code === 'invalid_code' || err.details.field === 'code'
        sendHtml(x.res, err.status, retry && typeof body.signup_id === 'string' ? checkMailPage(body.signup_id, err.message) : signupForm('', err.message))
      }
    }),
  ]
}
