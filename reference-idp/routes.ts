import { ACCOUNT_ROUTES, accountRoutes } from './account-routes'
import { ADMIN_ROUTES, adminRoutes } from './admin-routes'
import { apiRoutes, LOGIN_ROUTES } from './api'
import type { WebauthnService } from './factors/webauthn'
import { specsOf } from './http/route-table'
import type { Exchange, Route, RouteSpec, RouteTable } from './http/types'
import type { AccountSecurity } from './login/account-security'
import type { AdminRecovery } from './login/admin-recovery'
import type { Audit } from './login/audit'
import type { EmailChange } from './login/email-change'
import type { Exemptions } from './login/exemptions'
import type { FactorAdmin } from './login/factor-admin'
import type { OobService } from './login/oob'
import type { PushService } from './login/push'
import type { ReceiptService } from './login/receipts'
import type { Roles } from './login/roles'
import type { LoginService } from './login/service'
import type { Sessions } from './login/sessions'
import type { Signup } from './login/signup'
import type { GroupCounts } from './login/snapshot'
import type { TrustedDevices } from './login/trusted'
import { adminPage, freshPage, pageRoutes } from './pages'
import { accountPageRoutes } from './pages/account'
import { adminPageRoutes } from './pages/admin'
import { passwordAssetRoutes } from './pages/password-field'
import { pushPageRoutes } from './pages/push'
import { settingsPageRoutes } from './pages/settings'
import { PUSH_ROUTES, pushRoutes } from './push-routes'
import { SESSION_ROUTES, sessionRoutes } from './session-routes'
import { SIGNUP_ROUTES, signupRoutes } from './signup-routes'
import { SNAPSHOT_ROUTES, snapshotRoutes } from './snapshot-routes'
import type { ServiceKeys } from './service-auth/assertion'
import type { Repo } from './store/repo'
import { WEBAUTHN_ROUTES, webauthnRoutes } from './webauthn-routes'
import { FAULT_ROUTES, faultRoutes } from './fault-routes'
import type { Gameday } from './faults/control'
import { OIDC_ROUTES, oidcRoutes, type OidcRouteServices } from './oidc/routes'

/** What the composition root (server.ts) hands the route files: the IdP's services, built once. */
export interface RouteServices {
  login: LoginService
  signup: Signup
  sessions: Sessions
  oob: OobService
  trusted: TrustedDevices
  webauthn: WebauthnService
  /** Only when the IdP talks to vendors (push needs their push service). */
  push?: PushService
  recovery: AdminRecovery
  exemptions: Exemptions
  security: AccountSecurity
  emailChange: EmailChange
  factorAdmin: FactorAdmin
  audit: Audit
  roles: Roles
  repo: Repo
  receipts: ReceiptService
  /** Vendor webhooks (delivery receipts), when the IdP talks to vendors. */
  vendorRoutes?: (receipts: ReceiptService) => Route[]
  activeFactorCount(userId: string): Promise<number>
  snapshot(): Promise<GroupCounts[]>
  serviceKeys?: ServiceKeys
  /** Game days: faults and runbook actions (faults/), the IdP's region and the vendors it sends through. */
  gameday?: Gameday
  region: string
  vendors(): ReadonlyArray<{ id: string; channels: readonly string[] }>
  now: () => Date
  publicUrl(): string
  secureCookies(): boolean
  /** The OpenID Connect provider's interactions, roles and provisioning (reference-idp/oidc/); absent: its routes answer 404. */
  oidc?: OidcRouteServices
}

/** One route file: its table of facts (what /openapi.json describes) and how it is mounted. */
export interface RouteFile {
  table?: RouteTable
  routes(s: RouteServices): Route[]
}

const fresh = (s: RouteServices) => async (x: Exchange, action: string) => s.login.requireFresh(await x.session(), action, x.ctx)
const requireAdmin = (s: RouteServices) => async (x: Exchange, action: string) => s.login.requireAdmin(await x.session(), action, x.ctx)

/**
 * Every route file of the IdP, one line each: a new file is one more line. Tables are listed
 * in the order /openapi.json describes them; mounting order does not matter (no method and
 * path may be mounted twice).
 */
export const ROUTE_FILES: readonly RouteFile[] = [
  { routes: () => passwordAssetRoutes() },
  { table: SIGNUP_ROUTES, routes: (s) => signupRoutes(s.signup) },
  { table: LOGIN_ROUTES, routes: (s) => apiRoutes(s.login, s.oob, s.trusted, s.secureCookies, s.factorAdmin) },
  { table: WEBAUTHN_ROUTES, routes: (s) => webauthnRoutes(s.webauthn, fresh(s), s.activeFactorCount) },
  { table: ADMIN_ROUTES, routes: (s) => adminRoutes({ recovery: s.recovery, exemptions: s.exemptions, security: s.security, audit: s.audit, roles: s.roles, requireAdmin: requireAdmin(s), serviceKeys: s.serviceKeys, now: s.now, publicUrl: s.publicUrl }) },
  { table: ACCOUNT_ROUTES, routes: (s) => accountRoutes(s.security, s.emailChange, fresh(s)) },
  { table: SESSION_ROUTES, routes: (s) => sessionRoutes({ sessions: s.sessions, requireFresh: fresh(s), freshPage: freshPage(s.login) }) },
  { table: PUSH_ROUTES, routes: (s) => (s.push ? pushRoutes(s.push, fresh(s), s.publicUrl) : []) },
  { table: SNAPSHOT_ROUTES, routes: (s) => snapshotRoutes(requireAdmin(s), s.snapshot) },
  { table: FAULT_ROUTES, routes: (s) => (s.gameday ? faultRoutes({ gameday: s.gameday, requireAdmin: requireAdmin(s), serviceKeys: s.serviceKeys, now: s.now, region: s.region, vendors: s.vendors }) : []) },
  { table: OIDC_ROUTES, routes: (s) => oidcRoutes({ ...s.oidc, requireAdmin: requireAdmin(s), serviceKeys: s.serviceKeys, now: s.now }) },
  { routes: (s) => s.vendorRoutes?.(s.receipts) ?? [] },
  { routes: (s) => pageRoutes(s.login, s.trusted, s.secureCookies, s.push) },
  { routes: (s) => accountPageRoutes({ oob: s.oob, trusted: s.trusted, recovery: s.recovery, fresh: freshPage(s.login) }) },
  { routes: (s) => settingsPageRoutes({ login: s.login, factorAdmin: s.factorAdmin, security: s.security, emailChange: s.emailChange, repo: s.repo, fresh: freshPage(s.login) }) },
  { routes: (s) => adminPageRoutes({ recovery: s.recovery, exemptions: s.exemptions, security: s.security, audit: s.audit, roles: s.roles, admin: adminPage(s.login) }) },
  { routes: (s) => (s.push ? pushPageRoutes({ push: s.push, publicUrl: s.publicUrl, fresh: freshPage(s.login) }) : []) },
]

/** Every route the tables list, mounted or not (what /openapi.json is built from). */
export const routeSpecs = (files: readonly RouteFile[] = ROUTE_FILES): RouteSpec[] => specsOf(files.flatMap((f) => (f.table ? [f.table] : [])))

/** The routes to mount, given the IdP's services. */
export const mountRoutes = (s: RouteServices, files: readonly RouteFile[] = ROUTE_FILES): Route[] => files.flatMap((f) => f.routes(s))
