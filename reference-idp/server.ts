import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RiskLevel } from '../contract'
import { clockFrom, systemClock, type Clock } from '../contract/clock'
import type { IdpConfig } from './config'
import { DEFAULT_OOB_POLICY } from './factors/oob'
import { scryptForCost } from './factors/password'
import { DEFAULT_PUSH_POLICY } from './factors/push'
import { createWebauthnService } from './factors/webauthn'
import { relyingParty } from './factors/webauthn-rules'
import { createGuards } from './http/guards'
import { secureCookiesFor } from './http/io'
import { closeServer, listen } from './http/listen'
import { createRouter } from './http/router'
import { keysFor } from './keys'
import { createAccountSecurity } from './login/account-security'
import { createAdminRecovery } from './login/admin-recovery'
import { createAudit } from './login/audit'
import { createEmailChange } from './login/email-change'
import { eventHelpers, type RequestCtx } from './login/events'
import { createExemptions } from './login/exemptions'
import { activeFactorCount, createFactorAdmin } from './login/factor-admin'
import { createGuessing } from './login/guessing'
import { createNotices } from './login/notices'
import { createOobService } from './login/oob'
import { DEFAULT_PASSWORD_THROTTLE } from './login/password-throttle'
import { DEFAULT_FLOW_POLICY } from './login/policy'
import { createPushService } from './login/push'
import { createReceiptService, DEFAULT_RECEIPT_POLICY } from './login/receipts'
import { DEFAULT_RECOVERY_POLICY } from './login/recovery-policy'
import { blockList, loadRiskPolicy } from './login/risk'
import { createRoles } from './login/roles'
import { createLoginService } from './login/service'
import { createSessions } from './login/sessions'
import { createSignup } from './login/signup'
import { emitEnrollmentSnapshot, type GroupCounts } from './login/snapshot'
import { createTrustedDevices } from './login/trusted'
import { assertDocumented, openApiDocument } from './openapi'
import { mountRoutes, routeSpecs } from './routes'
import { parseServiceKeys } from './service-auth/assertion'
import { openPglite, openPostgres, type Db } from './store/db'
import { createGuessRepo } from './store/guess-repo'
import { migrateStore } from './store/migrate'
import { createOobRepo } from './store/oob-repo'
import { createPushRepo } from './store/push-repo'
import { createRepo } from './store/repo'
import { backfillUserEmails } from './store/user-email'
import { createLocalOutbox } from './subprocessors/local'
import type { Subprocessor } from './subprocessors/types'
import { createIdpMetrics } from './telemetry/metrics'
import { createTelemetry, type Telemetry } from './telemetry/telemetry'
import { scheduleSnapshots, scheduleSweeper } from './timers'
import { vendorSettings } from './vendor-config'
import { vendorLayer } from './vendors/wiring'
import { createGameday } from './faults/control'
import { oidcSettings, createOidc } from './oidc/wiring'

/*
 * The IdP's composition root: configuration in, every service built once and handed to the
 * route files (routes.ts), the router (http/router.ts) behind the HTTP listener
 * (http/listen.ts), and the background jobs (timers.ts).
 */

export const IDP_VERSION = '0.1.0'

export interface RunningIdp {
  url: string
  db: Db
  /** Emit the enrollment snapshot now (it also runs every IDP_SNAPSHOT_SECONDS). */
  snapshot(): Promise<GroupCounts[]>
  /** Close flows past their TTL now (the sweeper also runs on a timer). */
  sweep(): Promise<number>
  /** The account with this address (looked up by its blind index: addresses are sealed at rest). */
  account(email: string): Promise<{ id: string; user_group: string } | undefined>
  close(): Promise<void>
}

export interface IdpOptions {
  /** The process's one clock (breakers, delays, expiries); default the system clock. */
  clock?: Clock
  /** Shorthand for a clock that reads this time and sleeps for real (tests that move time by hand). */
  now?: () => Date
  log?: (line: string) => void
  /** Open the store yourself (tests: a PostgreSQL schema); otherwise from the config. */
  db?: Db
  /** Where SMS, voice and e-mail codes go; default: an in-process outbox (no vendor). */
  sender?: Subprocessor
  /** Replace the OTLP telemetry (tests capture events this way). */
  telemetry?: Telemetry
}

/** Start the reference IdP: store, migrations, telemetry, services, HTTP server and the background jobs. */
export async function startIdp(config: IdpConfig, o: IdpOptions = {}): Promise<RunningIdp> {
  const clock = o.clock ?? (o.now ? clockFrom(() => o.now!().getTime()) : systemClock)
  const now = () => new Date(clock.now())
  const log = o.log ?? ((line: string) => console.log(line))
  let secure = false // set once the public URL is known
  const secureCookies = () => secure
  // Keys first: without them nothing starts (and no data directory is created).
  const keys = keysFor(config, log)
  // The OpenID Connect provider's clients and signing keys too (reference-idp/oidc/).
  const oidcConfig = oidcSettings(config, log)
  // Vendor credentials too: missing ones stop start-up before the store is opened.
  const vendorConfig = o.sender ? undefined : vendorSettings(config)
  const db = o.db ?? (config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(config.dataDir))
  const applied = await migrateStore(db)
  if (applied.length) log(`store (${db.kind}): applied migrations ${applied.join(', ')}`)
  const sealed = await backfillUserEmails(db, keys)
  if (sealed) log(`store: encrypted ${sealed} plaintext e-mail addresses`)
  const passwordHashing = { ...scryptForCost(config.passwordCost), pepper: keys.passwordPepper }
  const metrics = createIdpMetrics()
  const rawTelemetry = o.telemetry ?? createTelemetry({ enabled: config.telemetry === 'on', otlpEndpoint: config.otlpEndpoint, region: config.region, version: IDP_VERSION, metrics })
  const repo = createRepo(db, keys)
  const audit = createAudit({ db, keys, now })
  // Game days: faults in the vendor layer, runbook actions, and events of touched requests tagged with the drill (faults/).
  const gameday = createGameday({ now, region: config.region, telemetry: rawTelemetry, metrics, audit, repo, synthetic: config.syntheticEmailPattern ? new RegExp(config.syntheticEmailPattern, 'i') : undefined, log })
  const telemetry = gameday.tag(rawTelemetry)
  // A revoked session presented again (stolen cookie, F7) is refused and told as telemetry, not only a log line.
  const revokedEvents = eventHelpers({ region: config.region, keys, telemetry, metrics })
  const revokedReuse = (userId: string, ctx?: RequestCtx) => {
    log('security: a revoked session was presented and refused')
    if (ctx) void repo.userById(userId).then((u) => revokedEvents.completed(randomUUID(), 'failure', 'session_revoked', ctx, u)).catch((e: unknown) => log(`security event: ${e instanceof Error ? e.message : String(e)}`))
  }
  const sessions = createSessions(repo, config.sessionTtlSeconds, now, revokedReuse, config.sessionIdleSeconds)
  const policy = { ...DEFAULT_FLOW_POLICY, maxAttempts: config.maxAttempts, maxUserFailures: 2 * config.maxAttempts, flowTtlMs: config.flowTtlSeconds * 1000, maxDailyUnknownFailures: config.maxDailyCodeFailures }
  const vendors = vendorConfig && vendorLayer({ ...vendorConfig, telemetry, metrics, region: config.region, log, now: () => clock.now(), faults: gameday.vendorFaults })
  const sender = o.sender ?? vendors?.sender ?? createLocalOutbox()
  // Mailed to an account's owner after a change to how they sign in (ASVS 2.2.3, 2.5.5).
  const notices = createNotices({ db, sender, keys, telemetry, metrics, region: config.region, now, log })
  const receipts = createReceiptService({ repo, oob: createOobRepo(db), keys, telemetry, metrics, region: config.region, policy: DEFAULT_RECEIPT_POLICY, now, receiptingProviders: () => vendors?.receiptingProviders() ?? [] })
  const oob = createOobService({ repo, oob: createOobRepo(db), keys, telemetry, metrics, region: config.region, sender, policy: DEFAULT_OOB_POLICY, now, notices })
  // `url` is known once the server listens; no request (so no call of rp()) comes before that.
  const webauthn = createWebauthnService({ db, keys, telemetry, metrics, policy, region: config.region, rpName: 'FactorWatch', rp: () => relyingParty(url, config.rpId), now, notices })
  const riskPolicy = loadRiskPolicy(config.riskPolicyPath)
  const trusted = createTrustedDevices(db, (v) => keys.mac('trusted-device', v), config.trustedDeviceDays, now, async (userId, about) => {
    const user = await repo.userById(userId)
    if (user) await notices.send(user, 'unfamiliar_signin', { client: about.client ?? 'web', country: about.country }, { country: about.country })
  })
  const pushRepo = createPushRepo(db)
  const push = vendors ? createPushService({
    repo, push: pushRepo, keys, telemetry, metrics, region: config.region, sender: vendors.push, policy: DEFAULT_PUSH_POLICY, flowPolicy: policy, now, trusted, notices,
    allowed: (level) => riskPolicy.rules[(level ?? 'low') as RiskLevel].factors.includes('push'),
  }) : undefined
  const exemptions = createExemptions({ db, repo, keys, telemetry, metrics, region: config.region, now })
  const guessing = createGuessing({ guesses: createGuessRepo(db), trusted, mac: keys.mac, policy, throttle: DEFAULT_PASSWORD_THROTTLE, now })
  const login = createLoginService({ guessing, notices,
    push, exemptions, repo, keys, telemetry, metrics, policy, region: config.region, issuer: 'FactorWatch', now, oob, log,
    trusted, risk: { policy: riskPolicy, bad: blockList(riskPolicy) }, passkeys: (id) => webauthn.count(id), stepUpMaxAgeMs: config.stepUpMaxAgeSeconds * 1000, progressiveDelayMs: config.progressiveDelayMs, sleep: (ms) => clock.sleep(ms), passwordHashing,
    factorOrder: gameday.promote,
    bootstrapAdmins: new Set((config.adminEmails ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)), adminFactor: config.adminFactor,
  })
  const recovery = createAdminRecovery({ db, repo, keys, telemetry, metrics, region: config.region, policy: DEFAULT_RECOVERY_POLICY, now, passwordHashing, trusted, notices })
  const roles = createRoles({ db, repo, keys, now })
  const factorAdmin = createFactorAdmin({ db, repo, keys, telemetry, metrics, region: config.region, notices })
  const security = createAccountSecurity({ guessing, notices, repo, push: push && pushRepo, audit, keys, telemetry, metrics, region: config.region, now, passwordHashing })
  const emailChange = createEmailChange({ db, repo, sender, audit, policy: DEFAULT_OOB_POLICY, keys, telemetry, metrics, region: config.region, now })
  const signup = createSignup({ db, repo, sender, audit, accounts: login, policy: DEFAULT_OOB_POLICY, keys, telemetry, metrics, region: config.region, now })
  let publicUrl = ''
  const oidc = createOidc(oidcConfig, { db, repo, keys, audit, sessions, hashNewPassword: (email, password) => login.hashNewPassword(email, password), now, secure: secureCookies, sessionTtlSeconds: config.sessionTtlSeconds, log })
  const snapshot = (reason: 'scheduled' | 'on_demand') => emitEnrollmentSnapshot({ db, telemetry, metrics, keys, region: config.region, reason, log })
  const routes = mountRoutes({
    login, signup, sessions, oob, trusted, webauthn, push, recovery, exemptions, security, emailChange, factorAdmin, audit, roles, repo, receipts,
    vendorRoutes: vendors ? (r) => vendors.routes(r) : undefined,
    activeFactorCount: (id) => activeFactorCount(db, id),
    snapshot: () => snapshot('on_demand'),
    serviceKeys: config.serviceKeys ? parseServiceKeys(config.serviceKeys) : undefined,
    gameday, region: config.region, vendors: () => vendors?.registry.vendors ?? [],
    now, publicUrl: () => publicUrl, secureCookies, oidc: oidc.routes,
  })
  gameday.guard(routes)
  // Start-up fails when a mounted API route has no docs (or a body schema has no JSON Schema).
  assertDocumented(routes)
  const specs = routeSpecs()
  openApiDocument(specs, '', IDP_VERSION)
  let openApi: Record<string, unknown> | undefined
  const handle = createRouter({
    routes, sessions, revokedReuse, telemetry, metrics, log,
    guards: createGuards({ publicUrl: config.publicUrl, rateLoginPerMinute: config.rateLoginPerMinute, rateCodePerMinute: config.rateCodePerMinute, rateSignupPerHour: config.rateSignupPerHour, now, metrics }),
    secure: secureCookies,
    demoHeaders: config.demoHeaders === 'on',
    sessionTtlSeconds: config.sessionTtlSeconds,
    openApi: () => (openApi ??= openApiDocument(specs, publicUrl, IDP_VERSION)),
    health: () => ({ status: 'ok', store: db.kind, telemetry: config.telemetry }),
  })

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    if (!(await oidc.serve(req, res))) await handle(req, res)
  }
  const { server, port } = await listen({ host: config.host, port: config.port, maxInFlight: config.maxInFlight, metrics, log }, serve)
  const url = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  secure = secureCookiesFor(url, config.loopbackSecureCookies === 'on')
  publicUrl = url
  oidc.start(url)

  const stopSnapshots = scheduleSnapshots(config.snapshotSeconds, () => snapshot('scheduled'), log)
  await vendors?.start(config.webhookUrl ?? url)
  gameday.start()
  const sweep = async () => (await login.sweepAbandoned()) + (await receipts.sweep()) + (await recovery.sweep({ client: 'api' })) + (await exemptions.sweep({ client: 'api' })) + ((await push?.sweepExpired()) ?? 0) + (await signup.sweep())
  const stopSweeper = scheduleSweeper(config.flowTtlSeconds, sweep, log)

  return {
    url, db, sweep,
    snapshot: () => snapshot('on_demand'),
    account: async (email) => {
      const u = await repo.userByEmail(email)
      return u && { id: u.id, user_group: u.user_group }
    },
    async close() {
      stopSweeper()
      stopSnapshots()
      gameday.close()
      await closeServer(server)
      await telemetry.shutdown()
      if (!o.db) await db.close()
    },
  }
}
