import { z } from 'zod'
import { Role } from '../../contract/access'
import { serviceCaller } from '../admin-routes'
import { MfaError } from '../errors'
import { Email, parseInput } from '../http/inputs'
import { sendJson } from '../http/io'
import { route, routeTable } from '../http/route-table'
import type { Exchange, Route } from '../http/types'
import { createReplayGuard, type ServiceKeys } from '../service-auth/assertion'
import type { OidcAccounts } from './accounts'
import { interactionRoutes, type OidcInteractions } from './interaction'

const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500)
const Roles = z.array(Role).max(5).refine((r) => new Set(r).size === r.length, 'roles: each role once')
export const SetRolesInput = z.object({ email: Email, roles: Roles, reason: Reason })
export const ProvisionInput = z.object({
  email: Email,
  password: z.string().min(1, 'password is required').max(512),
  roles: Roles,
  totp_secret: z.string().regex(/^[A-Z2-7]{26,128}$/, 'totp_secret: expected 26-128 base32 characters (A-Z, 2-7), no padding').optional(),
})

/** Roles (the ID token's factorwatch_roles) and provisioning of ready-to-use accounts: each route's facts. */
export const OIDC_ROUTES = routeTable({
  adminRoles: {
    method: 'POST', path: '/api/v1/admin/roles', kind: 'api', body: SetRolesInput,
    docs: { summary: "Replace an account's FactorWatch roles (viewer, sre, security, operator, admin: the ID token's factorwatch_roles claim), with a reason. An admin with a fresh second factor (never their own), or a service's signed assertion (Authorization: Bearer <ES256 JWS, key in IDP_SERVICE_KEYS>)", ok: [200, '`{roles, before}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found'], session: true },
  },
  getAdminRoles: {
    method: 'GET', path: '/api/v1/admin/roles', kind: 'api',
    docs: { summary: "An account's FactorWatch roles (`?email=`; admins, fresh second factor)", ok: [200, '`{roles}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found'], session: true },
  },
  adminProvision: {
    method: 'POST', path: '/api/v1/admin/provision', kind: 'api', body: ProvisionInput,
    docs: { summary: 'Provisioning service only (signed assertion): create or reset a workforce account with this password, an active authenticator app (the base32 secret given, or a new one returned once) and these roles; idempotent', ok: [200, '`{status: "created" | "updated", totp_secret}`'], errors: ['unauthenticated', 'bad_request', 'email_taken'] },
  },
})

export interface OidcRouteServices {
  accounts?: OidcAccounts
  interactions?: OidcInteractions
}

export function oidcRoutes(o: OidcRouteServices & { requireAdmin: (x: Exchange, action: string) => Promise<string>; serviceKeys?: ServiceKeys; now: () => Date }): Route[] {
  const replays = createReplayGuard()
  const accounts = () => {
    if (!o.accounts) throw new MfaError('not_found', 'this IdP has no OpenID Connect provider')
    return o.accounts
  }
  const service = (x: Exchange) => serviceCaller(x.req.headers.authorization, o.serviceKeys, replays, o.now().getTime())
  return [
    route(OIDC_ROUTES.adminRoles, async (x) => {
      const s = service(x)
      const actor = s ? { kind: 'service_token' as const, ...s } : { kind: 'admin' as const, id: await o.requireAdmin(x, 'changing roles') }
      const input = parseInput(OIDC_ROUTES.adminRoles.body, await x.body())
      sendJson(x.res, 200, await accounts().setRoles(actor, input.email, input.roles, input.reason))
    }),
    route(OIDC_ROUTES.getAdminRoles, async (x) => {
      await o.requireAdmin(x, 'reading roles')
      const email = Email.safeParse(x.url.searchParams.get('email') ?? '')
      if (!email.success) throw new MfaError('bad_request', 'email: expected an e-mail address', { field: 'email' })
      sendJson(x.res, 200, { roles: await accounts().roles(email.data) })
    }),
    route(OIDC_ROUTES.adminProvision, async (x) => {
      const s = service(x)
      if (!s) throw new MfaError('unauthenticated', 'provisioning needs a service assertion: Authorization: Bearer <ES256 JWS signed by a key in IDP_SERVICE_KEYS>')
      const input = parseInput(OIDC_ROUTES.adminProvision.body, await x.body())
      sendJson(x.res, 200, await accounts().provision({ kind: 'service_token', ...s }, input))
    }),
    ...interactionRoutes(o.interactions ?? { provider: () => undefined, store: undefined as never, now: o.now, secure: () => false }),
  ]
}
