import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanKind } from '@opentelemetry/api'
import { apiRoutes } from './api'
import type { IdpConfig } from './config'
import { MfaError } from './errors'
import { randomUUID } from 'node:crypto'
import { requestIp, requestOrigin, sameOrigin } from './http/context'
import { cookie, parseBody, parseCookies, readRaw, secureCookiesFor, sendError, sendHtml, sendJson } from './http/io'
import type { Exchange, Route } from './http/types'
import { keysFor } from './keys'
import { scryptForCost } from './factors/password'
import { backfillUserEmails } from './store/user-email'
import { DEFAULT_FLOW_POLICY } from './login/policy'
import { createLoginService } from './login/service'
import { createSessions, SESSION_COOKIE } from './login/sessions'
import { DEFAULT_OOB_POLICY } from './factors/oob'
import { createOobService } from './login/oob'
import { createWebauthnService } from './factors/webauthn'
import { relyingParty } from './factors/webauthn-rules'
import { emitEnrollmentSnapshot, type GroupCounts } from './login/snapshot'
import { openApiDocument } from './openapi'
import { blockList, loadRiskPolicy } from './login/risk'
import { createTrustedDevices, DEVICE_COOKIE, TRUSTED_COOKIE } from './login/trusted'
import { createReceiptService, DEFAULT_RECEIPT_POLICY } from './login/receipts'
import { accountRoutes } from './account-routes'
import { adminRoutes } from './admin-routes'
import { createAccountSecurity } from './login/account-security'
import { createGuessing } from './login/guessing'
import { DEFAULT_PASSWORD_THROTTLE } from './login/password-throttle'
import { createGuessRepo } from './store/guess-repo'
import { createAudit } from './login/audit'
import { createEmailChange } from './login/email-change'
import { createSignup } from './login/signup'
import { signupRoutes } from './signup-routes'
import { sessionRoutes } from './session-routes'
import { createAdminRecovery } from './login/admin-recovery'
import { createNotices } from './login/notices'
import { createExemptions } from './login/exemptions'
import { activeFactorCount, createFactorAdmin } from './login/factor-admin'
import { DEFAULT_RECOVERY_POLICY } from './login/recovery-policy'
import { createRateLimiter } from './http/rate-limit'
import type { RiskLevel } from '../contract'
import { clockFrom, systemClock, type Clock } from '../contract/clock'
import { DEFAULT_PUSH_POLICY } from './factors/push'
import { createPushService } from './login/push'
import { adminPage, freshPage, pageRoutes } from './pages'
import { createRoles } from './login/roles'
import { eventHelpers, type RequestCtx } from './login/events'
import { parseServiceKeys } from './service-auth/assertion'
import { accountPageRoutes } from './pages/account'
import { adminPageRoutes } from './pages/admin'
import { pushPageRoutes } from './pages/push'
import { settingsPageRoutes } from './pages/settings'
import { passwordAssetRoutes } from './pages/password-field'
import { pushRoutes } from './push-routes'
import { createPushRepo } from './store/push-repo'
import { vendorLayer } from './vendors/wiring'
import { vendorSettings } from './vendor-config'
import { webauthnRoutes } from './webauthn-routes'
import { createOobRepo } from './store/oob-repo'
import { createLocalOutbox } from './subprocessors/local'
import type { Subprocessor } from './subprocessors/types'
import { page } from './pages/layout'
import { openPglite, openPostgres, type Db } from './store/db'
import { migrateStore } from './store/migrate'
import { createRepo } from './store/repo'
import { createIdpMetrics } from './telemetry/metrics'
import { createTelemetry, type Telemetry } from './telemetry/telemetry'

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

const statusClass = (s: number) => `${Math.floor(s / 100)}xx`

/** Start the reference IdP: store, migrations, telemetry, HTTP server and the abandoned-flow sweeper. */
export async function startIdp(config: IdpConfig, o: IdpOptions = {}): Promise<RunningIdp> {
  const clock = o.clock ?? (o.now ? clockFrom(() => o.now!().getTime()) : systemClock)
  const now = () => new Date(clock.now())
  const log = o.log ?? ((line: string) => console.log(line))
  let secure = false // set once the public URL is known
  const secureCookies = () => secure
  // Keys first: without them nothing starts (and no data directory is created).
  const keys = keysFor(config, log)
  // Vendor credentials too: missing ones stop start-up before the store is opened.
  const vendorConfig = !o.sender && config.providerUrl ? vendorSettings({ ...config, providerUrl: config.providerUrl }) : undefined
  const db = o.db ?? (config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(config.dataDir))
  const applied = await migrateStore(db)
  if (applied.length) log(`store (${db.kind}): applied migrations ${applied.join(', ')}`)
  const sealed = await backfillUserEmails(db, keys)
  if (sealed) log(`store: encrypted ${sealed} plaintext e-mail addresses`)
  const passwordHashing = { ...scryptForCost(config.passwordCost), pepper: keys.passwordPepper }
  const metrics = createIdpMetrics()
  const telemetry = o.telemetry ?? createTelemetry({ enabled: config.telemetry === 'on', otlpEndpoint: config.otlpEndpoint, region: config.region, version: IDP_VERSION, metrics })
  const repo = createRepo(db, keys)
  // A revoked session presented again (stolen cookie, F7) is refused and told as telemetry, not only a log line.
  const revokedEvents = eventHelpers({ region: config.region, keys, telemetry, metrics })
  const revokedReuse = (userId: string, ctx?: RequestCtx) => {
    log('security: a revoked session was presented and refused')
    if (ctx) void repo.userById(userId).then((u) => revokedEvents.completed(randomUUID(), 'failure', 'session_revoked', ctx, u)).catch((e: unknown) => log(`security event: ${e instanceof Error ? e.message : String(e)}`))
  }
  const sessions = createSessions(repo, config.sessionTtlSeconds, now, revokedReuse, config.sessionIdleSeconds)
  const policy = { ...DEFAULT_FLOW_POLICY, maxAttempts: config.maxAttempts, maxUserFailures: 2 * config.maxAttempts, flowTtlMs: config.flowTtlSeconds * 1000, maxDailyUnknownFailures: config.maxDailyCodeFailures }
  const vendors = vendorConfig && vendorLayer({ ...vendorConfig, telemetry, metrics, region: config.region, log, now: () => clock.now() })
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
    trusted, risk: { policy: riskPolicy, bad: blockList(riskPolicy) }, passkeys: (id) => webauthn.count(id), stepUpMaxAgeMs: config.stepUpMaxAgeSeconds * 1000, progressiveDelayMs: config.progressiveDelayMs, passwordHashing,
    bootstrapAdmins: new Set((config.adminEmails ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)), adminFactor: config.adminFactor,
  })
  const recovery = createAdminRecovery({ db, repo, keys, telemetry, metrics, region: config.region, policy: DEFAULT_RECOVERY_POLICY, now, passwordHashing, trusted, notices })
  const fresh = async (x: Exchange, action: string) => login.requireFresh(await x.session(), action, x.ctx)
  const requireAdmin = async (x: Exchange, action: string) => login.requireAdmin(await x.session(), action, x.ctx)
  const roles = createRoles({ db, repo, keys, now })
  const audit = createAudit({ db, keys, now })
  const factorAdmin = createFactorAdmin({ db, repo, keys, telemetry, metrics, region: config.region, notices })
  const security = createAccountSecurity({ guessing, notices, repo, push: push && pushRepo, audit, keys, telemetry, metrics, region: config.region, now, passwordHashing })
  const emailChange = createEmailChange({ db, repo, sender, audit, policy: DEFAULT_OOB_POLICY, keys, telemetry, metrics, region: config.region, now })
  const signup = createSignup({ db, repo, sender, audit, accounts: login, policy: DEFAULT_OOB_POLICY, keys, telemetry, metrics, region: config.region, now })
  const routes: Route[] = [...passwordAssetRoutes(), ...signupRoutes(signup), ...adminRoutes({ recovery, exemptions, security, audit, roles, requireAdmin, serviceKeys: config.serviceKeys ? parseServiceKeys(config.serviceKeys) : undefined, now, publicUrl: () => publicUrl }), ...accountRoutes(security, emailChange, fresh), ...sessionRoutes({ sessions, requireFresh: fresh, freshPage: freshPage(login) }),...(vendors?.routes(receipts) ?? []), ...apiRoutes(login, oob, trusted, secureCookies, factorAdmin), ...pageRoutes(login, trusted, secureCookies, push), ...accountPageRoutes({ oob, trusted, recovery, fresh: freshPage(login) }), ...settingsPageRoutes({ login, factorAdmin, security, emailChange, repo, fresh: freshPage(login) }), ...adminPageRoutes({ recovery, exemptions, security, audit, roles, admin: adminPage(login) }), ...webauthnRoutes(webauthn, fresh, (id) => activeFactorCount(db, id)), ...(push ? pushRoutes(push, fresh, () => publicUrl) : []), ...(push ? pushPageRoutes({ push, publicUrl: () => publicUrl, fresh: freshPage(login) }) : []), {
    method: 'POST', path: '/api/v1/admin/enrollment-snapshot', kind: 'api',
    async handler(x) {
      await requireAdmin(x, 'requesting an enrollment snapshot')
      sendJson(x.res, 200, { groups: await snapshot('on_demand') })
    },
  }]
  const byKey = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]))
  const paths = new Set(routes.map((r) => r.path))
  openApiDocument(routes, '', IDP_VERSION) // fails start-up when an API route is undocumented
  let openApi: Record<string, unknown> | undefined
  let publicUrl = ''

  let inFlight = 0
  // Per-address limits in front of guessing: password steps and second-factor steps.
  const limiters = {
    password: createRateLimiter({ perMinute: config.rateLoginPerMinute }, () => now().getTime()),
    code: createRateLimiter({ perMinute: config.rateCodePerMinute }, () => now().getTime()),
    // A sixth of the hourly figure per 10 minutes: no burst of an hour's sign-ups at once (SMS pumping, ASVS 2.2.1).
    signup: createRateLimiter({ perWindow: Math.floor(config.rateSignupPerHour / 6), windowSeconds: 600 }, () => now().getTime()),
  }
  const LIMITED = { password: 'sign-in attempts', code: 'code attempts', signup: 'sign-ups' } as const
  const BUCKET: Record<string, keyof typeof limiters> = {
    '/api/v1/login': 'password', '/login': 'password', '/api/v1/recovery/requests': 'password', '/api/v1/webauthn/login/options': 'password',
    '/api/v1/account/password': 'password', '/account/password': 'password',
    '/api/v1/login/totp': 'code', '/login/totp': 'code', '/api/v1/login/code': 'code', '/login/code': 'code', '/api/v1/login/send': 'code',
    '/api/v1/login/recovery-code': 'code', '/login/recovery-code': 'code', '/api/v1/webauthn/login/verify': 'code', '/api/v1/stepup': 'code',
    '/api/v1/signup/verify': 'code', '/signup/verify': 'code',
    '/api/v1/login/push': 'code', '/api/v1/push/respond': 'code', '/api/v1/push/devices': 'code',
    '/api/v1/signup': 'signup', '/signup': 'signup',
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://idp.local')
    const route = byKey.get(`${req.method} ${url.pathname}`)
    if (url.pathname === '/openapi.json' && req.method === 'GET') return sendJson(res, 200, openApi ??= openApiDocument(routes, publicUrl, IDP_VERSION))
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', store: db.kind, telemetry: config.telemetry })
    if (url.pathname === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType })
      return void res.end(await metrics.registry.metrics())
    }
    if (!route) {
      const err = paths.has(url.pathname) ? new MfaError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`) : new MfaError('not_found', `no such endpoint ${url.pathname.slice(0, 100)}`)
      return url.pathname.startsWith('/api/') ? sendError(res, err) : sendHtml(res, err.status, page(err.status === 404 ? 'Page not found' : 'Not allowed', '<p><a href="/">Home</a></p>'))
    }
    const label = { method: route.method, route: route.path }
    const end = metrics.httpDuration.startTimer({ route: route.path })
    await telemetry.span(`${route.method} ${route.path}`, { 'http.request.method': route.method, 'http.route': route.path }, async (span) => {
      const cookies = parseCookies(req.headers.cookie, secure)
      let raw: Promise<string> | undefined
      let body: Promise<Record<string, unknown>> | undefined
      let session: ReturnType<Exchange['session']> | undefined
      const clear = cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure })
      // A stable, non-secret id per browser: the "new device" risk signal.
      let deviceId = cookies[DEVICE_COOKIE]
      if (!deviceId || !/^[0-9a-f-]{36}$/.test(deviceId)) {
        deviceId = randomUUID()
        res.setHeader('set-cookie', cookie(DEVICE_COOKIE, deviceId, { maxAgeSeconds: 400 * 86_400, secure }))
      }
      const x: Exchange = {
        req, res, url,
        ctx: {
          span, ...requestOrigin(req, config.demoHeaders === 'on', route.kind === 'api' ? 'api' : 'web'),
          ip: requestIp(req, config.demoHeaders === 'on'), deviceId, trustedToken: cookies[TRUSTED_COOKIE],
        },
        raw: () => (raw ??= readRaw(req)),
        body: () => (body ??= x.raw().then((text) => parseBody(req, text))),
        session: () => (session ??= sessions.session(cookies[SESSION_COOKIE], (userId) => revokedReuse(userId, x.ctx))),
        userId: async () => (await x.session())?.userId,
        sessionToken: () => cookies[SESSION_COOKIE],
        async signIn(userId, mfa = false) {
          await sessions.revoke(cookies[SESSION_COOKIE])
          return cookie(SESSION_COOKIE, await sessions.create(userId, mfa, { client: x.ctx.client, country: x.ctx.country, userAgent: req.headers['user-agent'] }), { maxAgeSeconds: config.sessionTtlSeconds, secure })
        },
        async signOut() {
          await sessions.revoke(cookies[SESSION_COOKIE])
          return clear
        },
      }
      try {
        if (req.method === 'POST' && !sameOrigin(req, config.publicUrl ? new URL(config.publicUrl).origin : undefined)) throw new MfaError('forbidden', 'cross-origin form posts are refused')
        const bucket = req.method === 'POST' ? BUCKET[route.path] : undefined
        if (bucket) {
          const t = limiters[bucket].take(x.ctx.ip ?? 'unknown')
          if (!t.ok) {
            metrics.rateLimited.inc({ bucket })
            throw new MfaError('rate_limited', `too many ${LIMITED[bucket]} from this address; wait ${t.retryAfterSeconds} s`, { retry_after_seconds: t.retryAfterSeconds }, t.retryAfterSeconds)
          }
        }
        await route.handler(x)
      } catch (e) {
        const err = e instanceof MfaError ? e : new MfaError('internal_error', 'internal error; the request changed nothing it could not undo')
        if (!(e instanceof MfaError)) log(`error on ${route.method} ${route.path}: ${e instanceof Error ? e.message : String(e)}`)
        if (res.headersSent) return void res.end()
        if (route.kind === 'api') sendError(res, err)
        else sendHtml(res, err.status, page('Something went wrong', '<p><a href="/">Start again</a></p>', err.message), err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : {})
      } finally {
        metrics.httpRequests.inc({ ...label, status_class: statusClass(res.statusCode) })
        end()
      }
    }, SpanKind.SERVER, { headers: req.headers, status: () => res.statusCode })
  }

  const server = createServer((req, res) => {
    if (inFlight >= config.maxInFlight) {
      metrics.overloaded.inc()
      req.resume()
      return sendJson(res, 503, { code: 'overloaded', message: 'too many requests in progress; retry shortly' }, { 'retry-after': '1' })
    }
    inFlight++
    res.on('close', () => inFlight--)
    handle(req, res).catch((e) => {
      log(`unhandled: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) sendJson(res, 500, { code: 'internal_error', message: 'internal error' })
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  secure = secureCookiesFor(url, config.loopbackSecureCookies === 'on')
  publicUrl = url

  const snapshot = (reason: 'scheduled' | 'on_demand') => emitEnrollmentSnapshot({ db, telemetry, metrics, region: config.region, reason, log })
  const snapshotTimer = config.snapshotSeconds > 0 ? setInterval(() => void snapshot('scheduled').catch((e) => log(`snapshot: ${e instanceof Error ? e.message : String(e)}`)), config.snapshotSeconds * 1000) : undefined
  snapshotTimer?.unref()
  // A first snapshot soon after start, so coverage (M8) has a denominator within a minute.
  const firstSnapshot = config.snapshotSeconds > 0 ? setTimeout(() => void snapshot('scheduled').catch(() => {}), 15_000) : undefined
  firstSnapshot?.unref()
  await vendors?.start(config.webhookUrl ?? url)
  const sweep = async () => (await login.sweepAbandoned()) + (await receipts.sweep()) + (await recovery.sweep({ client: 'api' })) + ((await push?.sweepExpired()) ?? 0) + (await signup.sweep())
  const timer = setInterval(() => void sweep().catch((e) => log(`sweeper: ${e instanceof Error ? e.message : String(e)}`)), Math.min(30_000, config.flowTtlSeconds * 500))
  timer.unref()

  return {
    url, db, sweep,
    snapshot: () => snapshot('on_demand'),
    account: async (email) => {
      const u = await repo.userByEmail(email)
      return u && { id: u.id, user_group: u.user_group }
    },
    async close() {
      clearInterval(timer)
      clearInterval(snapshotTimer)
      clearTimeout(firstSnapshot)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await telemetry.shutdown()
      if (!o.db) await db.close()
    },
  }
}
