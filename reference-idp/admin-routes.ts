import { z } from 'zod'
import { UserGroup } from '../contract'
import { MfaError } from './errors'
import { Email, Id, parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
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

/** Admin-assisted recovery, exemptions, unlocks, account types and the audit log over JSON: each route's facts. */
export const ADMIN_ROUTES = routeTable({
  recoveryRequests: {
    method: 'POST', path: '/api/v1/recovery/requests', kind: 'api', body: RecoveryRequestInput, rate: 'password',
    docs: { summary: 'File an admin-assisted recovery request (password, not the lost factor); same answer whether or not it matched', ok: [202, 'Received'], errors: ['bad_request'] },
  },
  getAdminRecoveryRequests: {
    method: 'GET', path: '/api/v1/admin/recovery/requests', kind: 'api',
    docs: { summary: 'Recovery requests by status (admins, fresh second factor)', ok: [200, '`{requests: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request'], session: true },
  },
  adminRecoveryDecide: {
    method: 'POST', path: '/api/v1/admin/recovery/decide', kind: 'api', body: RecoveryDecideInput,
    docs: { summary: 'Approve (returns a one-time link, shown once) or deny a recovery request, with a reason; never your own', ok: [200, '`{status, link?, token?, expires_at?}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active', 'flow_expired'], session: true },
  },
  recoveryComplete: {
    method: 'POST', path: '/api/v1/recovery/complete', kind: 'api', body: RecoveryCompleteInput,
    docs: { summary: 'Use a recovery link: old second factors are removed and you are signed in to enroll a new one', ok: [200, 'Recovered; session cookie set'], errors: ['bad_request', 'not_found', 'forbidden', 'already_active', 'flow_expired'] },
  },
  adminExemptions: {
    method: 'POST', path: '/api/v1/admin/exemptions', kind: 'api', body: ExemptionInput,
    docs: { summary: 'Ask to turn MFA off for an account (policy_exempt, admin_override = next sign-in, break_glass ≤ 60 min); a second admin must approve', ok: [202, '`{id, status: "requested"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found'], session: true },
  },
  adminExemptionsApprove: {
    method: 'POST', path: '/api/v1/admin/exemptions/approve', kind: 'api', body: ApproveExemptionInput,
    docs: { summary: 'Approve an exemption (not one you asked for, not your own account)', ok: [200, '`{status: "active", expires_at}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active'], session: true },
  },
  getAdminExemptions: {
    method: 'GET', path: '/api/v1/admin/exemptions', kind: 'api',
    docs: { summary: 'MFA exemptions, newest first (admins)', ok: [200, '`{exemptions: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required'], session: true },
  },
  adminExemptionsEnd: {
    method: 'POST', path: '/api/v1/admin/exemptions/end', kind: 'api', body: EndExemptionInput,
    docs: { summary: 'End an exemption with a reason: deny it while requested, revoke it while active (any admin but its subject)', ok: [200, '`{status: "denied" | "revoked"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active'], session: true },
  },
  adminUnlock: {
    method: 'POST', path: '/api/v1/admin/unlock', kind: 'api', body: UnlockInput,
    docs: { summary: "Lift an account's second-factor locks (too many wrong codes; push locked by a fraud report or push bombing), with a reason; never your own", ok: [200, '`{status: "unlocked", codes: boolean, push: reason | null}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found'], session: true },
  },
  adminAccountType: {
    method: 'POST', path: '/api/v1/admin/account-type', kind: 'api', body: AccountTypeInput,
    docs: { summary: "Change an account's type (customer, workforce, vendor, admin), with a reason. With a service's signed assertion (Authorization: Bearer <ES256 JWS, ≤ 5 min, single use, key in IDP_SERVICE_KEYS>) it applies at once; an admin's change applies at once except granting or removing admin, which waits for a second admin; never your own", ok: [200, '`{id, status: "applied"}`, or 202 `{id, status: "requested"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found', 'already_active'], session: true },
  },
  getAdminAccountTypeRequests: {
    method: 'GET', path: '/api/v1/admin/account-type/requests', kind: 'api',
    docs: { summary: 'Account-type changes waiting for a second admin (admins)', ok: [200, '`{requests: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required'], session: true },
  },
  adminAccountTypeDecide: {
    method: 'POST', path: '/api/v1/admin/account-type/decide', kind: 'api', body: AccountTypeDecideInput,
    docs: { summary: 'Approve or deny a waiting account-type change, with a reason (not one you asked for, not your own account)', ok: [200, '`{status: "applied" | "denied"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found', 'already_active'], session: true },
  },
  getAdminAudit: {
    method: 'GET', path: '/api/v1/admin/audit', kind: 'api',
    docs: { summary: 'The audit log of recovery, exemptions, unlocks and account changes, newest first (admins); people appear as HMAC hashes', ok: [200, '`{entries: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required'], session: true },
  },
})

export function adminRoutes(o: { recovery: AdminRecovery; exemptions: Exemptions; security: AccountSecurity; audit: Audit; roles: Roles; requireAdmin: (x: Exchange, action: string) => Promise<string>; serviceKeys?: ServiceKeys; now: () => Date; publicUrl: () => string }): Route[] {
  const replays = createReplayGuard()
  const admin = (x: Exchange, action: string) => o.requireAdmin(x, action)
  return [
    route(ADMIN_ROUTES.recoveryRequests, async (x) => {
      const input = parseInput(ADMIN_ROUTES.recoveryRequests.body, await x.body())
      await o.recovery.request(input.email, input.password, x.ctx)
      // The same answer whatever happened: no account or password probing through recovery.
      sendJson(x.res, 202, { status: 'received', message: 'if the e-mail and password match an account, an admin will review the request' })
    }),
    route(ADMIN_ROUTES.getAdminRecoveryRequests, async (x) => {
      await admin(x, 'reviewing recovery requests')
      const status = x.url.searchParams.get('status') ?? 'requested'
      if (!['requested', 'approved', 'denied', 'completed', 'expired'].includes(status)) throw new MfaError('bad_request', `status: expected requested, approved, denied, completed or expired, got "${status.slice(0, 20)}"`, { field: 'status' })
      sendJson(x.res, 200, { requests: await o.recovery.list(status as 'requested') })
    }),
    route(ADMIN_ROUTES.adminRecoveryDecide, async (x) => {
      const adminId = await admin(x, 'deciding a recovery request')
      const input = parseInput(ADMIN_ROUTES.adminRecoveryDecide.body, await x.body())
      const r = await o.recovery.decide(adminId, input.id, input.decision === 'approve', input.reason, x.ctx)
      if (!r.token) return sendJson(x.res, 200, { status: 'denied' })
      // Shown once, to the approving admin, to hand over on a verified channel (call-back, in person).
      sendJson(x.res, 200, { status: 'approved', link: `${o.publicUrl()}/recover#${r.token}`, token: r.token, expires_at: r.expiresAt })
    }),
    route(ADMIN_ROUTES.recoveryComplete, async (x) => {
      const input = parseInput(ADMIN_ROUTES.recoveryComplete.body, await x.body())
      const userId = await o.recovery.complete(input.token, x.ctx)
      sendJson(x.res, 200, { status: 'recovered', next: 'enroll a new second factor now' }, { 'set-cookie': await x.signIn(userId, true) })
    }),
    route(ADMIN_ROUTES.adminExemptions, async (x) => {
      const adminId = await admin(x, 'asking to turn MFA off for someone')
      const input = parseInput(ADMIN_ROUTES.adminExemptions.body, await x.body())
      sendJson(x.res, 202, { id: await o.exemptions.request(adminId, input, x.ctx), status: 'requested', message: 'a second admin must approve it' })
    }),
    route(ADMIN_ROUTES.adminExemptionsApprove, async (x) => {
      const adminId = await admin(x, 'approving an MFA exemption')
      const input = parseInput(ADMIN_ROUTES.adminExemptionsApprove.body, await x.body())
      sendJson(x.res, 200, { status: 'active', expires_at: await o.exemptions.approve(adminId, input.id, x.ctx) })
    }),
    route(ADMIN_ROUTES.adminExemptionsEnd, async (x) => {
      const adminId = await admin(x, 'ending an MFA exemption')
      const input = parseInput(ADMIN_ROUTES.adminExemptionsEnd.body, await x.body())
      sendJson(x.res, 200, { status: await o.exemptions.end(adminId, input.id, input.reason, x.ctx) })
    }),
    route(ADMIN_ROUTES.getAdminExemptions, async (x) => {
      const adminId = await admin(x, 'reviewing MFA exemptions')
      sendJson(x.res, 200, { exemptions: await o.exemptions.list(adminId) })
    }),
    route(ADMIN_ROUTES.adminUnlock, async (x) => {
      const adminId = await admin(x, 'unlocking an account')
      const input = parseInput(ADMIN_ROUTES.adminUnlock.body, await x.body())
      sendJson(x.res, 200, { status: 'unlocked', ...(await o.security.unlock(adminId, input.email, input.reason, x.ctx)) })
    }),
    route(ADMIN_ROUTES.adminAccountType, async (x) => {
      // Provisioning (a signed service assertion) acts as configuration; an admin acts as a person.
      const service = serviceCaller(x.req.headers.authorization, o.serviceKeys, replays, o.now().getTime())
      const actor = service ? { kind: 'service_token' as const, kid: service.kid, sub: service.sub } : { kind: 'admin' as const, id: await admin(x, 'changing an account type') }
      const input = parseInput(ADMIN_ROUTES.adminAccountType.body, await x.body())
      const r = await o.roles.change(actor, input.email, input.user_group, input.reason)
      sendJson(x.res, r.status === 'applied' ? 200 : 202, { id: r.id, status: r.status, ...(r.status === 'requested' ? { message: 'a second admin must approve it' } : {}) })
    }),
    route(ADMIN_ROUTES.getAdminAccountTypeRequests, async (x) => {
      sendJson(x.res, 200, { requests: await o.roles.pending(await admin(x, 'reviewing account-type requests')) })
    }),
    route(ADMIN_ROUTES.adminAccountTypeDecide, async (x) => {
      const adminId = await admin(x, 'deciding an account-type request')
      const input = parseInput(ADMIN_ROUTES.adminAccountTypeDecide.body, await x.body())
      sendJson(x.res, 200, { status: await o.roles.decide(adminId, input.id, input.decision === 'approve', input.reason) })
    }),
    route(ADMIN_ROUTES.getAdminAudit, async (x) => {
      await admin(x, 'reading the audit log')
      sendJson(x.res, 200, { entries: await o.audit.recent() })
    }),
  ]
}
