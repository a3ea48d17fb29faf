import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assertUnique } from './http/route-table'
import type { Route } from './http/types'
import { assertDocumented, openApiDocument } from './openapi'
import { mountRoutes, ROUTE_FILES, routeSpecs, type RouteServices } from './routes'

// Golden files pin what the route tables say: every mounted route with its rate bucket, and the
// OpenAPI document byte for byte. Both were written from the IdP before its route facts moved
// into the tables (API_DOCS in openapi.ts, the BUCKET map in server.ts), so the move changed
// neither. A new route changes them on purpose: regenerate with
//   UPDATE_GOLDEN=1 npx vitest run reference-idp/routes.test.ts
// and read the diff.
const golden = (name: string, text: string) => {
  const url = new URL(`../test/fixtures/${name}`, import.meta.url)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(url, text)
  return readFileSync(url, 'utf8')
}

/** Services the route files close over; no handler runs here, so none is called. */
const services = (push: boolean): RouteServices => {
  const service = {} as never
  return {
    login: service, signup: service, sessions: service, oob: service, trusted: service, webauthn: service, recovery: service, exemptions: service,
    security: service, emailChange: service, factorAdmin: service, audit: service, roles: service, repo: service, receipts: service,
    push: push ? service : undefined,
    activeFactorCount: async () => 1,
    snapshot: async () => [],
    gameday: {} as never,
    region: 'eu',
    vendors: () => [],
    now: () => new Date(0),
    publicUrl: () => 'http://idp.test',
    secureCookies: () => false,
  }
}

/** One line per mounted route: method, path, kind and the bucket its POSTs draw from (http/guards.ts). */
const lines = (routes: readonly Route[]) => routes
  .map((r) => ({ key: `${r.path} ${r.method}`, line: `${r.method} ${r.path} ${r.kind}${r.method === 'POST' && r.rate ? ` ${r.rate}` : ''}\n` }))
  .sort((a, b) => a.key.localeCompare(b.key))
  .map((r) => r.line)
  .join('')

describe('the IdP route table', () => {
  const mounted = mountRoutes(services(true))

  it('mounts every route with the rate bucket it had (golden: test/fixtures/idp-routes.txt)', () => {
    const text = lines(mounted)
    expect(text).toBe(golden('idp-routes.txt', text))
    expect(mounted.filter((r) => r.rate && r.method !== 'POST').map((r) => `${r.method} ${r.path}`)).toEqual([]) // only POSTs draw from a bucket
  })

  it('describes the same OpenAPI document (golden: test/fixtures/idp-openapi.json)', () => {
    const text = JSON.stringify(openApiDocument(routeSpecs(), 'http://idp.test', '0.1.0'), null, 1) + '\n'
    expect(text).toBe(golden('idp-openapi.json', text))
  })

  it('mounts what the tables list, documents every mounted JSON route, and mounts nothing twice', () => {
    const keys = new Set(mounted.map((r) => `${r.method} ${r.path}`))
    expect(routeSpecs().map((s) => `${s.method} ${s.path}`).filter((k) => !keys.has(k))).toEqual([])
    expect(() => assertDocumented(mounted)).not.toThrow()
    expect(() => assertUnique(mounted)).not.toThrow()
    // Each file's routes carry their table's facts (the handler is the only thing added).
    for (const f of ROUTE_FILES) {
      for (const spec of Object.values(f.table ?? {})) {
        const r = mounted.find((m) => m.method === spec.method && m.path === spec.path)
        expect({ ...r, handler: undefined }).toEqual({ ...spec, handler: undefined })
      }
    }
  })

  it('without push, push routes are not mounted but still described', () => {
    const bare = mountRoutes(services(false))
    expect(bare.some((r) => r.path.startsWith('/api/v1/push/'))).toBe(false)
    expect(Object.keys(openApiDocument(routeSpecs(), '', '0.1.0').paths as object)).toContain('/api/v1/push/devices')
  })

  it('refuses a route mounted twice and a JSON route without docs', () => {
    const twice = [...mounted, { ...mounted[0] }]
    expect(() => assertUnique(twice)).toThrow(`routes mounted twice: ${mounted[0].method} ${mounted[0].path}`)
    const undocumented: Route = { method: 'POST', path: '/api/v1/game-day/faults', kind: 'api', handler: async () => {} }
    expect(() => assertDocumented([...mounted, undocumented])).toThrow('API routes without an OpenAPI description: POST /api/v1/game-day/faults')
  })
})
