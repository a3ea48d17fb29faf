import { describe, expect, it } from 'vitest'
import { auditAction, auditTarget, exposureWarning, isLoopback, routeTableProblems } from './routes'

describe('routeTableProblems', () => {
  it('accepts a table where every route declares a permission and every control route a verb', () => {
    expect(routeTableProblems([
      { method: 'GET', path: '/healthz', permission: 'public' },
      { method: 'GET', path: '/api/v1/slos', permission: 'dashboards.read' },
      { method: 'POST', path: '/api/v1/silences', permission: 'silences.write', action: 'silence.create' },
    ])).toEqual([])
  })
  it.each([
    [{ method: 'GET', path: '/api/v1/new' }, 'GET /api/v1/new declares no permission (got nothing, expected one of'],
    [{ method: 'GET', path: '/api/v1/new', permission: 'everything' }, 'declares no permission (got "everything"'],
    [{ method: 'GET', path: '/metrics', permission: 'public' }, 'GET /metrics is declared public; only /healthz may be'],
    [{ method: 'POST', path: '/api/v1/x', permission: 'settings.write' }, 'POST /api/v1/x is a control route without an audit action'],
    [{ method: 'POST', path: '/api/v1/x', permission: 'settings.write', action: 'Do It' }, 'audit action "Do It" is not a dotted lower-case verb'],
  ])('%j is refused', (route, message) => {
    expect(routeTableProblems([route]).join('; ')).toContain(message)
  })
  it('refuses a route mounted twice', () => {
    const r = { method: 'GET', path: '/a', permission: 'dashboards.read' }
    expect(routeTableProblems([r, r])).toEqual(['GET /a is mounted twice'])
  })
})

describe('audit names', () => {
  it.each([
    [{ method: 'POST', path: '/api/v1/silences', action: 'silence.create' }, 'silence.create'],
    [{ method: 'GET', path: '/api/v1/security/enrollment' }, 'security.enrollment.read'],
    [{ method: 'GET', path: '/api/v1/gamedays/{id}/report.json' }, 'gamedays.report_json.read'],
    [{ method: 'GET', path: '/metrics' }, 'metrics.read'],
    [{ method: 'PUT', path: '/unmatched' }, 'unmatched.put'],
  ])('%j → %s', (route, want) => expect(auditAction(route)).toBe(want))

  it('targets are the path parameters', () => {
    expect(auditTarget('/api/v1/silences/{id}', new URL('http://x/api/v1/silences/abc%20d'))).toBe('abc d')
    expect(auditTarget('/api/v1/gamedays/{id}/abort', new URL('http://x/api/v1/gamedays/g1/abort'))).toBe('g1')
    expect(auditTarget('/api/v1/silences', new URL('http://x/api/v1/silences'))).toBe('')
    expect(auditTarget('/a/{id}', new URL('http://x/a/%E0%A4%A'))).toBe('%E0%A4%A')
  })
})

it.each([['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['[::1]', true], ['0.0.0.0', false], ['::', false], ['10.0.0.5', false], ['collector.internal', false]] as const)(
  'isLoopback(%s) = %s', (host, want) => expect(isLoopback(host)).toBe(want))

describe('exposureWarning', () => {
  it('warns once, naming what is open, only off loopback', () => {
    expect(exposureWarning('127.0.0.1', 0, 0)).toBeUndefined()
    expect(exposureWarning('0.0.0.0', 2, 1)).toBeUndefined()
    expect(exposureWarning('0.0.0.0', 0, 1)).toBe('WARNING: listening on 0.0.0.0 (not loopback) without COLLECTOR_API_TOKENS: the query and control API is open to anyone who can reach it')
    expect(exposureWarning('10.0.0.5', 0, 0)).toMatch(/^WARNING: listening on 10\.0\.0\.5 \(not loopback\) without COLLECTOR_API_TOKENS: .*, and without COLLECTOR_INGEST_TOKENS: /)
  })
})
