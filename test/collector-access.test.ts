import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTOR_HEADERS, AccessRoutesResponse, AuditPage, AuditRecord, PERMISSIONS, ROLES, type Role, can, weakestRoleFor } from '../contract/access'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse } from '../collector/storage/client'
import { freePort, startProcess, tempDir, type Running } from './support/processes'

/**
 * The real collector with COLLECTOR_API_TOKENS for every role and the console, and
 * COLLECTOR_INGEST_TOKENS: every route of its route table (as it lists it, so a route added
 * later is covered) with every role, no token, a wrong token, the console acting for a user;
 * the audit log those requests leave; OTLP ingest with and without a producer token.
 */

const TOKEN: Record<Role | 'console', string> = {
  viewer: 'viewer-token-0123456789', sre: 'sre-token-0123456789ab', security: 'security-token-01234567',
  operator: 'operator-token-01234567', admin: 'admin-token-0123456789', console: 'console-token-012345678',
}
const INGEST = 'acme-ingest-token-0123456789'
const USER = 'a3f1c2d4e5b60718293a4b5c6d7e8f90'

let dir: string
let collector: Running
let base: string
let otlp: string
let routes: AccessRoutesResponse['routes']

const auth = (t: string) => ({ authorization: `Bearer ${t}` })
const consoleAs = (role: string, extra: Record<string, string> = {}) => ({ ...auth(TOKEN.console), [ACTOR_HEADERS.role]: role, [ACTOR_HEADERS.actor]: USER, ...extra })

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = text }
  return { status: res.status, headers: res.headers, body: json as { error?: { code: string; message: string } } & Record<string, unknown>, text }
}

/** A request that reaches a route but changes nothing: unknown ids, an empty body, an unknown parameter. */
function probe(r: { method: string; path: string }): { path: string; body?: unknown } {
  const path = r.path.replace(/\{[^}]+\}/g, 'zz-none')
  if (r.method === 'GET') return { path: ['/healthz', '/metrics', '/openapi.json'].includes(r.path) ? path : `${path}?zz_unknown=1` }
  return { path, body: {} }
}

async function auditRecords(query: string): Promise<AuditPage> {
  const r = await call('GET', `/api/v1/audit?${query}`, auth(TOKEN.security))
  expect(r.status, r.text).toBe(200)
  return AuditPage.parse(r.body)
}

/** The collector on `dir` with the tokens above, on free ports. */
async function startCollector(): Promise<void> {
  const [otlpPort, queryPort] = await Promise.all([freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort), FACTORWATCH_DATA_DIR: dir,
    COLLECTOR_API_TOKENS: Object.entries(TOKEN).map(([r, t]) => `${r}:${t}`).join(','),
    COLLECTOR_INGEST_TOKENS: `acme:${INGEST}`,
    ALERT_EVAL_INTERVAL_S: '3600',
  }, [/collector query listening/])
  base = `http://127.0.0.1:${queryPort}`
  otlp = `http://127.0.0.1:${otlpPort}`
}

beforeAll(async () => {
  dir = tempDir('collector-access')
  await startCollector()
  const r = await call('GET', '/api/v1/access/routes', auth(TOKEN.viewer))
  expect(r.status, r.text).toBe(200)
  routes = AccessRoutesResponse.parse(r.body).routes
}, 120_000)

afterAll(async () => {
  await collector?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('collector API with COLLECTOR_API_TOKENS', () => {
  it('lists its whole route table, each route with a permission; only /healthz is public', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`)
    for (const known of ['GET /api/v1/metrics', 'POST /api/v1/silences', 'DELETE /api/v1/silences/{id}', 'POST /api/v1/gamedays', 'POST /api/v1/gamedays/{id}/abort', 'GET /api/v1/security/enrollment', 'GET /api/v1/annotations', 'GET /api/v1/audit', 'POST /api/v1/audit', 'GET /api/v1/audit/export', 'GET /metrics']) {
      expect(names, known).toContain(known)
    }
    expect(routes.filter((r) => r.permission === 'public').map((r) => r.path)).toEqual(['/healthz'])
    for (const r of routes) expect([...PERMISSIONS, 'public'], `${r.method} ${r.path}`).toContain(r.permission)
  })

  it('answers each route to each role as can() says: 403 naming the role needed, otherwise the route itself', async () => {
    const principals: [string, Role, Record<string, string>][] = [
      ...ROLES.map((role): [string, Role, Record<string, string>] => [`token ${role}`, role, auth(TOKEN[role])]),
      ['console as viewer', 'viewer', consoleAs('viewer')],
      ['console as operator', 'operator', consoleAs('operator')],
    ]
    let allowed = 0
    let denied = 0
    for (const r of routes) {
      const p = probe(r)
      for (const [who, role, headers] of principals) {
        const res = await call(r.method, p.path, headers, p.body)
        const what = `${who} ${r.method} ${p.path}: ${res.status} ${res.text.slice(0, 200)}`
        const consoleOnly = r.console_only === true
        const may = r.permission === 'public' || (consoleOnly ? who.startsWith('console') : can(role, r.permission))
        if (may) {
          allowed++
          expect(res.status, what).not.toBe(401)
          expect(res.status, what).not.toBe(403)
          expect(res.status, what).toBeLessThan(500)
        } else {
          denied++
          expect(res.status, what).toBe(403)
          expect(res.body.error?.code, what).toBe('forbidden')
          if (!consoleOnly && r.permission !== 'public') expect(res.body.error?.message, what).toContain(`needs the ${weakestRoleFor(r.permission)} role`)
        }
      }
    }
    expect(allowed).toBeGreaterThan(100)
    expect(denied).toBeGreaterThan(30)
  }, 60_000)

  it('refuses every route but /healthz without a token, and with a wrong or malformed one, with 401 and WWW-Authenticate: Bearer', async () => {
    for (const r of routes) {
      const p = probe(r)
      const none = await call(r.method, p.path, {}, p.body)
      if (r.permission === 'public') {
        expect(none.status, r.path).not.toBe(401)
        continue
      }
      expect(none.status, `${r.method} ${r.path}`).toBe(401)
      expect(none.headers.get('www-authenticate'), r.path).toMatch(/^Bearer realm="factorwatch"/)
      expect(none.body.error?.code).toBe('unauthorized')
    }
    const wrong = await call('GET', '/api/v1/slos', auth('not-a-configured-token-xyz'))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const malformed = await call('GET', '/api/v1/slos', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })
    expect(malformed.status).toBe(401)
    // A token's prefix or a longer string is no token.
    expect((await call('GET', '/api/v1/slos', auth(TOKEN.admin.slice(0, -1)))).status).toBe(401)
    expect((await call('GET', '/api/v1/slos', auth(`${TOKEN.admin}x`))).status).toBe(401)
    // Unknown paths are not mapped for strangers.
    expect((await call('GET', '/api/v1/nope')).status).toBe(401)
    expect((await call('GET', '/api/v1/nope', auth(TOKEN.viewer))).status).toBe(404)
  }, 30_000)

  it('the console token acts with the forwarded role and is refused without a valid one', async () => {
    const missing = await call('GET', '/api/v1/slos', auth(TOKEN.console))
    expect(missing.status).toBe(400)
    expect(missing.body.error?.message).toContain(ACTOR_HEADERS.role)
    expect((await call('GET', '/api/v1/slos', { ...auth(TOKEN.console), [ACTOR_HEADERS.role]: 'root', [ACTOR_HEADERS.actor]: USER })).status).toBe(400)
    expect((await call('GET', '/api/v1/slos', { ...auth(TOKEN.console), [ACTOR_HEADERS.role]: 'viewer', [ACTOR_HEADERS.actor]: 'someone@example.com' })).status).toBe(400)
    // A role token cannot borrow a role through the headers.
    const borrowed = await call('POST', '/api/v1/silences', { ...auth(TOKEN.viewer), [ACTOR_HEADERS.role]: 'admin', [ACTOR_HEADERS.actor]: USER }, {})
    expect(borrowed.status).toBe(403)
    expect((await call('POST', '/api/v1/silences', consoleAs('viewer'), {})).status).toBe(403)
  })

  it('audits a console action with the forwarded actor, role, address and request id, and refusals too', async () => {
    const silence = { matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'oncall', comment: 'access test' }
    const created = await call('POST', '/api/v1/silences', consoleAs('sre', { [ACTOR_HEADERS.sourceIp]: '203.0.113.7', [ACTOR_HEADERS.requestId]: 'req-access-1' }), silence)
    expect(created.status, created.text).toBe(201)
    expect(created.headers.get('x-factorwatch-audit')).toBeNull()
    const id = created.body.id as string
    const expired = await call('DELETE', `/api/v1/silences/${id}`, auth(TOKEN.sre))
    expect(expired.status).toBe(200)

    const made = (await auditRecords('action=silence.create&result=ok')).records
    expect(made).toHaveLength(1)
    expect(made[0]).toMatchObject({ source: 'console', actor: USER, role: 'sre', action: 'silence.create', target: id, route: 'POST /api/v1/silences', result: 'ok', status: 201, source_ip: '203.0.113.7', request_id: 'req-access-1' })
    const ended = (await auditRecords('action=silence.expire&result=ok')).records
    expect(ended[0]).toMatchObject({ source: 'api', actor: 'token:sre', role: 'sre', target: id, route: 'DELETE /api/v1/silences/{id}', status: 200 })
    expect(ended[0].source_ip).toMatch(/127\.0\.0\.1/)

    const denied = (await auditRecords('result=denied&actor=token:viewer&action=gameday.start')).records
    expect(denied.length).toBeGreaterThan(0)
    expect(denied[0]).toMatchObject({ role: 'viewer', status: 403, route: 'POST /api/v1/gamedays', result: 'denied' })
    expect(denied[0].detail).toContain('needs the operator role')
    const anonymous = (await auditRecords('result=denied&actor=anonymous&limit=1000')).records
    expect(anonymous.some((r) => r.status === 401 && r.action === 'slos.read')).toBe(true)
    // Validation failures of actions are errors, with their message.
    const failed = (await auditRecords('action=silence.create&result=error')).records
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0].status).toBe(400)
    // No token ever reaches the log.
    const all = await call('GET', '/api/v1/audit/export?format=ndjson', auth(TOKEN.admin))
    for (const t of [...Object.values(TOKEN), INGEST]) expect(all.text).not.toContain(t)
  })

  it('pages newest first with `before`, and exports the log as CSV and NDJSON', async () => {
    const first = await auditRecords('limit=3')
    expect(first.records).toHaveLength(3)
    expect(first.next).not.toBeNull()
    const second = await auditRecords(`limit=3&before=${encodeURIComponent(first.next!)}`)
    const times = [...first.records, ...second.records].map((r) => Date.parse(r.ts))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(second.records.map((r) => JSON.stringify(r))).not.toContain(JSON.stringify(first.records[2]))
    expect((await call('GET', '/api/v1/audit?limit=0', auth(TOKEN.security))).status).toBe(400)
    expect((await call('GET', '/api/v1/audit?result=maybe', auth(TOKEN.security))).body.error?.code).toBe('invalid_parameter')
    expect((await call('GET', '/api/v1/audit?before=yesterday', auth(TOKEN.security))).status).toBe(400)

    const total = (await auditRecords('limit=1000')).records.length
    const nd = await call('GET', '/api/v1/audit/export?format=ndjson', auth(TOKEN.security))
    expect(nd.status).toBe(200)
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
    const lines = nd.text.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(total)
    for (const l of lines.slice(0, 50)) AuditRecord.parse(JSON.parse(l))
    const csv = await call('GET', '/api/v1/audit/export?format=csv&action=silence.create', auth(TOKEN.security))
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="factorwatch-audit-.*\.csv"/)
    const rows = csv.text.trim().split('\r\n')
    expect(rows[0]).toBe('ts,source,actor,role,action,target,route,result,status,source_ip,request_id,detail')
    expect(rows.length).toBeGreaterThanOrEqual(3)
    expect(rows.slice(1).every((r) => r.includes(',silence.create,'))).toBe(true)
    expect((await call('GET', '/api/v1/audit/export?format=xml', auth(TOKEN.security))).status).toBe(400)
  })

  it("records the console's own actions; a bad record is a 400 and writes nothing; role tokens may not post", async () => {
    const good = { actor: USER, role: 'viewer', action: 'auth.sign_in', target: 'console', route: 'GET /auth/callback', result: 'ok', status: 302, source_ip: '198.51.100.4', request_id: 'req-sign-in-1', detail: 'amr pwd otp' }
    const bad: unknown[] = [
      { ...good, actor: 'jane@example.com' }, { ...good, action: 'Sign In' }, { ...good, role: 'root' }, { ...good, result: 'maybe' },
      { ...good, status: 42 }, { ...good, extra: 1 }, { ...good, detail: 'x'.repeat(501) }, 'not an object',
    ]
    for (const b of bad) {
      const r = await call('POST', '/api/v1/audit', auth(TOKEN.console), b)
      expect(r.status, JSON.stringify(b).slice(0, 100)).toBe(400)
      expect(r.body.error?.code).toBe('invalid_parameter')
    }
    expect((await auditRecords('action=auth.sign_in')).records).toHaveLength(0)
    const refused = await call('POST', '/api/v1/audit', auth(TOKEN.admin), good)
    expect(refused.status).toBe(403)
    expect((await auditRecords('action=auth.sign_in')).records).toHaveLength(0)

    const ok = await call('POST', '/api/v1/audit', auth(TOKEN.console), good)
    expect(ok.status, ok.text).toBe(201)
    expect(ok.body).toEqual({ recorded: true })
    const signOut = await call('POST', '/api/v1/audit', auth(TOKEN.console), { actor: 'anonymous', role: 'none', action: 'auth.refused', result: 'denied', status: 403, detail: 'no second factor in amr' })
    expect(signOut.status).toBe(201)
    const [rec] = (await auditRecords('action=auth.sign_in')).records
    expect(rec).toMatchObject({ ...good, source: 'console' })
    expect((await auditRecords('action=auth.refused')).records[0]).toMatchObject({ actor: 'anonymous', role: 'none', result: 'denied', target: '', route: '' })
  })

  it("stores a console record sent twice under one id once, also after the collector restarts; a bad id is a 400", async () => {
    const rec = { id: '6f1c2b7e-0d4a-4c55-9b1e-2f3a4b5c6d7e', actor: USER, role: 'admin', action: 'auth.sign_out', result: 'ok', status: 303, request_id: 'req-idem-1' }
    const first = await call('POST', '/api/v1/audit', auth(TOKEN.console), rec)
    expect(first.status, first.text).toBe(201)
    expect(first.body).toEqual({ recorded: true })
    // Two resends at once (a timed-out send's retry can overlap another): one stored record in all.
    const again = await Promise.all([1, 2].map(() => call('POST', '/api/v1/audit', auth(TOKEN.console), rec)))
    for (const r of again) expect([r.status, r.body]).toEqual([201, { recorded: true, duplicate: true }])
    const other = await call('POST', '/api/v1/audit', auth(TOKEN.console), { ...rec, id: 'another-record-id-0001' })
    expect(other.body).toEqual({ recorded: true })
    expect((await auditRecords('action=auth.sign_out')).records.filter((r) => r.request_id === 'req-idem-1')).toHaveLength(2)
    for (const id of ['short', 'x'.repeat(65), 'has space in it 0000', 7]) {
      const r = await call('POST', '/api/v1/audit', auth(TOKEN.console), { ...rec, id })
      expect(r.status, String(id)).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'invalid_parameter', parameter: 'id' })
    }

    // A new collector process on the same data directory remembers nothing in memory: audit_log answers.
    await collector.stop()
    await startCollector()
    const afterRestart = await call('POST', '/api/v1/audit', auth(TOKEN.console), rec)
    expect([afterRestart.status, afterRestart.body]).toEqual([201, { recorded: true, duplicate: true }])
    expect((await auditRecords('action=auth.sign_out')).records.filter((r) => r.request_id === 'req-idem-1')).toHaveLength(2)
  }, 120_000)

  it('documents the bearer scheme and each route\'s permission in /openapi.json', async () => {
    const doc = (await call('GET', '/openapi.json', auth(TOKEN.viewer))).body as unknown as { components: { securitySchemes: Record<string, { type: string; scheme: string }> }; paths: Record<string, Record<string, { security?: unknown[]; 'x-factorwatch-permission'?: string; responses: Record<string, unknown> }>> }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.paths['/healthz'].get.security).toEqual([])
    expect(doc.paths['/api/v1/silences'].post).toMatchObject({ security: [{ bearer: [] }], 'x-factorwatch-permission': 'silences.write' })
    expect(doc.paths['/api/v1/silences'].post.responses['403']).toBeDefined()
    expect(doc.paths['/api/v1/audit'].get['x-factorwatch-permission']).toBe('audit.read')
    expect(Object.keys(doc.paths['/api/v1/audit'])).toEqual(expect.arrayContaining(['get', 'post']))
    expect(doc.paths['/api/v1/audit/export'].get).toBeDefined()
  })
})

describe('OTLP ingest with COLLECTOR_INGEST_TOKENS', () => {
  const now = BigInt(Date.now()) * 1_000_000n
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } })
  const payload = (flow: string) => JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [str('service.name', 'tenant-test'), str('factorwatch.tenant', 'evil-corp')] },
      scopeLogs: [{ scope: { name: 'access-test' }, logRecords: [{
        timeUnixNano: String(now), body: { stringValue: 'verified' },
        attributes: [str('event.name', 'mfa.challenge.verified'), str('event.id', `${flow}-1`), str('mfa.flow_id', flow), str('mfa.factor', 'totp'), str('mfa.outcome', 'success'), str('mfa.reason', 'ok'), { key: 'mfa.attempt', value: { intValue: '1' } }],
      }] }],
    }],
  })
  const send = (headers: Record<string, string>, flow: string) => fetch(`${otlp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload(flow) })

  it('refuses an export without or with an unknown producer token (401), and stores the token\'s tenant, never the payload\'s', async () => {
    const none = await send({}, 'flow-none')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect((await send(auth('unknown-ingest-token-0000'), 'flow-wrong')).status).toBe(401)
    for (const path of ['/v1/traces', '/v1/metrics']) {
      expect((await fetch(`${otlp}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, path).toBe(401)
    }
    const ok = await send(auth(INGEST), 'flow-acme')
    expect(ok.status, await ok.text()).toBe(200)

    // The collector owns the chDB directory: read the stored rows after it stopped (and flushed).
    await collector.stop()
    const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
    try {
      const rs = await ch.client.query({ query: "SELECT flow_id, tenant FROM mfa_events WHERE service = 'tenant-test' ORDER BY flow_id", format: 'JSONEachRow' })
      expect(await rs.json()).toEqual([{ flow_id: 'flow-acme', tenant: 'acme' }])
      const logs = await ch.client.query({ query: "SELECT ResourceAttributes['factorwatch.tenant'] AS t FROM otel_logs WHERE ServiceName = 'tenant-test'", format: 'JSONEachRow' })
      for (const row of await logs.json<{ t: string }>()) expect(row.t).toBe('acme')
    } finally {
      await ch.close()
    }
  }, 60_000)
})
