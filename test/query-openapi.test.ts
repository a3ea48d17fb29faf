import { rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { METRIC_IDS, QUERY_ROUTES, type QueryRoute } from '../contract/query'
import { loadCollectorConfig } from '../collector/config'
import { auditRoutes } from '../collector/access/audit-api'
import { AuditLog } from '../collector/access/audit-log'
import { accessRoutes } from '../collector/access/routes-api'
import { alertingRoutes } from '../collector/alerting/api'
import { AlertEngine } from '../collector/alerting/engine'
import { loadRuleSet } from '../collector/alerting/load'
import { AlertStore } from '../collector/alerting/store'
import { createQueryServer } from '../collector/query/server'
import { openClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { generatedEvents } from './support/generated-events'
import { resolveRef, validate } from './support/json-schema'
import { tempDir } from './support/processes'
import { FLOW, securityEvents } from './support/security-events'

/**
 * The query API's OpenAPI document (`GET /openapi.json`) against the server that serves it (with
 * the audit, access-listing, SLO and alerting routes mounted, as the collector mounts them): it is structurally OpenAPI
 * 3.1 with every route of QUERY_ROUTES and of the alerting API, every `$ref` resolves, each GET
 * route's documented query parameters are exactly those the server accepts, and real answers
 * of a real chDB store with generated traffic conform to the JSON Schema the document publishes
 * (checked by test/support/json-schema.ts, not by the zod schema they were generated from).
 */

const HOUR = 3_600_000
const NOW = Math.floor(Date.now() / HOUR) * HOUR - HOUR
const FROM = NOW - 2 * 24 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()
const win = (spanMs: number, step: number) => `from=${iso(NOW - spanMs)}&to=${iso(NOW)}&step=${step}`

type Doc = {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Record<string, unknown>> }
}
type Operation = {
  operationId: string
  summary: string
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]
  responses: Record<string, { description: string; content: Record<string, { schema: Record<string, unknown> }> }>
}

let dir: string
let server: Server
let base: string
let close: () => Promise<void>
let doc: Doc

beforeAll(async () => {
  dir = tempDir('query-openapi')
  const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
  close = ch.close
  await migrate(ch.client, { ttlDays: 400 })
  const security = securityEvents(NOW - 2 * HOUR)
  await ch.client.insert({ table: 'mfa_events', values: generatedEvents({ fromMs: FROM, toMs: NOW, flows: 400 }), format: 'JSONEachRow' })
  await ch.client.insert({ table: 'mfa_events', values: security.rows, format: 'JSONEachRow' })
  await ch.client.insert({ table: 'otel_traces', values: security.spans, format: 'JSONEachRow' })
  const engine = new AlertEngine({ client: ch.client, store: new AlertStore(ch.client), rules: loadRuleSet(), now: () => NOW, publicUrl: 'http://collector.test', webhooks: [] })
  await engine.init()
  // Mounted as collector/main.ts mounts them: audit, access listing, alerting.
  const extraRoutes = [...auditRoutes(new AuditLog(ch.client, () => {}), () => NOW), ...alertingRoutes(engine, () => NOW)]
  const query = createQueryServer({ client: ch.client, transport: ch.transport, now: () => NOW, extraRoutes })
  extraRoutes.push(...accessRoutes(() => query.routes()))
  server = query
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const res = await fetch(`${base}/openapi.json`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  doc = (await res.json()) as Doc
}, 180_000)

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await close?.()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, init)
  return { status: res.status, body: await res.json() }
}

const ACCESS_PATHS = ['/api/v1/audit', '/api/v1/audit/export', '/api/v1/access/routes']
const ALERTING_PATHS = ['/api/v1/slos', '/api/v1/alerts', '/api/v1/alerts/history', '/api/v1/silences', '/api/v1/silences/{id}', '/api/v1/maintenance', '/api/v1/maintenance/{id}', '/api/v1/runbooks/{name}']

/** Every `$ref` string anywhere under `node`. */
function refs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refs)
  if (node === null || typeof node !== 'object') return []
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)))
}

const schemaOf = (route: string, status: number, method = 'get') => doc.paths[route][method].responses[String(status)].content['application/json'].schema

describe('GET /openapi.json of the query API', () => {
  it('is an OpenAPI 3.1 document with every route of QUERY_ROUTES and of the audit, access and alerting APIs, each with a typed 2xx', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info.title).toBe('FactorWatch query API')
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(Object.keys(doc.paths).sort()).toEqual([...Object.keys(QUERY_ROUTES), ...ACCESS_PATHS, ...ALERTING_PATHS].sort())
    expect(Object.keys(QUERY_ROUTES)).toContain('/api/v1/ingest/conflicts')
    expect(Object.keys(doc.paths['/api/v1/audit']).sort()).toEqual(['get', 'post'])
    expect(doc.paths['/api/v1/audit'].post.responses['201']).toBeDefined()
    expect(Object.keys(doc.paths['/api/v1/silences']).sort()).toEqual(['get', 'post'])
    expect(doc.paths['/api/v1/silences'].post.responses['201']).toBeDefined()
    const ids = new Set<string>()
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith('/'), path).toBe(true)
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post', 'put', 'delete', 'patch'], `${path} ${method}`).toContain(method)
        expect(op.operationId, path).toMatch(/^[A-Za-z0-9_]+$/)
        expect(ids.has(op.operationId), op.operationId).toBe(false)
        ids.add(op.operationId)
        expect(op.summary.length, path).toBeGreaterThan(0)
        expect(Object.keys(op.responses).length, path).toBeGreaterThan(0)
        for (const [status, r] of Object.entries(op.responses)) {
          expect(status, path).toMatch(/^[1-5]\d\d$/)
          expect(r.description.length, `${path} ${status}`).toBeGreaterThan(0)
          // JSON everywhere but the audit export, which streams CSV or NDJSON (one AuditRecord each).
          expect(Object.keys(r.content), `${path} ${status}`).toEqual(path === '/api/v1/audit/export' && status === '200' ? ['text/csv', 'application/x-ndjson'] : ['application/json'])
        }
        for (const p of op.parameters ?? []) {
          expect(['query', 'path'], `${path} ${p.name}`).toContain(p.in)
          expect(typeof p.schema, `${path} ${p.name}`).toBe('object')
        }
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
        expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), `${path} ${method}`).toEqual(inPath)
        expect(Object.keys(op.responses).some((s) => s.startsWith('2')), `${path} ${method}`).toBe(true)
      }
    }
  })

  it('every $ref resolves, every response schema is a component, and the checker knows every keyword in them', () => {
    const all = refs(doc)
    expect(all.length).toBeGreaterThan(Object.keys(QUERY_ROUTES).length)
    for (const r of all) expect(() => resolveRef(doc, r), r).not.toThrow()
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const [media, c] of Object.entries(r.content)) expect(c.schema.$ref, `${method} ${path} ${status} ${media}`).toMatch(/^#\/components\/schemas\//)
        }
      }
    }
    // Validating null against each component walks its top-level keywords; an unknown one throws.
    for (const [name, s] of Object.entries(doc.components.schemas)) expect(() => validate(s, null, doc), name).not.toThrow()
  })

  it("each component's required keys are the zod schema's required keys (top level)", () => {
    const requiredOf = (s: z.ZodType): string[] => (s instanceof z.ZodObject ? Object.entries(s.shape as Record<string, z.ZodType>).filter(([, v]) => !v.safeParse(undefined).success).map(([k]) => k).sort() : [])
    for (const route of Object.keys(QUERY_ROUTES) as QueryRoute[]) {
      const zod = QUERY_ROUTES[route]
      if (!(zod instanceof z.ZodObject)) continue
      const json = resolveRef(doc, schemaOf(route, 200).$ref as string) as { required?: string[] }
      expect([...(json.required ?? [])].sort(), route).toEqual(requiredOf(zod))
    }
  })

  it("each route's documented query parameters are exactly the ones the server accepts; required ones are refused when absent", async () => {
    for (const route of [...Object.keys(QUERY_ROUTES), ...ACCESS_PATHS, '/api/v1/slos', '/api/v1/alerts', '/api/v1/alerts/history']) {
      const documented = (doc.paths[route].get.parameters ?? []).filter((p) => p.in === 'query')
      const { status, body } = await get(`${route}?zz_unknown=1`)
      if (documented.length === 0) {
        expect(route === '/healthz' || status === 200, route).toBe(true)
        continue
      }
      expect(status, route).toBe(400)
      const message = (body as { error: { message: string } }).error.message
      const accepted = /expected one of (.+)$/.exec(message)?.[1].split(', ').sort()
      expect(accepted, `${route}: ${message}`).toEqual(documented.map((p) => p.name).sort())
      for (const p of documented.filter((x) => x.required)) {
        const r = await get(route)
        expect(r.status, `${route} without ${p.name}`).toBe(400)
        expect((r.body as { error: { parameter?: string } }).error.parameter).toBe(p.name)
      }
    }
  })

  const REAL: [string, string][] = [
    ['/healthz', ''],
    ['/api/v1/metrics/catalogue', ''],
    ['/api/v1/metrics', `ids=${METRIC_IDS.join(',')}&${win(24 * HOUR, 900)}`],
    ['/api/v1/events', `from=${iso(FROM)}&limit=300`],
    ['/api/v1/providers', win(24 * HOUR, 900)],
    ['/api/v1/providers/series', `provider=twilio&${win(24 * HOUR, 900)}`],
    ['/api/v1/security/attacks', win(24 * HOUR, 3600)],
    ['/api/v1/explore/flow', `flow_id=${FLOW}`],
    ['/api/v1/slos', ''],
    ['/api/v1/alerts', ''],
    ['/api/v1/maintenance', ''],
    ['/api/v1/audit', ''],
    ['/api/v1/access/routes', ''],
    ['/api/v1/ingest/conflicts', ''],
  ]

  it.each(REAL)('a real answer of %s?%s conforms to the JSON Schema of its 200', async (route, q) => {
    const { status, body } = await get(q ? `${route}?${q}` : route)
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200)
    expect(validate(schemaOf(route, 200), body, doc)).toEqual([])
  })

  it('the data behind those answers is not empty, and a drifted answer fails the published schema', async () => {
    const { body } = await get(`/api/v1/metrics?ids=M1,M5&${win(24 * HOUR, 900)}`)
    const m = body as { M1: { value: number | null; flows: number; series: unknown[] } & Record<string, unknown> }
    expect(m.M1.flows).toBeGreaterThan(0)
    expect(m.M1.series.length).toBeGreaterThan(0)
    const schema = schemaOf('/api/v1/metrics', 200)
    const { flows: _gone, ...noFlows } = m.M1
    expect(validate(schema, { ...m, M1: noFlows }, doc).join('\n')).toContain('missing flows')
    expect(validate(schema, { ...m, M1: { ...m.M1, extra: 1 } }, doc).join('\n')).toContain('$.M1.extra: not allowed')
    expect(validate(schema, { ...m, M1: { ...m.M1, value: 1.5 } }, doc).length).toBeGreaterThan(0)
    expect(validate(schema, { ...m, M1: { ...m.M1, series: [['x', 0.5]] } }, doc).length).toBeGreaterThan(0)
  })

  it('creating and expiring a silence: body and answers as documented', async () => {
    const body = { matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: iso(NOW + HOUR), createdBy: 'oncall', comment: 'known incident' }
    const requestSchema = doc.paths['/api/v1/silences'].post as unknown as { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }
    expect(validate(requestSchema.requestBody.content['application/json'].schema, body, doc)).toEqual([])
    expect(validate(requestSchema.requestBody.content['application/json'].schema, { ...body, matchers: [] }, doc).length).toBeGreaterThan(0)
    const created = await get('/api/v1/silences', { method: 'POST', body: JSON.stringify(body) })
    expect(created.status).toBe(201)
    expect(validate(schemaOf('/api/v1/silences', 201, 'post'), created.body, doc)).toEqual([])
    const list = await get('/api/v1/silences')
    expect((list.body as { silences: unknown[] }).silences.length).toBe(1)
    expect(validate(schemaOf('/api/v1/silences', 200), list.body, doc)).toEqual([])
    const expired = await get(`/api/v1/silences/${(created.body as { id: string }).id}`, { method: 'DELETE' })
    expect(expired.status).toBe(200)
    expect(validate(schemaOf('/api/v1/silences/{id}', 200, 'delete'), expired.body, doc)).toEqual([])
    const missing = await get('/api/v1/silences/nope', { method: 'DELETE' })
    expect(missing.status).toBe(404)
    expect(validate(schemaOf('/api/v1/silences/{id}', 404, 'delete'), missing.body, doc)).toEqual([])
  })

  it('a refused request answers the documented error body', async () => {
    const { status, body } = await get('/api/v1/metrics?step=5')
    expect(status).toBe(400)
    expect(validate(schemaOf('/api/v1/metrics', 400), body, doc)).toEqual([])
    expect(validate(schemaOf('/api/v1/metrics', 400), { error: { message: 'no code' } }, doc)).toEqual(['$.error: missing code'])
  })
})
