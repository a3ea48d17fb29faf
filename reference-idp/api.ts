import { MfaError, type ErrorCode } from './errors'
import { parseInput, ActivateOobInput, ActivateTotpInput, EnrollOobInput, EnrollTotpInput, LoginInput, OobStepInput, RecoveryStepInput, RemoveFactorInput, RenameFactorInput, RevokeDeviceInput, SendCodeInput, TotpStepInput } from './http/inputs'
import { loginCookies } from './http/login-cookies'
import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route } from './http/types'
import type { OobService } from './login/oob'
import type { FactorAdmin } from './login/factor-admin'
import type { LoginService } from './login/service'
import type { TrustedDevices } from './login/trusted'

async function requireUser(x: Exchange): Promise<string> {
  const id = await x.userId()
  if (!id) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
  return id
}

const LOGIN_ERRORS: ErrorCode[] = ['bad_request', 'invalid_code', 'code_replayed', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited']

/** The sign-in and second-factor JSON API: each route's facts (path, body schema, docs, rate bucket). */
export const LOGIN_ROUTES = routeTable({
  login: {
    method: 'POST', path: '/api/v1/login', kind: 'api', body: LoginInput, rate: 'password',
    docs: { summary: 'Password step: starts a login flow (factors allowed by the sign-in risk), or signs in when no second factor is enrolled or the device is remembered', ok: [200, '`{flow_id, next, factors, hint?, delivery?, delivery_error?: {code, message, retry_after_seconds?}, number?, locked?}` or `{status: "authenticated"}`; `delivery: "failed"` says why in `delivery_error` (the flow stays open for another factor); `locked: true` means codes are locked after too many wrong ones and only a passkey is offered'], errors: ['bad_request', 'invalid_credentials', 'locked_out', 'forbidden', 'rate_limited'] },
  },
  loginTotp: {
    method: 'POST', path: '/api/v1/login/totp', kind: 'api', body: TotpStepInput, rate: 'code',
    docs: { summary: 'Finish a login flow with an authenticator-app code', ok: [200, 'Authenticated; session cookie set'], errors: LOGIN_ERRORS },
  },
  loginCode: {
    method: 'POST', path: '/api/v1/login/code', kind: 'api', body: OobStepInput, rate: 'code',
    docs: { summary: 'Finish a login flow with a code sent by SMS or voice (e-mail codes are refused with 400)', ok: [200, 'Authenticated; session cookie set'], errors: LOGIN_ERRORS },
  },
  loginSend: {
    method: 'POST', path: '/api/v1/login/send', kind: 'api', body: SendCodeInput, rate: 'code',
    docs: { summary: 'Send (or resend) a code over a channel for an open login flow', ok: [200, '`{status: "sent", channel, hint}`'], errors: ['bad_request', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited', 'provider_unavailable'] },
  },
  loginRecoveryCode: {
    method: 'POST', path: '/api/v1/login/recovery-code', kind: 'api', body: RecoveryStepInput, rate: 'code',
    docs: { summary: 'Finish a login flow with a single-use recovery code', ok: [200, 'Authenticated; `recovery_codes_remaining`'], errors: LOGIN_ERRORS },
  },
  logout: {
    method: 'POST', path: '/api/v1/logout', kind: 'api',
    docs: { summary: 'Sign out; the session is revoked server-side', ok: [200, 'Signed out'], errors: [] },
  },
  getMe: {
    method: 'GET', path: '/api/v1/me', kind: 'api',
    docs: { summary: 'Your second factors', ok: [200, '`{factors: [...]}`'], errors: ['unauthenticated'], session: true },
  },
  stepup: {
    method: 'POST', path: '/api/v1/stepup', kind: 'api', rate: 'code',
    docs: { summary: 'Start a step-up: a fresh second factor for a sensitive action, finished with the login code endpoints', ok: [200, '`{flow_id, next, factors, hint?, delivery?}`'], errors: ['unauthenticated', 'bad_request', 'locked_out', 'rate_limited', 'provider_unavailable'], session: true },
  },
  enrollTotp: {
    method: 'POST', path: '/api/v1/enroll/totp', kind: 'api', body: EnrollTotpInput,
    docs: { summary: 'Start authenticator-app enrollment (pending until verified)', ok: [200, '`{credential_id, otpauth_uri, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request'], session: true },
  },
  enrollTotpVerify: {
    method: 'POST', path: '/api/v1/enroll/totp/verify', kind: 'api', body: ActivateTotpInput,
    docs: { summary: 'Activate an authenticator app with a code from it', ok: [200, '`{status: "active"}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'code_replayed'], session: true },
  },
  enrollOob: {
    method: 'POST', path: '/api/v1/enroll/oob', kind: 'api', body: EnrollOobInput,
    docs: { summary: 'Add a phone number (sms or voice); a code is sent to it. `channel: "email"` is refused with 400: e-mail is not a second factor (NIST SP 800-63B 5.1.3.1)', ok: [200, '`{factor_id, hint, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'rate_limited', 'provider_unavailable'], session: true },
  },
  enrollOobVerify: {
    method: 'POST', path: '/api/v1/enroll/oob/verify', kind: 'api', body: ActivateOobInput,
    docs: { summary: 'Activate a phone number with the code sent to it', ok: [200, '`{status: "active"}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'flow_expired'], session: true },
  },
  factorsRename: {
    method: 'POST', path: '/api/v1/factors/rename', kind: 'api', body: RenameFactorInput,
    docs: { summary: 'Rename an authenticator app, phone number, e-mail address or push device', ok: [200, '`{status: "renamed"}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  },
  factorsRemove: {
    method: 'POST', path: '/api/v1/factors/remove', kind: 'api', body: RemoveFactorInput,
    docs: { summary: 'Remove one (needs a fresh second factor; never the last one)', ok: [200, '`{status: "removed"}`'], errors: ['unauthenticated', 'stepup_required', 'bad_request', 'not_found', 'forbidden'], session: true },
  },
  getTrustedDevices: {
    method: 'GET', path: '/api/v1/trusted-devices', kind: 'api',
    docs: { summary: 'Devices remembered for your account (skip MFA while risk allows)', ok: [200, '`{devices: [...]}`'], errors: ['unauthenticated'], session: true },
  },
  trustedDevicesRevoke: {
    method: 'POST', path: '/api/v1/trusted-devices/revoke', kind: 'api', body: RevokeDeviceInput,
    docs: { summary: 'Forget one remembered device, or all of them without an id', ok: [200, '`{revoked}`'], errors: ['unauthenticated', 'bad_request'], session: true },
  },
  getRecoveryCodes: {
    method: 'GET', path: '/api/v1/recovery-codes', kind: 'api',
    docs: { summary: 'How many unused recovery codes you have', ok: [200, '`{remaining}`'], errors: ['unauthenticated'], session: true },
  },
  recoveryCodes: {
    method: 'POST', path: '/api/v1/recovery-codes', kind: 'api',
    docs: { summary: 'Create ten new recovery codes (shown once); older ones stop working', ok: [200, '`{codes, remaining}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request'], session: true },
  },
})

/** The JSON API (described in /openapi.json). */
export function apiRoutes(login: LoginService, oob: OobService, trusted: TrustedDevices, secure: () => boolean, factorAdmin: FactorAdmin): Route[] {
  return [
    route(LOGIN_ROUTES.login, async (x) => {
      const input = parseInput(LOGIN_ROUTES.login.body, await x.body())
      const r = await login.passwordStep(input.email, input.password, x.ctx)
      if (r.kind === 'challenge') return sendJson(x.res, 200, { flow_id: r.flowId, next: r.factor, factors: r.factors, hint: r.hint, delivery: r.delivery, delivery_error: r.deliveryError && { code: r.deliveryError.code, message: r.deliveryError.message, retry_after_seconds: r.deliveryError.retryAfterSeconds }, number: r.number, locked: r.locked })
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await x.signIn(r.userId) })
    }),
    route(LOGIN_ROUTES.loginTotp, async (x) => {
      const input = parseInput(LOGIN_ROUTES.loginTotp.body, await x.body())
      const userId = await login.codeStep(input.flow_id, 'totp', input.code, x.ctx)
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    route(LOGIN_ROUTES.loginRecoveryCode, async (x) => {
      const input = parseInput(LOGIN_ROUTES.loginRecoveryCode.body, await x.body())
      const userId = await login.codeStep(input.flow_id, 'recovery_code', input.code, x.ctx)
      const remaining = await login.remainingRecoveryCodes(userId)
      sendJson(x.res, 200, { status: 'authenticated', recovery_codes_remaining: remaining }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    route(LOGIN_ROUTES.loginSend, async (x) => {
      const input = parseInput(LOGIN_ROUTES.loginSend.body, await x.body())
      const r = await login.sendCode(input.flow_id, input.channel, x.ctx)
      sendJson(x.res, 200, { status: 'sent', channel: input.channel, hint: r.hint })
    }),
    route(LOGIN_ROUTES.loginCode, async (x) => {
      const input = parseInput(LOGIN_ROUTES.loginCode.body, await x.body())
      const userId = await login.codeStep(input.flow_id, input.channel, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    route(LOGIN_ROUTES.enrollOob, async (x) => {
      const userId = await login.requireFresh(await x.session(), 'adding a factor', x.ctx)
      const input = parseInput(LOGIN_ROUTES.enrollOob.body, await x.body())
      const r = await oob.enroll(userId, input.channel, input.address, x.ctx)
      sendJson(x.res, 200, { factor_id: r.factorId, hint: r.hint, status: 'pending' })
    }),
    route(LOGIN_ROUTES.enrollOobVerify, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(LOGIN_ROUTES.enrollOobVerify.body, await x.body())
      await oob.activate(userId, input.factor_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'active' })
    }),
    route(LOGIN_ROUTES.factorsRename, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(LOGIN_ROUTES.factorsRename.body, await x.body())
      await factorAdmin.rename(userId, input.type, input.id, input.name, x.ctx)
      sendJson(x.res, 200, { status: 'renamed' })
    }),
    route(LOGIN_ROUTES.factorsRemove, async (x) => {
      const userId = await login.requireFresh(await x.session(), 'removing a factor', x.ctx)
      const input = parseInput(LOGIN_ROUTES.factorsRemove.body, await x.body())
      await factorAdmin.remove(userId, input.type, input.id, x.ctx)
      sendJson(x.res, 200, { status: 'removed' })
    }),
    route(LOGIN_ROUTES.getTrustedDevices, async (x) => {
      sendJson(x.res, 200, { devices: await trusted.list(await requireUser(x)) })
    }),
    route(LOGIN_ROUTES.trustedDevicesRevoke, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(LOGIN_ROUTES.trustedDevicesRevoke.body, await x.body())
      sendJson(x.res, 200, { revoked: await trusted.revoke(userId, input.id) })
    }),
    route(LOGIN_ROUTES.getRecoveryCodes, async (x) => {
      sendJson(x.res, 200, { remaining: await login.remainingRecoveryCodes(await requireUser(x)) })
    }),
    route(LOGIN_ROUTES.recoveryCodes, async (x) => {
      const codes = await login.regenerateRecoveryCodes(await login.requireFresh(await x.session(), 'replacing recovery codes', x.ctx), x.ctx)
      sendJson(x.res, 200, { codes, remaining: codes.length })
    }),
    route(LOGIN_ROUTES.logout, async (x) => {
      sendJson(x.res, 200, { status: 'signed_out' }, { 'set-cookie': await x.signOut() })
    }),
    route(LOGIN_ROUTES.getMe, async (x) => {
      const userId = await requireUser(x)
      sendJson(x.res, 200, { factors: await login.factors(userId) })
    }),
    route(LOGIN_ROUTES.stepup, async (x) => {
      const r = await login.startStepUp(await requireUser(x), x.ctx)
      if (r.kind === 'challenge') sendJson(x.res, 200, { flow_id: r.flowId, next: r.factor, factors: r.factors, hint: r.hint, delivery: r.delivery, number: r.number })
    }),
    route(LOGIN_ROUTES.enrollTotp, async (x) => {
      const userId = await login.requireFresh(await x.session(), 'adding a factor', x.ctx)
      const input = parseInput(LOGIN_ROUTES.enrollTotp.body, await x.body())
      const r = await login.enrollTotp(userId, input.name, x.ctx, { algorithm: input.algorithm, digits: input.digits })
      sendJson(x.res, 200, { credential_id: r.credentialId, otpauth_uri: r.otpauthUri, status: 'pending' })
    }),
    route(LOGIN_ROUTES.enrollTotpVerify, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(LOGIN_ROUTES.enrollTotpVerify.body, await x.body())
      await login.activateTotp(userId, input.credential_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'active' })
    }),
  ]
}
