import { NextRequest } from 'next/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTOR_HEADERS, AuditPost, can, ROLES, type AuditRecord, type Role } from '../contract/access'
import { sealSession } from '../app/_lib/auth/session'
import { parseAuditQuery } from '../app/api/audit/params'
import { startFakeCollector, type FakeRequest } from './support/fake-collector'

/**
 * The Audit page's route handlers (app/api/audit, app/api/audit/export) with a session of each
 * role: viewer and sre get 403 naming the security role and nothing reaches the collector;
 * security, operator and admin read the collector's log with the console token and their actor
 * headers; the export needs a fresh second factor and is itself audited.
 */
const SECRET = 'audit-test-session-secret-0123456789abcdef'
const TOKEN = 'console-token-audit-0123456789'
const ORIGIN = 'http://console.test'
const USER = 'a1'.repeat(16)

const RECORD: AuditRecord = {
  ts: '2026-12-07T01:00:00.000Z', source: 'console', actor: USER, role: 'admin', action: 'auth.sign_in', target: '', route: 'GET /auth/callback',
  result: 'ok', status: 303, source_ip: '127.0.0.1', request_id: '00000000-0000-4000-8000-000000000000', detail: 'amr pwd otp',
}

let collector: Awaited<ReturnType<typeof startFakeCollector>>
const seen: FakeRequest[] = []
let exportStatus = 200

beforeAll(async () => {
  collector = await startFakeCollector((r) => {
    seen.push(r)
    const p = `${r.method} ${r.url.pathname}`
    if (p === 'POST /api/v1/audit') return { status: 201, body: { recorded: true } }
    if (p === 'GET /api/v1/audit') return { status: 200, body: { records: [RECORD], next: '1796605200000-abc' } }
    if (p === 'GET /api/v1/audit/export') {
      if (exportStatus !== 200) return { status: exportStatus, body: { error: { code: 'invalid_parameter', message: 'format: bad' } } }
      const csv = r.url.searchParams.get('format') === 'csv'
      return { status: 200, type: csv ? 'text/csv' : 'application/x-ndjson', body: csv ? 'ts,source\n2026-12-07T01:00:00.000Z,console\n' : `${JSON.stringify(RECORD)}\n` }
    }
    return undefined
  })
  Object.assign(process.env, {
    FACTORWATCH_AUTH: 'oidc',
    OIDC_ISSUER: 'https://idp.example.test',
    OIDC_CLIENT_SECRET: 'client-secret',
    CONSOLE_PUBLIC_URL: ORIGIN,
    FACTORWATCH_SESSION_SECRET: SECRET,
    FACTORWATCH_REAUTH_MAX_AGE_S: '900',
    COLLECTOR_QUERY_URL: collector.url,
    COLLECTOR_API_TOKEN: TOKEN,
  })
})
afterAll(async () => {
  await collector?.close()
})

async function cookieFor(role: Role, authAgeS = 10): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return `factorwatch_session=${await sealSession({ user: USER, role, amr: ['pwd', 'otp'], authTime: now - authAgeS, exp: now + 3600 }, SECRET, now)}`
}

async function get(path: string, headers: Record<string, string>): Promise<Response> {
  const mod = path.startsWith('/api/audit/export') ? await import('../app/api/audit/export/route') : await import('../app/api/audit/route')
  return mod.GET(new NextRequest(`${ORIGIN}${path}`, { headers }))
}

const readsBy = (role: Role, path: string) => seen.filter((r) => r.method === 'GET' && r.url.pathname === path && r.headers[ACTOR_HEADERS.role] === role)
const auditPosts = () => seen.filter((r) => r.method === 'POST' && r.url.pathname === '/api/v1/audit').map((r) => AuditPost.parse(JSON.parse(r.body)))
const settle = () => new Promise((r) => setTimeout(r, 150))

function expectConsoleCall(c: FakeRequest, role: Role) {
  expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`)
  expect(c.headers[ACTOR_HEADERS.actor]).toBe(USER)
  expect(c.headers[ACTOR_HEADERS.role]).toBe(role)
  expect(c.headers[ACTOR_HEADERS.requestId]).toMatch(/^[0-9a-f-]{36}$/)
}

async function expectForbidden(res: Response) {
  expect(res.status).toBe(403)
  const body = (await res.json()) as { error: { code: string; required_role: string; message: string } }
  expect(body.error.code).toBe('forbidden')
  expect(body.error.required_role).toBe('security')
  expect(body.error.message).toContain('needs the security role')
}

describe('GET /api/audit', () => {
  it.each(ROLES.map((r) => [r]))('as %s', async (role) => {
    const before = readsBy(role, '/api/v1/audit').length
    const res = await get('/api/audit?range=24h&action=auth.sign_in&result=ok&before=1796605200000-abc', { cookie: await cookieFor(role) })
    if (!can(role, 'audit.read')) {
      await expectForbidden(res)
      expect(readsBy(role, '/api/v1/audit').length).toBe(before)
      await settle()
      expect(auditPosts().some((p) => p.action === 'audit.read' && p.result === 'denied' && p.role === role)).toBe(true)
      return
    }
    expect(res.status).toBe(200)
    const body = (await res.json()) as { records: AuditRecord[]; next: string | null; window: { from: string; to: string | null } }
    expect(body.records).toEqual([RECORD])
    expect(body.next).toBe('1796605200000-abc')
    const calls = readsBy(role, '/api/v1/audit').slice(before)
    expect(calls).toHaveLength(1)
    expectConsoleCall(calls[0], role)
    const sp = calls[0].url.searchParams
    expect(sp.get('action')).toBe('auth.sign_in')
    expect(sp.get('result')).toBe('ok')
    expect(sp.get('before')).toBe('1796605200000-abc')
    expect(sp.get('limit')).toBe('50')
    expect(Math.abs(Date.now() - 86_400_000 - Date.parse(sp.get('from')!))).toBeLessThan(60_000)
    expect(sp.has('to')).toBe(false)
    expect(body.window.from).toBe(sp.get('from'))
  })

  it('without a session is 401 and reads nothing', async () => {
    const n = seen.length
    const res = await get('/api/audit', {})
    expect(res.status).toBe(401)
    expect(seen.slice(n).filter((r) => r.url.pathname === '/api/v1/audit' && r.method === 'GET')).toHaveLength(0)
  })

  it.each([
    ['range=2y', 'range'],
    ['actor=someone@example.com', 'actor'],
    ['action=DROP TABLE', 'action'],
    ['result=maybe', 'result'],
    ['limit=5000', 'limit'],
    ['from=yesterday&to=2026-01-01T00:00:00Z', 'from'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
    ['range=1h&from=2026-01-01T00:00:00Z', 'range'],
  ])('a bad parameter (%s) is a 400 naming %s, and nothing is read', async (query, parameter) => {
    const before = readsBy('admin', '/api/v1/audit').length
    const res = await get(`/api/audit?${query}`, { cookie: await cookieFor('admin') })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; parameter: string; message: string } }
    expect(body.error).toMatchObject({ code: 'invalid_parameter', parameter })
    expect(readsBy('admin', '/api/v1/audit').length).toBe(before)
  })
})

describe('GET /api/audit/export', () => {
  it.each(ROLES.map((r) => [r]))('as %s with a fresh second factor', async (role) => {
    const before = readsBy(role, '/api/v1/audit/export').length
    const posted = auditPosts().length
    const res = await get('/api/audit/export?format=csv&range=7d&actor=token:viewer', { cookie: await cookieFor(role) })
    if (!can(role, 'audit.read')) {
      await expectForbidden(res)
      expect(readsBy(role, '/api/v1/audit/export').length).toBe(before)
      return
    }
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="factorwatch-audit-[\d-]+\.csv"$/)
    expect(await res.text()).toBe('ts,source\n2026-12-07T01:00:00.000Z,console\n')
    const calls = readsBy(role, '/api/v1/audit/export').slice(before)
    expect(calls).toHaveLength(1)
    expectConsoleCall(calls[0], role)
    expect(calls[0].url.searchParams.get('format')).toBe('csv')
    expect(calls[0].url.searchParams.get('actor')).toBe('token:viewer')
    expect(calls[0].url.searchParams.has('before')).toBe(false)
    await settle()
    const mine = auditPosts().slice(posted).filter((p) => p.action === 'audit.export' && p.role === role && p.result === 'ok')
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ actor: USER, role, result: 'ok', target: 'csv', status: 200 })
  })

  it('NDJSON is streamed as the collector wrote it', async () => {
    const res = await get('/api/audit/export?format=ndjson', { cookie: await cookieFor('security') })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    expect(JSON.parse((await res.text()).trim())).toEqual(RECORD)
  })

  it('an old second factor: a fetch gets 401 reauth_required, a link is sent through sign-in; nothing is exported', async () => {
    const before = readsBy('admin', '/api/v1/audit/export').length
    const cookie = await cookieFor('admin', 3600)
    const res = await get('/api/audit/export?format=csv', { cookie })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('reauth_required')
    const nav = await get('/api/audit/export?format=ndjson&range=24h', { cookie, 'sec-fetch-mode': 'navigate' })
    expect(nav.status).toBe(303)
    const to = new URL(nav.headers.get('location')!, ORIGIN)
    expect(to.pathname).toBe('/auth/login')
    expect(to.searchParams.get('reauth')).toBe('1')
    expect(to.searchParams.get('return_to')).toBe('/api/audit/export?format=ndjson&range=24h')
    expect(readsBy('admin', '/api/v1/audit/export').length).toBe(before)
  })

  it('a bad format is a 400; a collector refusal is a 502 with its message, audited as an error', async () => {
    const cookie = await cookieFor('admin')
    const bad = await get('/api/audit/export?format=xlsx', { cookie })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { parameter: string } }).error.parameter).toBe('format')
    exportStatus = 400
    try {
      const posted = auditPosts().length
      const res = await get('/api/audit/export?format=csv', { cookie })
      expect(res.status).toBe(502)
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('format: bad')
      await settle()
      expect(auditPosts().slice(posted).some((p) => p.action === 'audit.export' && p.result === 'error')).toBe(true)
    } finally {
      exportStatus = 200
    }
  })
})

describe('parseAuditQuery', () => {
  const now = new Date('2026-12-07T02:00:00.000Z')
  const parse = (q: string, paging = true) => parseAuditQuery(new URLSearchParams(q), now, paging)
  it('defaults to the last 7 days, 50 a page', () => {
    expect(parse('')).toEqual({ ok: true, value: { params: { from: '2026-11-30T02:00:00.000Z', to: undefined, action: undefined, actor: undefined, result: undefined, before: undefined, limit: '50' }, window: { from: '2026-11-30T02:00:00.000Z', to: null } } })
  })
  it('all: no time bound', () => {
    const r = parse('range=all')
    expect(r.ok && r.value.params.from).toBeUndefined()
  })
  it('a fixed window is passed as given; the export takes a format and no paging', () => {
    const r = parse('from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&before=x&format=ndjson', false)
    expect(r).toEqual({ ok: true, value: { params: { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', action: undefined, actor: undefined, result: undefined, format: 'ndjson' }, window: { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' } } })
  })
})
