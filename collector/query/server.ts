import { readFileSync } from 'node:fs'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { ClickHouseClient } from '@clickhouse/client'
import { Counter, Histogram, type Registry, Registry as PromRegistry } from 'prom-client'
import type { z } from 'zod'
import { type CatalogueResponse, type HealthResponse, QUERY_ROUTES, type QueryRoute } from '../../contract/query'
import type { Permission } from '../../contract/access'
import type { AccessGuard, Caller } from '../access/guard'
import { clickhouseCheck, HealthRegistry, httpStatusOf } from '../health'
import { catalogueListing } from './catalogue'
import { CONFLICTS_PARAMS, parseConflictsRequest, runConflicts } from './conflicts'
import { type RouteDocs, errorResponses, queryOpenApiDocument } from './openapi'
import {
  EVENTS_PARAMS, METRICS_PARAMS, OUTCOMES_PARAMS, PROVIDER_SERIES_PARAMS, PROVIDERS_PARAMS,
  parseEventsRequest, parseMetricsRequest, parseOutcomesRequest, parseProviderSeriesRequest, parseProvidersRequest,
} from './params'
import { StorageError, runEvents, runMetrics, runOutcomes, runProviderSeries, runProviders } from './run'
import type { ParamError, Parsed } from './types'
import { type ReportContext, REPORTS } from './reports'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'
/** What a route answers: a status and a JSON body (or text with its content type, or a text stream: `body` an async iterable of chunks). */
export interface RouteReply { status: number; body: unknown; contentType?: string; headers?: Record<string, string> }
/**
 * A route of the query and control API (alerts, game days, …), mounted on the same server and
 * metrics; `docs` puts it in /openapi.json. Every route declares what a caller needs
 * (contract/access.ts): start-up refuses a table with a route without (collector/access/routes.ts).
 */
export interface ExtraRoute {
  method: HttpMethod
  path: string
  /** `caller`: who is calling, as the access guard admitted them (absent on a server without one). */
  handle: (req: IncomingMessage, url: URL, caller?: Caller) => Promise<RouteReply>
  docs?: RouteDocs
  /** The permission a caller's role needs; `public` only for /healthz. */
  permission: Permission | 'public'
  /** Audit verb of a control route (every non-GET): `silence.create`. */
  action?: string
  /** Only the console's own token may call it (POST /api/v1/audit). */
  consoleOnly?: boolean
  /** false: the route writes its own audit record. */
  audited?: boolean
}

export interface QueryServerOptions {
  client: ClickHouseClient
  transport: 'chdb' | 'server'
  registry?: Registry
  log?: (line: string) => void
  extraRoutes?: ExtraRoute[]
  /** The clock, for tests; defaults to Date.now. */
  now?: () => number
  /** Token authentication, roles and the audit log (collector/access); without it every route is open and nothing is audited. */
  access?: AccessGuard
  /** The checks /healthz runs (collector/health.ts); without it, only whether ClickHouse answers SELECT 1. */
  health?: HealthRegistry
  /** Enrollment targets read at start-up (main.ts); without them, dashboards/enrollment-targets.yaml is read here. */
  enrollmentTargets?: ReportContext['enrollmentTargets']
}

/** Errors answered to clients; mapped once to HTTP status here. */
class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly parameter?: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

const STATUS_OF_STORAGE = { storage_error: 500, query_timeout: 504 } as const

function metricsFor(registry: Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make()
  return {
    requests: get('factorwatch_query_requests_total', () => new Counter({
      name: 'factorwatch_query_requests_total', help: 'Query API requests by route, method and status.', labelNames: ['route', 'method', 'status'] as const, registers: [registry],
    })),
    duration: get('factorwatch_query_request_duration_seconds', () => new Histogram({
      name: 'factorwatch_query_request_duration_seconds', help: 'Query API request latency by route.', labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
    })),
  }
}

function unwrap<T>(p: Parsed<T>): T {
  if (p.ok) return p.value
  const e: ParamError = p.error
  throw new ApiError(400, 'invalid_parameter', e.message, e.parameter)
}

const json = (status: number, body: unknown): RouteReply => ({ status, body })

/** `/a/{id}/b` matches `/a/x/b`: each `{name}` segment matches one non-empty segment. */
function matchesPattern(pattern: string, pathname: string): boolean {
  const want = pattern.split('/')
  const got = pathname.split('/')
  return want.length === got.length && want.every((w, i) => (w.startsWith('{') && w.endsWith('}') ? got[i] !== '' : w === got[i]))
}

/** Docs of a read route of QUERY_ROUTES: its parameters, its 200 schema from the contract and the error answers. */
function readDocs(path: QueryRoute, summary: string, params?: z.ZodRawShape, required?: readonly string[]): RouteDocs {
  return { summary, params, required, responses: { 200: ['OK', QUERY_ROUTES[path]], ...errorResponses({ params: params !== undefined, storage: true }) } }
}

/** The report endpoints (reports.ts): window and filters validated like /outcomes. */
function reportRoutes(client: ClickHouseClient, now: () => number, ctx: ReportContext | undefined): ExtraRoute[] {
  return REPORTS.map((r) => ({
    method: 'GET' as const, path: r.path, permission: r.permission, docs: readDocs(r.path as QueryRoute, r.title, r.params, r.required),
    handle: async (_req: IncomingMessage, url: URL) => json(200, await r.run(client, unwrap(r.parse(url.searchParams, now())), now(), ctx)),
  }))
}

/** The version the OpenAPI document states: the package's. */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/**
 * The collector's read API on :4320. Routes are a fixed table so the `route` metric label is
 * bounded; unknown paths are 404 JSON and a known path with another method is 405.
 */
export function createQueryServer(opts: QueryServerOptions): Server & { routes: () => ExtraRoute[] } {
  const { client, transport } = opts
  const registry = opts.registry ?? new PromRegistry()
  const log = opts.log ?? (() => {})
  const now = opts.now ?? Date.now
  const m = metricsFor(registry)
  const started = now()
  const health = opts.health ?? new HealthRegistry().register(clickhouseCheck(client, transport))
  let lastHealth = ''

  const routes: ExtraRoute[] = [
    { method: 'GET', path: '/healthz', permission: 'public', handle: async () => {
      const r = await health.report()
      // Logged when the state changes, not at every probe of a load balancer.
      const state = r.checks.filter((c) => c.status !== 'ok').map((c) => `${c.name} ${c.status}`).join(', ')
      if (state !== lastHealth) log(`query api: healthz: ${state ? `${r.status}: ${r.checks.filter((c) => c.status !== 'ok').map((c) => `${c.name} ${c.status}: ${c.reason}`).join('; ')}` : 'ok'}`)
      lastHealth = state
      return json(httpStatusOf(r.status), { status: r.status, clickhouse: transport, uptime_s: Math.round((now() - started) / 1000), checks: r.checks } satisfies HealthResponse)
    }, docs: { summary: 'Health: ok, degraded or failing, with each check and its reason (disk, ClickHouse, write path)', responses: { 200: ['ok or degraded', QUERY_ROUTES['/healthz']], 503: ['failing', QUERY_ROUTES['/healthz']] } } },
    // Prometheus scrapes with `authorization: { credentials: <token> }` when tokens are configured.
    { method: 'GET', path: '/metrics', permission: 'dashboards.read', handle: async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType }) },
    { method: 'GET', path: '/api/v1/metrics/catalogue', permission: 'dashboards.read', handle: async () => json(200, { ...catalogueListing(), reports: REPORTS.map(({ path, title }) => ({ path, title })) } satisfies CatalogueResponse),
      docs: { summary: 'Each metric (id, title, unit, description, honoured filters) and each report (path, title)', responses: { 200: ['OK', QUERY_ROUTES['/api/v1/metrics/catalogue']] } } },
    { method: 'GET', path: '/api/v1/metrics', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runMetrics(client, unwrap(parseMetricsRequest(url.searchParams, now())), now())),
      docs: readDocs('/api/v1/metrics', 'Values and series of the requested metrics M1–M10', METRICS_PARAMS) },
    { method: 'GET', path: '/api/v1/outcomes', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runOutcomes(client, unwrap(parseOutcomesRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/outcomes', 'Logins and verifications by outcome: totals and series', OUTCOMES_PARAMS) },
    { method: 'GET', path: '/api/v1/events', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runEvents(client, unwrap(parseEventsRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/events', 'Stored events, newest first', EVENTS_PARAMS) },
    { method: 'GET', path: '/api/v1/providers', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runProviders(client, unwrap(parseProvidersRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/providers', 'Sub-processor health per provider × channel', PROVIDERS_PARAMS) },
    { method: 'GET', path: '/api/v1/providers/series', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runProviderSeries(client, unwrap(parseProviderSeriesRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/providers/series', "One provider's buckets, totals and circuit history", PROVIDER_SERIES_PARAMS, ['provider']) },
    ...reportRoutes(client, now, opts.enrollmentTargets ? { enrollmentTargets: opts.enrollmentTargets } : undefined),
    { method: 'GET', path: '/api/v1/ingest/conflicts', permission: 'dashboards.read', handle: async (_req, url) => json(200, await runConflicts(client, unwrap(parseConflictsRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/ingest/conflicts', 'Contract events refused because their event.id was stored with other content (the first is kept), newest first', CONFLICTS_PARAMS) },
    { method: 'GET', path: '/openapi.json', permission: 'dashboards.read', handle: async () => json(200, queryOpenApiDocument(allRoutes(), VERSION)) },
  ]
  // Read at each request: extra routes may be mounted after the port is known (alerting needs it).
  const allRoutes = (): ExtraRoute[] => (opts.extraRoutes && opts.extraRoutes.length > 0 ? [...routes, ...opts.extraRoutes] : routes)

  async function dispatch(req: IncomingMessage, url: URL): Promise<{ route: string; reply: RouteReply }> {
    // A `{name}` segment of a path matches any one segment; the route label stays the pattern.
    const candidates = allRoutes().filter((r) => r.path === url.pathname || (r.path.includes('{') && matchesPattern(r.path, url.pathname)))
    const route = candidates.find((r) => r.method === req.method)
    const guard = opts.access
    // Unknown paths and methods are answered only to an authenticated caller (no map of the API for strangers).
    const label = route?.path ?? candidates[0]?.path ?? 'unmatched'
    const needs = route ?? { method: String(req.method).slice(0, 10), path: label, permission: 'dashboards.read' as const }
    // A route without a declared permission is never served (start-up refuses it too).
    if (route && route.permission !== 'public' && typeof route.permission !== 'string') throw Object.assign(new Error(`${route.method} ${route.path} declares no permission`), { route: label })
    const admitted = guard ? await guard.admit(req, needs, url) : undefined
    if (admitted && !admitted.ok) return { route: label, reply: admitted.reply }
    if (candidates.length === 0) throw Object.assign(new ApiError(404, 'not_found', `no route ${url.pathname.slice(0, 200)}`), { route: 'unmatched' })
    if (!route) {
      const allow = candidates.map((r) => r.method).join(', ')
      throw Object.assign(new ApiError(405, 'method_not_allowed', `${req.method} not allowed on ${url.pathname}, expected ${allow}`, undefined, { allow }), { route: candidates[0].path })
    }
    const caller = admitted?.ok ? admitted.caller : undefined
    let reply: RouteReply
    try {
      reply = await route.handle(req, url, caller)
    } catch (err) {
      reply = errorReply(err)
    }
    if (guard && caller) reply = { ...reply, headers: { ...reply.headers, ...(await guard.settle(route, url, caller, reply)) } }
    return { route: route.path, reply }
  }

  function errorReply(err: unknown): RouteReply {
    if (err instanceof ApiError) {
      return { status: err.status, headers: err.headers, body: { error: { code: err.code, message: err.message, ...(err.parameter ? { parameter: err.parameter } : {}) } } }
    }
    if (err instanceof StorageError) {
      log(`query api: ${err.message}: ${String((err.cause as Error | undefined)?.message ?? '').split('\n')[0].slice(0, 500)}`)
      return json(STATUS_OF_STORAGE[err.code], { error: { code: err.code, message: err.message } })
    }
    log(`query api: internal error: ${(err as Error)?.stack ?? String(err)}`)
    return json(500, { error: { code: 'internal_error', message: 'internal error' } })
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const t0 = process.hrtime.bigint()
    const url = new URL(req.url ?? '/', 'http://query.local')
    let route = 'unmatched'
    const finish = (reply: RouteReply) => {
      const done = () => {
        m.requests.inc({ route, method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'].includes(req.method ?? '') ? req.method! : 'other', status: String(reply.status) })
        m.duration.observe({ route }, Number(process.hrtime.bigint() - t0) / 1e9)
      }
      if (isStream(reply.body) && reply.contentType !== undefined) {
        res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store', ...reply.headers })
        void streamOut(reply.body, res, log).then(done)
        return
      }
      const isText = typeof reply.body === 'string' && reply.contentType !== undefined
      const payload = isText ? (reply.body as string) : JSON.stringify(reply.body)
      res.writeHead(reply.status, { 'content-type': isText ? reply.contentType! : 'application/json; charset=utf-8', 'cache-control': 'no-store', ...reply.headers })
      res.end(payload)
      done()
    }
    dispatch(req, url).then(
      (r) => { route = r.route; finish(r.reply) },
      (err: unknown) => {
        route = (err as { route?: string }).route ?? allRoutes().find((r) => r.path === url.pathname || (r.path.includes('{') && matchesPattern(r.path, url.pathname)))?.path ?? 'unmatched'
        finish(errorReply(err))
      },
    )
  })
  return Object.assign(server, { routes: allRoutes })
}

const isStream = (b: unknown): b is AsyncIterable<string> => typeof b === 'object' && b !== null && Symbol.asyncIterator in b

/** Write a streamed body chunk by chunk, honouring backpressure; a failure mid-stream cuts the response (the client sees it incomplete). */
async function streamOut(body: AsyncIterable<string>, res: ServerResponse, log: (line: string) => void): Promise<void> {
  try {
    for await (const chunk of body) {
      if (res.destroyed) return
      if (!res.write(chunk)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r) })
    }
    res.end()
  } catch (err) {
    log(`query api: stream failed: ${(err as Error).message.split('\n')[0].slice(0, 300)}`)
    res.destroy(err as Error)
  }
}
