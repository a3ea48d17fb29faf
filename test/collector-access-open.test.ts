import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTOR_HEADERS, AuditPage } from '../contract/access'
import { loadCollectorConfig } from '../collector/config'
import { openClickHouse } from '../collector/storage/client'
import { freePort, runToExit, startProcess, tempDir, type Running } from './support/processes'

/**
 * The real collector without COLLECTOR_API_TOKENS or COLLECTOR_INGEST_TOKENS (loopback use):
 * nothing is refused, control actions are still audited (as the forwarded user when the console
 * names one), a loopback bind logs no warning, and every record is tenant `default` whatever the
 * payload claims.
 */

const USER = 'b4e2d3c5f6a70819203b4c5d6e7f8a91'
let dir: string
let collector: Running
let base: string
let otlp: string

beforeAll(async () => {
  dir = tempDir('collector-access-open')
  const [otlpPort, queryPort] = await Promise.all([freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlpPort), COLLECTOR_QUERY_PORT: String(queryPort), FACTORWATCH_DATA_DIR: dir, ALERT_EVAL_INTERVAL_S: '3600',
    COLLECTOR_API_TOKENS: '', COLLECTOR_INGEST_TOKENS: '',
  }, [/collector query listening/])
  base = `http://127.0.0.1:${queryPort}`
  otlp = `http://127.0.0.1:${otlpPort}`
}, 120_000)

afterAll(async () => {
  await collector?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('collector without tokens', () => {
  it('serves every route without a token, audits actions, logs no exposure warning on loopback', async () => {
    expect(collector.output()).toContain('access: API open (no COLLECTOR_API_TOKENS); ingest open, tenant default')
    expect(collector.output()).not.toContain('WARNING: listening on')
    expect((await fetch(`${base}/api/v1/slos`)).status).toBe(200)
    expect((await fetch(`${base}/metrics`)).status).toBe(200)
    const silence = { matchers: [{ name: 'vendor', value: 'twilio' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'oncall', comment: 'open mode' }
    const created = await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: { 'content-type': 'application/json', [ACTOR_HEADERS.actor]: USER, [ACTOR_HEADERS.role]: 'sre' }, body: JSON.stringify(silence) })
    expect(created.status).toBe(201)
    const anon = await fetch(`${base}/api/v1/gamedays`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(anon.status).toBe(400)
    const posted = await fetch(`${base}/api/v1/audit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ actor: USER, role: 'viewer', action: 'auth.sign_out', result: 'ok', status: 303 }) })
    expect(posted.status).toBe(201)

    const page = AuditPage.parse(await (await fetch(`${base}/api/v1/audit`)).json())
    const by = (action: string) => page.records.find((r) => r.action === action)
    expect(by('silence.create')).toMatchObject({ actor: USER, role: 'sre', source: 'console', result: 'ok', status: 201 })
    expect(by('gameday.start')).toMatchObject({ actor: 'anonymous', role: 'none', source: 'api', result: 'error', status: 400 })
    expect(by('auth.sign_out')).toMatchObject({ actor: USER, source: 'console' })
    expect(page.records.filter((r) => r.result === 'denied')).toEqual([])
  })

  it('stores records as tenant default, whatever the payload claims', async () => {
    const str = (key: string, v: string) => ({ key, value: { stringValue: v } })
    const body = JSON.stringify({ resourceLogs: [{
      resource: { attributes: [str('service.name', 'open-tenant-test'), str('factorwatch.tenant', 'evil-corp')] },
      scopeLogs: [{ scope: { name: 't' }, logRecords: [{
        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        attributes: [str('event.name', 'mfa.challenge.verified'), str('event.id', 'open-1'), str('mfa.flow_id', 'open-flow'), str('mfa.factor', 'totp'), str('mfa.outcome', 'success'), str('mfa.reason', 'ok')],
      }] }],
    }] })
    const res = await fetch(`${otlp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer anything-at-all-here' }, body })
    expect(res.status, await res.text()).toBe(200)
    await collector.stop()
    const ch = await openClickHouse(loadCollectorConfig({} as NodeJS.ProcessEnv, { dataDir: dir }))
    try {
      const rs = await ch.client.query({ query: "SELECT tenant FROM mfa_events WHERE service = 'open-tenant-test'", format: 'JSONEachRow' })
      expect(await rs.json()).toEqual([{ tenant: 'default' }])
    } finally {
      await ch.close()
    }
  }, 60_000)
})

describe('collector start-up with bad access settings', () => {
  it('exits 2 naming the variable, without echoing the token', async () => {
    const run = await runToExit('collector/main.ts', [], { COLLECTOR_API_TOKENS: 'viewer:short-secret', FACTORWATCH_DATA_DIR: tempDir('access-bad'), COLLECTOR_OTLP_PORT: '0', COLLECTOR_QUERY_PORT: '0' }, 60_000)
    expect(run.code).toBe(2)
    expect(run.output).toMatch(/collector: invalid configuration COLLECTOR_API_TOKENS: entry 1 \(viewer\): the token is shorter than 16 characters/)
    expect(run.output).not.toContain('short-secret')
    const ingest = await runToExit('collector/main.ts', [], { COLLECTOR_INGEST_TOKENS: 'Bad Tenant:0123456789abcdefgh', FACTORWATCH_DATA_DIR: tempDir('access-bad'), COLLECTOR_OTLP_PORT: '0', COLLECTOR_QUERY_PORT: '0' }, 60_000)
    expect(ingest.code).toBe(2)
    expect(ingest.output).toMatch(/invalid configuration COLLECTOR_INGEST_TOKENS: entry 1: tenant "Bad Tenant" must match/)
  }, 90_000)
})
