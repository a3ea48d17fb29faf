import { MfaError } from './errors'
import { parseInput, ActivateOobInput, ActivateTotpInput, EnrollOobInput, EnrollTotpInput, LoginInput, OobStepInput, RecoveryStepInput, RemoveFactorInput, RenameFactorInput, RevokeDeviceInput, SendCodeInput, TotpStepInput } from './http/inputs'
import { loginCookies } from './http/login-cookies'
import { sendJson } from './http/io'
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

/** The JSON API (described in /openapi.json). */
export function apiRoutes(login: LoginService, oob: OobService, trusted: TrustedDevices, secure: () => boolean, factorAdmin: FactorAdmin): Route[] {
  const api = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'api', handler })
  return [
    api('POST', '/api/v1/login', async (x) => {
      const input = parseInput(LoginInput, await x.body())
      const r = await login.passwordStep(input.email, input.password, x.ctx)
      if (r.kind === 'challenge') return sendJson(x.res, 200, { flow_id: r.flowId, next: r.factor, factors: r.factors, hint: r.hint, delivery: r.delivery, delivery_error: r.deliveryError && { code: r.deliveryError.code, message: r.deliveryError.message, retry_after_seconds: r.deliveryError.retryAfterSeconds }, number: r.number, locked: r.locked })
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await x.signIn(r.userId) })
    }),
    api('POST', '/api/v1/login/totp', async (x) => {
      const input = parseInput(TotpStepInput, await x.body())
      const userId = await login.codeStep(input.flow_id, 'totp', input.code, x.ctx)
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    api('POST', '/api/v1/login/recovery-code', async (x) => {
      const input = parseInput(RecoveryStepInput, await x.body())
      const userId = await login.codeStep(input.flow_id, 'recovery_code', input.code, x.ctx)
      const remaining = await login.remainingRecoveryCodes(userId)
      sendJson(x.res, 200, { status: 'authenticated', recovery_codes_remaining: remaining }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    api('POST', '/api/v1/login/send', async (x) => {
      const input = parseInput(SendCodeInput, await x.body())
      const r = await login.sendCode(input.flow_id, input.channel, x.ctx)
      sendJson(x.res, 200, { status: 'sent', channel: input.channel, hint: r.hint })
    }),
    api('POST', '/api/v1/login/code', async (x) => {
      const input = parseInput(OobStepInput, await x.body())
      const userId = await login.codeStep(input.flow_id, input.channel, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'authenticated' }, { 'set-cookie': await loginCookies(x, userId, input.remember_device, trusted, secure) })
    }),
    api('POST', '/api/v1/enroll/oob', async (x) => {
      const userId = await login.requireFresh(await x.session(), 'adding a factor', x.ctx)
      const input = parseInput(EnrollOobInput, await x.body())
      const r = await oob.enroll(userId, input.channel, input.address, x.ctx)
      sendJson(x.res, 200, { factor_id: r.factorId, hint: r.hint, status: 'pending' })
    }),
    api('POST', '/api/v1/enroll/oob/verify', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(ActivateOobInput, await x.body())
      await oob.activate(userId, input.factor_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'active' })
    }),
    api('POST', '/api/v1/factors/rename', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(RenameFactorInput, await x.body())
      await factorAdmin.rename(userId, input.type, input.id, input.name, x.ctx)
      sendJson(x.res, 200, { status: 'renamed' })
    }),
    api('POST', '/api/v1/factors/remove', async (x) => {
      const userId = await login.requireFresh(await x.session(), 'removing a factor', x.ctx)
      const input = parseInput(RemoveFactorInput, await x.body())
      await factorAdmin.remove(userId, input.type, input.id, x.ctx)
      sendJson(x.res, 200, { status: 'removed' })
    }),
    api('GET', '/api/v1/trusted-devices', async (x) => {
      sendJson(x.res, 200, { devices: await trusted.list(await requireUser(x)) })
    }),
    api('POST', '/api/v1/trusted-devices/revoke', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(RevokeDeviceInput, await x.body())
      sendJson(x.res, 200, { revoked: await trusted.revoke(userId, input.id) })
    }),
    api('GET', '/api/v1/recovery-codes', async (x) => {
      sendJson(x.res, 200, { remaining: await login.remainingRecoveryCodes(await requireUser(x)) })
    }),
    api('POST', '/api/v1/recovery-codes', async (x) => {
      const codes = await login.regenerateRecoveryCodes(await login.requireFresh(await x.session(), 'replacing recovery codes', x.ctx), x.ctx)
      sendJson(x.res, 200, { codes, remaining: codes.length })
    }),
    api('POST', '/api/v1/logout', async (x) => {
      sendJson(x.res, 200, { status: 'signed_out' }, { 'set-cookie': await x.signOut() })
    }),
    api('GET', '/api/v1/me', async (x) => {
      const userId = await requireUser(x)
      sendJson(x.res, 200, { factors: await login.factors(userId) })
    }),
    api('POST', '/api/v1/stepup', async (x) => {
      const r = await login.startStepUp(await requireUser(x), x.ctx)
      if (r.kind === 'challenge') sendJson(x.res, 200, { flow_id: r.flowId, next: r.factor, factors: r.factors, hint: r.hint, delivery: r.delivery, number: r.number })
    }),
    api('POST', '/api/v1/enroll/totp', async (x) => {
      const userId = await login.requireFresh(await x.session(), 'adding a factor', x.ctx)
      const input = parseInput(EnrollTotpInput, await x.body())
      const r = await login.enrollTotp(userId, input.name, x.ctx, { algorithm: input.algorithm, digits: input.digits })
      sendJson(x.res, 200, { credential_id: r.credentialId, otpauth_uri: r.otpauthUri, status: 'pending' })
    }),
    api('POST', '/api/v1/enroll/totp/verify', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(ActivateTotpInput, await x.body())
      await login.activateTotp(userId, input.credential_id, input.code, x.ctx)
      sendJson(x.res, 200, { status: 'active' })
    }),
  ]
}
