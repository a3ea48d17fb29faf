import { readFileSync } from 'node:fs'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { ClickHouseClient } from '@clickhouse/client'
import { Counter, Histogram, type Registry, Registry as PromRegistry } from 'prom-client'
import type { z } from 'zod'
import { type CatalogueResponse, type HealthResponse, QUERY_ROUTES, type QueryRoute } from '../../contract/query'
import { clickhouseCheck, HealthRegistry, httpStatusOf } from '../health'
import { catalogueListing } from './catalogue'
import { type RouteDocs, errorResponses, queryOpenApiDocument } from './openapi'
import {
  EVENTS_PARAMS, METRICS_PARAMS, OUTCOMES_PARAMS, PROVIDER_SERIES_PARAMS, PROVIDERS_PARAMS,
  parseEventsRequest, parseMetricsRequest, parseOutcomesRequest, parseProviderSeriesRequest, parseProvidersRequest,
} from './params'
import { StorageError, runEvents, runMetrics, runOutcomes, runProviderSeries, runProviders } from './run'
import type { ParamError, Parsed } from './types'
import { REPORTS } from './reports'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'
/** What a route answers: a status and a JSON body (or text with its content type). */
export interface RouteReply { status: number; body: unknown; contentType?: string; headers?: Record<string, string> }
/** An additional route (alerts, game days) mounted on the same server and metrics; `docs` puts it in /openapi.json. */
export interface ExtraRoute { method: HttpMethod; path: string; handle: (req: IncomingMessage, url: URL) => Promise<RouteReply>; docs?: RouteDocs }

export interface QueryServerOptions {
  client: ClickHouseClient
  transport: 'chdb' | 'server'
  registry?: Registry
  log?: (line: string) => void
  extraRoutes?: ExtraRoute[]
  /** The clock, for tests; defaults to Date.now. */
  now?: () => number
  /** The checks /healthz runs (collector/health.ts); without it, only whether ClickHouse answers SELECT 1. */
  health?: HealthRegistry
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
function reportRoutes(client: ClickHouseClient, now: () => number): ExtraRoute[] {
  return REPORTS.map((r) => ({
    method: 'GET' as const, path: r.path, docs: readDocs(r.path as QueryRoute, r.title, r.params, r.required),
    handle: async (_req: IncomingMessage, url: URL) => json(200, await r.run(client, unwrap(r.parse(url.searchParams, now())), now())),
  }))
}

/** The version the OpenAPI document states: the package's. */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/**
 * The collector's read API on :4320. Routes are a fixed table so the `route` metric label is
 * bounded; unknown paths are 404 JSON and a known path with another method is 405.
 */
export function createQueryServer(opts: QueryServerOptions): Server {
  const { client, transport } = opts
  const registry = opts.registry ?? new PromRegistry()
  const log = opts.log ?? (() => {})
  const now = opts.now ?? Date.now
  const m = metricsFor(registry)
  const started = now()
  const health = opts.health ?? new HealthRegistry().register(clickhouseCheck(client, transport))
  let lastHealth = ''

  const routes: ExtraRoute[] = [
    { method: 'GET', path: '/healthz', handle: async () => {
      const r = await health.report()
      // Logged when the state changes, not at every probe of a load balancer.
      const state = r.checks.filter((c) => c.status !== 'ok').map((c) => `${c.name} ${c.status}`).join(', ')
      if (state !== lastHealth) log(`query api: healthz: ${state ? `${r.status}: ${r.checks.filter((c) => c.status !== 'ok').map((c) => `${c.name} ${c.status}: ${c.reason}`).join('; ')}` : 'ok'}`)
      lastHealth = state
      return json(httpStatusOf(r.status), { status: r.status, clickhouse: transport, uptime_s: Math.round((now() - started) / 1000), checks: r.checks } satisfies HealthResponse)
    }, docs: { summary: 'Health: ok, degraded or failing, with each check and its reason (disk, ClickHouse, write path)', responses: { 200: ['ok or degraded', QUERY_ROUTES['/healthz']], 503: ['failing', QUERY_ROUTES['/healthz']] } } },
    { method: 'GET', path: '/metrics', handle: async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType }) },
    { method: 'GET', path: '/api/v1/metrics/catalogue', handle: async () => json(200, { ...catalogueListing(), reports: REPORTS.map(({ path, title }) => ({ path, title })) } satisfies CatalogueResponse),
      docs: { summary: 'Each metric (id, title, unit, description, honoured filters) and each report (path, title)', responses: { 200: ['OK', QUERY_ROUTES['/api/v1/metrics/catalogue']] } } },
    { method: 'GET', path: '/api/v1/metrics', handle: async (_req, url) => json(200, await runMetrics(client, unwrap(parseMetricsRequest(url.searchParams, now())), now())),
      docs: readDocs('/api/v1/metrics', 'Values and series of the requested metrics M1–M10', METRICS_PARAMS) },
    { method: 'GET', path: '/api/v1/outcomes', handle: async (_req, url) => json(200, await runOutcomes(client, unwrap(parseOutcomesRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/outcomes', 'Logins and verifications by outcome: totals and series', OUTCOMES_PARAMS) },
    { method: 'GET', path: '/api/v1/events', handle: async (_req, url) => json(200, await runEvents(client, unwrap(parseEventsRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/events', 'Stored events, newest first', EVENTS_PARAMS) },
    { method: 'GET', path: '/api/v1/providers', handle: async (_req, url) => json(200, await runProviders(client, unwrap(parseProvidersRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/providers', 'Sub-processor health per provider × channel', PROVIDERS_PARAMS) },
    { method: 'GET', path: '/api/v1/providers/series', handle: async (_req, url) => json(200, await runProviderSeries(client, unwrap(parseProviderSeriesRequest(url.searchParams, now())))),
      docs: readDocs('/api/v1/providers/series', "One provider's buckets, totals and circuit history", PROVIDER_SERIES_PARAMS, ['provider']) },
    ...reportRoutes(client, now),
    { method: 'GET', path: '/openapi.json', handle: async () => json(200, queryOpenApiDocument(allRoutes(), VERSION)) },
  ]
  // Read at each request: extra routes may be mounted after the port is known (alerting needs it).
  const allRoutes = (): ExtraRoute[] => (opts.extraRoutes && opts.extraRoutes.length > 0 ? [...routes, ...opts.extraRoutes] : routes)

  async function dispatch(req: IncomingMessage, url: URL): Promise<{ route: string; reply: RouteReply }> {
    // A `{name}` segment of a path matches any one segment; the route label stays the pattern.
    const candidates = allRoutes().filter((r) => r.path === url.pathname || (r.path.includes('{') && matchesPattern(r.path, url.pathname)))
    if (candidates.length === 0) throw Object.assign(new ApiError(404, 'not_found', `no route ${url.pathname.slice(0, 200)}`), { route: 'unmatched' })
    const route = candidates.find((r) => r.method === req.method)
    if (!route) {
      const allow = candidates.map((r) => r.method).join(', ')
      throw Object.assign(new ApiError(405, 'method_not_allowed', `${req.method} not allowed on ${url.pathname}, expected ${allow}`, undefined, { allow }), { route: candidates[0].path })
    }
    return { route: route.path, reply: await route.handle(req, url) }
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

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const t0 = process.hrtime.bigint()
    const url = new URL(req.url ?? '/', 'http://query.local')
    let route = 'unmatched'
    const finish = (reply: RouteReply) => {
      const isText = typeof reply.body === 'string' && reply.contentType !== undefined
      const payload = isText ? (reply.body as string) : JSON.stringify(reply.body)
      res.writeHead(reply.status, { 'content-type': isText ? reply.contentType! : 'application/json; charset=utf-8', 'cache-control': 'no-store', ...reply.headers })
      res.end(payload)
      m.requests.inc({ route, method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'].includes(req.method ?? '') ? req.method! : 'other', status: String(reply.status) })
      m.duration.observe({ route }, Number(process.hrtime.bigint() - t0) / 1e9)
    }
    dispatch(req, url).then(
      (r) => { route = r.route; finish(r.reply) },
      (err: unknown) => {
        route = (err as { route?: string }).route ?? allRoutes().find((r) => r.path === url.pathname || (r.path.includes('{') && matchesPattern(r.path, url.pathname)))?.path ?? 'unmatched'
        finish(errorReply(err))
      },
    )
  })
}
