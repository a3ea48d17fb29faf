import { z } from 'zod'
import { UserGroup } from '../contract'
import { MfaError } from './errors'
import { Email, Id, parseInput } from './http/inputs'
import { sendJson } from './http/io'
import type { Exchange, Route } from './http/types'
import type { AdminRecovery } from './login/admin-recovery'
import type { AccountSecurity } from './login/account-security'
import type { Audit } from './login/audit'
import type { Exemptions } from './login/exemptions'
import type { Roles } from './login/roles'
import { createReplayGuard, verifyServiceAssertion, type ServiceKeys } from './service-auth/assertion'

export const RecoveryRequestInput = z.object({ email: Email, password: z.string().min(1, 'password is required').max(1024) })
export const RecoveryDecideInput = z.object({ id: Id, decision: z.enum(['approve', 'deny'], 'expected approve or deny'), reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500) })
export const RecoveryCompleteInput = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected the token from the recovery link') })

/** Admin-assisted recovery over JSON. Admin calls need an admin session with a fresh second factor. */
export const ExemptionInput = z.object({
  email: Email,
  kind: z.enum(['policy_exempt', 'admin_override', 'break_glass'], 'expected policy_exempt, admin_override or break_glass'),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  minutes: z.number().int().min(1, 'minutes: at least 1').max(10_080),
})
export const ApproveExemptionInput = z.object({ id: Id })
const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500)
export const EndExemptionInput = z.object({ id: Id, reason: Reason })
export const UnlockInput = z.object({ email: Email, reason: Reason })
export const AccountTypeInput = z.object({ email: Email, user_group: UserGroup, reason: Reason })
export const AccountTypeDecideInput = z.object({ id: Id, decision: z.enum(['approve', 'deny'], 'expected approve or deny'), reason: Reason })

/**
 * The service behind a provisioning call: a bearer assertion signed by one of IDP_SERVICE_KEYS,
 * alive and not seen before; undefined when the request carries no bearer token at all.
 */
export function serviceCaller(header: string | undefined, keys: ServiceKeys | undefined, guard: ReturnType<typeof createReplayGuard>, nowMs: number, o: { audience?: string; what?: string } = {}): { kid: string; sub: string } | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  if (!m) return undefined
  if (!keys) throw new MfaError('unauthenticated', `this IdP takes no ${o.what ?? 'provisioning'} calls: IDP_SERVICE_KEYS is not set`)
  const v = verifyServiceAssertion(m[1], keys, nowMs, o.audience)
  if (!v.ok) throw new MfaError('unauthenticated', `the bearer assertion is refused: ${v.reason}`)
  if (!guard.firstUse(v.jti, v.exp, nowMs)) throw new MfaError('unauthenticated', 'the bearer assertion was already used: make a new one per call')
  return { kid: v.kid, sub: v.sub }
}

export function adminRoutes(o: { recovery: AdminRecovery; exemptions: Exemptions; security: AccountSecurity; audit: Audit; roles: Roles; requireAdmin: (x: Exchange, action: string) => Promise<string>; serviceKeys?: ServiceKeys; now: () => Date; publicUrl: () => string }): Route[] {
  const replays = createReplayGuard()
  const api = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'api', handler })
  const admin = (x: Exchange, action: string) => o.requireAdmin(x, action)
  return [
    api('POST', '/api/v1/recovery/requests', async (x) => {
      const input = parseInput(RecoveryRequestInput, await x.body())
      await o.recovery.request(input.email, input.password, x.ctx)
      // The same answer whatever happened: no account or password probing through recovery.
      sendJson(x.res, 202, { status: 'received', message: 'if the e-mail and password match an account, an admin will review the request' })
    }),
    api('GET', '/api/v1/admin/recovery/requests', async (x) => {
      await admin(x, 'reviewing recovery requests')
      const status = x.url.searchParams.get('status') ?? 'requested'
      if (!['requested', 'approved', 'denied', 'completed', 'expired'].includes(status)) throw new MfaError('bad_request', `status: expected requested, approved, denied, completed or expired, got "${status.slice(0, 20)}"`, { field: 'status' })
      sendJson(x.res, 200, { requests: await o.recovery.list(status as 'requested') })
    }),
    api('POST', '/api/v1/admin/recovery/decide', async (x) => {
      const adminId = await admin(x, 'deciding a recovery request')
      const input = parseInput(RecoveryDecideInput, await x.body())
      const r = await o.recovery.decide(adminId, input.id, input.decision === 'approve', input.reason, x.ctx)
      if (!r.token) return sendJson(x.res, 200, { status: 'denied' })
      // Shown once, to the approving admin, to hand over on a verified channel (call-back, in person).
      sendJson(x.res, 200, { status: 'approved', link: `${o.publicUrl()}/recover#${r.token}`, token: r.token, expires_at: r.expiresAt })
    }),
    api('POST', '/api/v1/recovery/complete', async (x) => {
      const input = parseInput(RecoveryCompleteInput, await x.body())
      const userId = await o.recovery.complete(input.token, x.ctx)
      sendJson(x.res, 200, { status: 'recovered', next: 'enroll a new second factor now' }, { 'set-cookie': await x.signIn(userId, true) })
    }),
    api('POST', '/api/v1/admin/exemptions', async (x) => {
      const adminId = await admin(x, 'asking to turn MFA off for someone')
      const input = parseInput(ExemptionInput, await x.body())
      sendJson(x.res, 202, { id: await o.exemptions.request(adminId, input), status: 'requested', message: 'a second admin must approve it' })
    }),
    api('POST', '/api/v1/admin/exemptions/approve', async (x) => {
      const adminId = await admin(x, 'approving an MFA exemption')
      const input = parseInput(ApproveExemptionInput, await x.body())
      sendJson(x.res, 200, { status: 'active', expires_at: await o.exemptions.approve(adminId, input.id) })
    }),
    api('POST', '/api/v1/admin/exemptions/end', async (x) => {
      const adminId = await admin(x, 'ending an MFA exemption')
      const input = parseInput(EndExemptionInput, await x.body())
      sendJson(x.res, 200, { status: await o.exemptions.end(adminId, input.id, input.reason) })
    }),
    api('GET', '/api/v1/admin/exemptions', async (x) => {
      const adminId = await admin(x, 'reviewing MFA exemptions')
      sendJson(x.res, 200, { exemptions: await o.exemptions.list(adminId) })
    }),
    api('POST', '/api/v1/admin/unlock', async (x) => {
      const adminId = await admin(x, 'unlocking an account')
      const input = parseInput(UnlockInput, await x.body())
      sendJson(x.res, 200, { status: 'unlocked', ...(await o.security.unlock(adminId, input.email, input.reason, x.ctx)) })
    }),
    api('POST', '/api/v1/admin/account-type', async (x) => {
      // Provisioning (a signed service assertion) acts as configuration; an admin acts as a person.
      const service = serviceCaller(x.req.headers.authorization, o.serviceKeys, replays, o.now().getTime())
      const actor = service ? { kind: 'service_token' as const, kid: service.kid, sub: service.sub } : { kind: 'admin' as const, id: await admin(x, 'changing an account type') }
      const input = parseInput(AccountTypeInput, await x.body())
      const r = await o.roles.change(actor, input.email, input.user_group, input.reason)
      sendJson(x.res, r.status === 'applied' ? 200 : 202, { id: r.id, status: r.status, ...(r.status === 'requested' ? { message: 'a second admin must approve it' } : {}) })
    }),
    api('GET', '/api/v1/admin/account-type/requests', async (x) => {
      sendJson(x.res, 200, { requests: await o.roles.pending(await admin(x, 'reviewing account-type requests')) })
    }),
    api('POST', '/api/v1/admin/account-type/decide', async (x) => {
      const adminId = await admin(x, 'deciding an account-type request')
      const input = parseInput(AccountTypeDecideInput, await x.body())
      sendJson(x.res, 200, { status: await o.roles.decide(adminId, input.id, input.decision === 'approve', input.reason) })
    }),
    api('GET', '/api/v1/admin/audit', async (x) => {
      await admin(x, 'reading the audit log')
      sendJson(x.res, 200, { entries: await o.audit.recent() })
    }),
  ]
}
