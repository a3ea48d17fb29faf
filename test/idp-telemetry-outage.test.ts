import { createServer, type Server } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { createTelemetry } from '../reference-idp/telemetry/telemetry'
import { TEST_SERVICE_KEYS } from './support/idp-client'
import { eventually, freePort, startProcess, type Running } from './support/processes'

/**
 * The reference IdP keeps its telemetry while the collector is away (reference-idp/telemetry/
 * outage-buffer.ts): an IdP process exporting to a port where nothing listens keeps emitting,
 * retries, and delivers every event once a collector appears there; with the collector gone at
 * shutdown (or never there) it still stops cleanly (exit 0), counting what it could not deliver.
 */
interface Received { eventIds: string[]; spans: number }

/** A collector stand-in on `port`: OTLP/JSON, answers 200 and keeps the event ids and span count. */
async function startReceiver(port: number): Promise<{ got: Received; close: () => Promise<void> }> {
  const got: Received = { eventIds: [], spans: 0 }
  const server: Server = createServer(async (req, res) => {
    let body = ''
    for await (const c of req) body += String(c)
    const doc = JSON.parse(body)
    if (req.url === '/v1/logs') {
      for (const rl of doc.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) {
        const id = (r.attributes as { key: string; value: { stringValue?: string } }[]).find((a) => a.key === 'event.id')?.value.stringValue
        if (id) got.eventIds.push(id)
      }
    }
    if (req.url === '/v1/traces') for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) got.spans += (ss.spans ?? []).length
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { got, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()) }) }
}

async function startIdp(otlpPort: number, extra: Record<string, string> = {}): Promise<{ idp: Running; url: string }> {
  const port = await freePort()
  const idp = await startProcess('idp', 'reference-idp/main.ts', [], {
    IDP_PORT: String(port), IDP_DATA_DIR: 'memory://', IDP_SERVICE_KEYS: TEST_SERVICE_KEYS, IDP_PASSWORD_COST: '14',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    IDP_TELEMETRY_RETRY_MAX_MS: '500',
    ...extra,
  }, [/reference-idp listening on/])
  return { idp, url: `http://127.0.0.1:${port}` }
}

/** Failed sign-ins: each emits contract events (and spans) without needing an account. */
async function failLogins(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `nobody-${i}@example.test`, password: 'not the password' }) })
    expect(res.status).toBeLessThan(500)
  }
}

/** The sum of a counter's series on the IdP's /metrics, matching `labels` (e.g. 'signal="logs"'). */
async function counter(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(labels)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
}

const cleanup: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanup) await c()
})

describe('IdP telemetry while the collector is away', () => {
  it('keeps the events emitted during the outage and delivers every one when a collector appears', async () => {
    const otlpPort = await freePort()
    const { idp, url } = await startIdp(otlpPort)
    cleanup.push(idp.stop)
    await failLogins(url, 6)
    // Exports fail and are retried (not dropped) while nothing listens.
    await eventually(async () => (await counter(url, 'idp_telemetry_export_failures_total', 'signal="logs"')) >= 2, 20_000, 100)
    expect(idp.output()).toMatch(/telemetry: cannot export logs \(ECONNREFUSED/)
    await failLogins(url, 2)
    const emitted = await counter(url, 'idp_telemetry_events_total')
    expect(emitted).toBeGreaterThanOrEqual(8)

    const receiver = await startReceiver(otlpPort)
    cleanup.push(receiver.close)
    await eventually(async () => receiver.got.eventIds.length >= emitted, 30_000, 100)
    expect(receiver.got.eventIds).toHaveLength(emitted)
    expect(new Set(receiver.got.eventIds).size).toBe(emitted)
    expect(receiver.got.spans).toBeGreaterThan(0)
    expect(await counter(url, 'idp_telemetry_dropped_total')).toBe(0)
    await eventually(async () => /telemetry: collector reachable again/.test(idp.output()), 5_000, 100)

    // The collector goes away again: the IdP still stops cleanly (exit 0), saying what it could not deliver.
    await receiver.close()
    await failLogins(url, 2)
    await eventually(async () => (await counter(url, 'idp_telemetry_buffered', 'signal="logs"')) > 0, 10_000, 100)
    const exit = new Promise<number | null>((r) => idp.proc.once('exit', (code) => r(code)))
    idp.proc.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(idp.output()).toMatch(/telemetry: shutting down with \d+ logs records the collector never received/)
    expect(idp.output()).not.toMatch(/ECONNREFUSED\n\s+at /)
  }, 60_000)

  it('the telemetry module with nothing ever listening: flush and shutdown resolve within their bound, what was left is counted', async () => {
    const metrics = createIdpMetrics()
    const lines: string[] = []
    const t = createTelemetry({
      enabled: true, otlpEndpoint: `http://127.0.0.1:${await freePort()}`, region: 'eu-west', version: 't', metrics, log: (l) => void lines.push(l),
      env: { IDP_TELEMETRY_SHUTDOWN_MS: '500' },
    })
    for (let i = 0; i < 5; i++) t.emit('mfa.login.started', { 'mfa.flow_id': `f${i}`, 'mfa.user_hash': 'a1b2c3d4e5f60718' })
    await t.span('GET /', {}, async () => {})
    await expect(t.flush()).resolves.toBeUndefined()
    await expect(t.shutdown()).resolves.toBeUndefined()
    const dropped = await metrics.telemetryDropped.get()
    const of = (signal: string) => dropped.values.filter((v) => v.labels.signal === signal && v.labels.reason === 'shutdown').reduce((s, v) => s + v.value, 0)
    expect(of('logs')).toBe(5)
    expect(of('traces')).toBe(1)
    expect(lines).toContain('telemetry: shutting down with 5 logs records the collector never received (counted in idp_telemetry_dropped_total)')
  }, 30_000)
})
