import { NextRequest } from 'next/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTOR_HEADERS, can, ROLES, weakestRoleFor, type Permission, type Role } from '../contract/access'
import { sealSession } from '../app/_lib/auth/session'
import { startFakeCollector, type FakeRequest } from './support/fake-collector'

/**
 * Every route handler under app/api/, called with a session of each role: 403 naming the role
 * for a role without the permission, through to the collector (with the console's token and the
 * user's actor headers) for one with it; dangerous actions need a recent second factor.
 */
const SECRET = 'handler-test-session-secret-0123456789abcdef'
const TOKEN = 'console-token-0123456789abcdef'
const ORIGIN = 'http://console.test'
const USER = 'f'.repeat(32)

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>
interface Action { name: string; load: () => Promise<unknown>; method: 'GET' | 'POST' | 'DELETE'; path: string; params?: Record<string, string>; permission: Permission; dangerous?: boolean; body?: unknown }

const ACTIONS: Action[] = [
  { name: 'overview', load: () => import('../app/api/overview/route'), method: 'GET', path: '/api/overview?range=1h', permission: 'dashboards.read' },
  { name: 'executive', load: () => import('../app/api/executive/route'), method: 'GET', path: '/api/executive?range=24h', permission: 'dashboards.read' },
  { name: 'on-call', load: () => import('../app/api/oncall/route'), method: 'GET', path: '/api/oncall?range=1h', permission: 'dashboards.read' },
  { name: 'SLOs', load: () => import('../app/api/slos/route'), method: 'GET', path: '/api/slos', permission: 'dashboards.read' },
  { name: 'alerts', load: () => import('../app/api/alerts/route'), method: 'GET', path: '/api/alerts?range=24h', permission: 'dashboards.read' },
  { name: 'annotations', load: () => import('../app/api/annotations/route'), method: 'GET', path: '/api/annotations?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z', permission: 'dashboards.read' },
  { name: 'sub-processors', load: () => import('../app/api/subprocessors/route'), method: 'GET', path: '/api/subprocessors?range=1h', permission: 'dashboards.read' },
  { name: 'one vendor', load: () => import('../app/api/subprocessors/[vendor]/route'), method: 'GET', path: '/api/subprocessors/twilio?range=1h', params: { vendor: 'twilio' }, permission: 'dashboards.read' },
  { name: 'explore', load: () => import('../app/api/explore/route'), method: 'GET', path: '/api/explore?range=1h', permission: 'dashboards.read' },
  { name: 'one flow', load: () => import('../app/api/explore/flow/route'), method: 'GET', path: '/api/explore/flow?flow=f1', permission: 'dashboards.read' },
  { name: 'health', load: () => import('../app/api/health/route'), method: 'GET', path: '/api/health', permission: 'dashboards.read' },
  { name: 'runbook', load: () => import('../app/api/runbooks/[name]/route'), method: 'GET', path: '/api/runbooks/sms-outage', params: { name: 'sms-outage' }, permission: 'dashboards.read' },
  { name: 'silences list', load: () => import('../app/api/silences/route'), method: 'GET', path: '/api/silences', permission: 'dashboards.read' },
  { name: 'game days list', load: () => import('../app/api/gamedays/route'), method: 'GET', path: '/api/gamedays', permission: 'dashboards.read' },
  { name: 'one game day', load: () => import('../app/api/gamedays/[id]/route'), method: 'GET', path: '/api/gamedays/g1', params: { id: 'g1' }, permission: 'dashboards.read' },
  { name: 'game-day report', load: () => import('../app/api/gamedays/[id]/report/route'), method: 'GET', path: '/api/gamedays/g1/report?format=json', params: { id: 'g1' }, permission: 'dashboards.read' },
  { name: 'security report', load: () => import('../app/api/security/route'), method: 'GET', path: '/api/security?range=24h', permission: 'security.read' },
  { name: 'security export', load: () => import('../app/api/report/route'), method: 'GET', path: '/api/report?format=csv&range=24h', permission: 'security.read', dangerous: true },
  { name: 'silence create', load: () => import('../app/api/silences/route'), method: 'POST', path: '/api/silences', permission: 'silences.write', dangerous: true, body: { matchers: 'alertname="x"', durationMinutes: 30, comment: 'drill', createdBy: 'ada' } },
  { name: 'silence expire', load: () => import('../app/api/silences/[id]/route'), method: 'DELETE', path: '/api/silences/s1', params: { id: 's1' }, permission: 'silences.write', dangerous: true },
  { name: 'game day start', load: () => import('../app/api/gamedays/route'), method: 'POST', path: '/api/gamedays', permission: 'gamedays.write', dangerous: true, body: { scenario: 'sms-outage', dryRun: true } },
  { name: 'game day abort', load: () => import('../app/api/gamedays/[id]/abort/route'), method: 'POST', path: '/api/gamedays/g1/abort', params: { id: 'g1' }, permission: 'gamedays.write', dangerous: true, body: {} },
]

let collector: Awaited<ReturnType<typeof startFakeCollector>>
const seen: FakeRequest[] = []

beforeAll(async () => {
  collector = await startFakeCollector((r) => {
    seen.push(r)
    const p = `${r.method} ${r.url.pathname}`
    if (p === 'POST /api/v1/audit') return { status: 201, body: { recorded: true } }
    if (p === 'POST /api/v1/silences') return { status: 201, body: { id: 's1' } }
    if (p === 'DELETE /api/v1/silences/s1') return { status: 200, body: { id: 's1', state: 'expired' } }
    if (p === 'POST /api/v1/gamedays') return { status: 201, body: { id: 'g1' } }
    if (p === 'POST /api/v1/gamedays/g1/abort') return { status: 200, body: { id: 'g1', state: 'aborted' } }
    if (p === 'GET /api/v1/silences') return { status: 200, body: { silences: [] } }
    return { status: 503, body: { error: { code: 'fake', message: 'this fake collector only answers writes' } } }
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

const nowS = () => Math.floor(Date.now() / 1000)

async function cookieFor(role: Role, authAgeS = 10): Promise<string> {
  const now = nowS()
  return `factorwatch_session=${await sealSession({ user: USER, role, amr: ['pwd', 'otp'], authTime: now - authAgeS, exp: now + 3600 }, SECRET, now)}`
}

async function call(a: Action, headers: Record<string, string>): Promise<Response> {
  const mod = (await a.load()) as Record<string, Handler>
  const init: RequestInit & { headers: Record<string, string> } = { method: a.method, headers: { ...headers } }
  if (a.method !== 'GET') {
    init.headers.origin ??= ORIGIN
    if (a.body !== undefined) {
      init.body = JSON.stringify(a.body)
      init.headers['content-type'] = 'application/json'
    }
  }
  return mod[a.method](new NextRequest(`${ORIGIN}${a.path}`, init as never), { params: Promise.resolve(a.params ?? {}) })
}

const collectorCalls = (role: Role) => seen.filter((r) => r.url.pathname !== '/api/v1/audit' && r.headers[ACTOR_HEADERS.role] === role)

describe.each(ACTIONS)('$method $path ($name)', (a) => {
  it.each(ROLES.map((r) => [r]))('as %s', async (role) => {
    const before = collectorCalls(role).length
    const res = await call(a, { cookie: await cookieFor(role) })
    if (!can(role, a.permission)) {
      expect(res.status).toBe(403)
      const body = (await res.json()) as { error: { code: string; message: string; required_role: string } }
      expect(body.error.code).toBe('forbidden')
      expect(body.error.required_role).toBe(weakestRoleFor(a.permission))
      expect(body.error.message).toContain(`needs the ${weakestRoleFor(a.permission)} role`)
      expect(collectorCalls(role).length).toBe(before) // nothing reached the collector
      return
    }
    expect([401, 403]).not.toContain(res.status)
    if (a.method !== 'GET') expect(res.status).toBeLessThan(300)
    const calls = collectorCalls(role).slice(before)
    expect(calls.length).toBeGreaterThan(0)
    for (const c of calls) {
      expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(c.headers[ACTOR_HEADERS.actor]).toBe(USER)
      expect(c.headers[ACTOR_HEADERS.requestId]).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})

describe('sessions and re-authentication', () => {
  const overview = ACTIONS[0]
  const start = ACTIONS.find((a) => a.name === 'game day start')!
  const exportCsv = ACTIONS.find((a) => a.name === 'security export')!

  it('no session, or a tampered one: 401 unauthenticated', async () => {
    for (const cookie of ['', 'factorwatch_session=garbage', (await cookieFor('admin')).slice(0, -3) + 'AAA']) {
      const res = await call(overview, cookie ? { cookie } : {})
      expect(res.status).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated')
    }
  })

  it('a dangerous action with a second factor older than FACTORWATCH_REAUTH_MAX_AGE_S: 401 reauth_required, nothing sent', async () => {
    const before = seen.length
    const res = await call(start, { cookie: await cookieFor('operator', 901) })
    expect(res.status).toBe(401)
    const body = (await res.json()) as { error: { code: string; login: string } }
    expect(body.error.code).toBe('reauth_required')
    expect(body.error.login).toMatch(/^\/auth\/login\?reauth=1&return_to=/)
    expect(seen.length).toBe(before)
    // Reads do not need a fresh factor.
    expect([401, 403]).not.toContain((await call(overview, { cookie: await cookieFor('operator', 5000) })).status)
  })

  it('an export link opened with a stale factor is sent through sign-in again and back', async () => {
    const res = await call(exportCsv, { cookie: await cookieFor('security', 901), 'sec-fetch-mode': 'navigate', accept: 'text/html' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/auth/login?reauth=1&return_to=${encodeURIComponent('/api/report?format=csv&range=24h')}`)
  })

  it('a write from another origin, or with no Origin, is refused before anything else', async () => {
    const cookie = await cookieFor('admin')
    for (const origin of ['https://evil.example', 'null']) {
      const res = await call(start, { cookie, origin })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_origin')
    }
    const mod = (await import('../app/api/gamedays/route')) as unknown as Record<string, Handler>
    const res = await mod.POST(new NextRequest(`${ORIGIN}/api/gamedays`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' }), { params: Promise.resolve({}) })
    expect(res.status).toBe(403)
  })

  it('a 403 is audited at the collector (POST /api/v1/audit, denied, the user as a hash)', async () => {
    const before = seen.length
    await call(start, { cookie: await cookieFor('viewer'), 'x-forwarded-for': '203.0.113.9' })
    await expect.poll(() => seen.slice(before).find((r) => r.url.pathname === '/api/v1/audit')).toBeTruthy()
    const audit = seen.slice(before).find((r) => r.url.pathname === '/api/v1/audit')!
    expect(audit.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(JSON.parse(audit.body)).toMatchObject({ actor: USER, role: 'viewer', action: 'gameday.start', result: 'denied', status: 403, route: 'POST /api/gamedays', source_ip: '203.0.113.9' })
  })
})
