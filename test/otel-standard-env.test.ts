import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator } from '../reference-idp/simulator'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { client, TEST_SERVICE_KEYS } from './support/idp-client'
import { eventually, freePort, startProcess, tempDir, type Running } from './support/processes'
import { signUp, simulatorCode } from './support/signup'

/**
 * The reference IdP configured only by the standard OpenTelemetry variables, as a process:
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT / _HEADERS /
 * _PROTOCOL. Its SDK exports to a real collector process (through a recording proxy that shows
 * what arrived on the wire), and the events are found under that service name, in the trace
 * an incoming `traceparent` named.
 */
const SERVICE = `idp-otel-env-${randomBytes(3).toString('hex')}`
const TRACE = randomBytes(16).toString('hex')
const PARENT = randomBytes(8).toString('hex')

let collector: Running
let idp: Running
let sim: Awaited<ReturnType<typeof startSimulator>>
let proxy: Server
let queryUrl = ''
let idpUrl = ''
const seen: { path: string; headers: IncomingHttpHeaders; body: string }[] = []

beforeAll(async () => {
  const [otlp, query, idpPort] = await Promise.all([freePort(), freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(query), FACTORWATCH_DATA_DIR: tempDir('otel-env'),
  }, [/collector query listening/])
  queryUrl = `http://127.0.0.1:${query}`
  // Forwards every export to the collector untouched, keeping its path and headers.
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    seen.push({ path: req.url ?? '', headers: req.headers, body: body.toString('utf8') })
    const up = request({ host: '127.0.0.1', port: otlp, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.writeHead(502).end())
    up.end(body)
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  sim = await startSimulator({ port: 0, seed: 16, timeScale: 0.02, baseline: 'clean' })
  idp = await startProcess('idp', 'reference-idp/main.ts', [], {
    ...simulatorIdpEnv(sim.url),
    IDP_PORT: String(idpPort), IDP_DATA_DIR: 'memory://', IDP_SERVICE_KEYS: TEST_SERVICE_KEYS, IDP_PASSWORD_COST: '14',
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=identity',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=tenant-16',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BLRP_SCHEDULE_DELAY: '200', OTEL_BSP_SCHEDULE_DELAY: '200',
  }, [/reference-idp listening on/])
  idpUrl = `http://127.0.0.1:${idpPort}`
}, 180_000)
afterAll(async () => {
  await idp?.stop()
  await sim?.close()
  await collector?.stop()
  await new Promise((r) => proxy?.close(r))
})

interface EventRow { event: string; service: string; trace_id: string; flow_id: string }
const events = async (name: string): Promise<EventRow[]> => {
  const res = await fetch(`${queryUrl}/api/v1/events?event=${name}&from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&limit=500`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { events: EventRow[] }).events
}

describe('the IdP configured by OTEL_* variables, exporting to a real collector', () => {
  it('stores its events under OTEL_SERVICE_NAME, in the trace of the incoming traceparent', async () => {
    const email = `otel-env-${Date.now()}@example.test`
    await signUp(client(idpUrl), email, 'correct horse battery', simulatorCode(sim.url))
    // A caller that traces: its traceparent is continued by the IdP's server span and events.
    const login = await fetch(`${idpUrl}/api/v1/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${TRACE}-${PARENT}-01` },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    })
    expect(login.status).toBeLessThan(500)

    const traced = await eventually(async () => {
      const all = [...await events('mfa.login.started'), ...await events('mfa.login.completed')]
      return all.filter((e) => e.trace_id === TRACE).length > 0 ? all : undefined
    }, 60_000, 500)
    const mine = traced.filter((e) => e.trace_id === TRACE)
    expect(mine.length).toBeGreaterThan(0)
    expect(new Set(mine.map((e) => e.service))).toEqual(new Set([SERVICE]))
    expect(traced.some((e) => e.service === 'reference-idp')).toBe(false)

    // On the wire: OTLP/JSON (OTEL_EXPORTER_OTLP_PROTOCOL) with the configured header, to the signal paths.
    const logs = seen.filter((s) => s.path === '/v1/logs')
    expect(logs.length).toBeGreaterThan(0)
    for (const s of [...logs, ...seen.filter((x) => x.path === '/v1/traces')]) {
      expect(s.headers['content-type']).toMatch(/^application\/json/)
      expect(s.headers['x-scope-orgid']).toBe('tenant-16')
    }
    expect(seen.some((s) => s.path === '/v1/traces')).toBe(true)
    // The resource: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over the IdP's own and the SDK's attributes.
    const resource = Object.fromEntries((JSON.parse(logs[0].body).resourceLogs[0].resource.attributes as { key: string; value: { stringValue?: string } }[]).map((a) => [a.key, a.value.stringValue]))
    expect(resource).toMatchObject({ 'service.name': SERVICE, 'deployment.environment.name': 'staging', team: 'identity', 'cloud.region': 'eu-west', 'telemetry.sdk.language': 'nodejs' })
    // Events carry their name in the record's EventName field as well as the event.name attribute.
    const record = JSON.parse(logs[0].body).resourceLogs[0].scopeLogs[0].logRecords[0]
    expect(record.eventName).toMatch(/^mfa\./)
    expect(record.attributes.find((a: { key: string }) => a.key === 'event.name').value.stringValue).toBe(record.eventName)
  }, 180_000)
})
