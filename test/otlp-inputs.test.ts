import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import type { Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { BinaryReader } from '@bufbuild/protobuf/wire'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickhouseCheck, diskCheck, HealthRegistry } from '../collector/health'
import { createOtlpServer } from '../collector/otlp/server'
import { createQueryServer } from '../collector/query/server'
import { openTestStore, type TestStore } from './support/chdb-store'
import { sdkLogs } from './support/otel-records'
import { freePort, requirePrerequisite, startProcess, tempDir } from './support/processes'

/*
 * The inputs of issue 11's table that belong to the wire, against embedded ClickHouse: each is
 * answered with its status and stored (or not) as that status says. zstd bodies come from the
 * real zstd CLI (Debian package zstd).
 */

const ZSTD = '/usr/bin/zstd'
const hasZstd = requirePrerequisite(existsSync(ZSTD), `${ZSTD} (Debian package zstd)`)

/** The receiver's clock: whole seconds, so a stored DateTime64(3) compares exactly. */
const NOW = Math.floor(Date.now() / 1000) * 1000
const DAY = 86_400_000
const TTL_DAYS = 400

let store: TestStore
let otlp: Server
let query: Server
let base = ''
let queryBase = ''
const registry = new Registry()
const health = new HealthRegistry()
const diskDir = tempDir('inputs-disk')
const sockets: Socket[] = []

beforeAll(async () => {
  store = await openTestStore('inputs')
  otlp = createOtlpServer({
    client: store.client, maxBodyBytes: 32 * 1024 * 1024, registry, now: () => NOW,
    limits: { ttlDays: TTL_DAYS, bodyIdleTimeoutMs: 30_000 },
  })
  query = createQueryServer({ client: store.client, transport: store.transport, registry, health })
  await Promise.all([otlp, query].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))))
  base = `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`
  queryBase = `http://127.0.0.1:${(query.address() as AddressInfo).port}`
}, 60_000)
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await Promise.all([otlp, query].map((s) => s && new Promise((r) => { s.closeAllConnections(); s.close(r) })))
  await store?.close()
  rmSync(diskDir, { recursive: true, force: true })
})

async function rows(sql: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  return (await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json()
}
const post = (body: Uint8Array | string, type = 'application/x-protobuf', headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/logs`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type, ...headers } })
/** ExportLogsServiceResponse.partial_success { rejected_log_records = 1, error_message = 2 }. */
function partial(buf: ArrayBuffer): { rejected: number; message: string } {
  const outer = new BinaryReader(new Uint8Array(buf))
  const out = { rejected: 0, message: '' }
  if (outer.len === 0) return out
  outer.tag()
  const r = new BinaryReader(outer.bytes())
  while (r.pos < r.len) {
    const [no] = r.tag()
    if (no === 1) out.rejected = Number(r.int64())
    else out.message = r.string()
  }
  return out
}
const completed = (id: string, extra: Record<string, unknown> = {}) => ({ 'event.id': id, 'mfa.flow_id': `flow-${id}`, 'mfa.outcome': 'success', ...extra })
const mfaTs = async (id: string) => (await rows(`SELECT toUnixTimestamp64Milli(ts) AS ms FROM mfa_events WHERE event_id = {id:String}`, { id })).map((r) => Number(r.ms))
const T = (ms: number) => String(BigInt(ms) * 1_000_000n)
const jsonRecord = (time: string, observed: string, id: string) => ({
  timeUnixNano: time, observedTimeUnixNano: observed, eventName: 'mfa.login.completed',
  attributes: Object.entries(completed(id)).map(([key, v]) => ({ key, value: { stringValue: v } })),
})
const jsonLogs = (records: unknown[]) => JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'inputs' } }] }, scopeLogs: [{ scope: {}, logRecords: records }] }] })

describe('inputs of issue 11 against embedded ClickHouse', () => {
  it('JSON nested 5,000 deep: 400, nothing stored, counted as too_deep', async () => {
    const deep = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"mfa.login.completed","attributes":[{"key":"event.id","value":{"stringValue":"deep"}},{"key":"x","value":${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(5000)}{"stringValue":"leaf"}${'}]}}'.repeat(5000)}}]}]}]}]}`
    const res = await post(deep, 'application/json')
    expect(res.status).toBe(400)
    expect((await res.json()).message).toMatch(/OTLP_MAX_DEPTH/)
    expect(await mfaTs('deep')).toEqual([])
    expect(await registry.getSingleMetricAsString('factorwatch_otlp_refused_total')).toMatch(/reason="too_deep"} 1/)
  })

  it('a log record with time 0 is stored at its observed time; with observed 0 too, at the receive time', async () => {
    const observed = NOW - 5 * 60_000
    const res = await post(jsonLogs([jsonRecord('0', T(observed), 'time0'), jsonRecord('0', '0', 'both0'), jsonRecord(T(NOW - DAY), T(observed), 'timed')]), 'application/json')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    expect(await mfaTs('time0')).toEqual([observed])
    expect(await mfaTs('both0')).toEqual([NOW])
    expect(await mfaTs('timed')).toEqual([NOW - DAY])
  })

  it.skipIf(!hasZstd)('Content-Encoding: zstd, as the OTel Collector sends it, is stored like an uncompressed export', async () => {
    const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs([{ timestamp: NOW - 1000, eventName: 'mfa.login.completed', attributes: completed('zstd-1') }]))!
    const res = await post(execFileSync(ZSTD, ['-c', '-q'], { input: proto }), 'application/x-protobuf', { 'content-encoding': 'zstd' })
    expect(res.status).toBe(200)
    expect(await mfaTs('zstd-1')).toEqual([NOW - 1000])
  })

  it('a record with invalid UTF-8 is refused in partial_success; its neighbours are stored byte-exact', async () => {
    const records = await sdkLogs([
      { timestamp: NOW - 2000, eventName: 'mfa.login.completed', attributes: completed('utf8-good-1', { 'custom.text': 'ünïcødé ✓ \ufeff' }) },
      { timestamp: NOW - 2000, eventName: 'mfa.login.completed', attributes: completed('utf8-bad', { 'custom.text': 'PLACEHOLDER' }) },
      { timestamp: NOW - 2000, eventName: 'mfa.login.completed', attributes: completed('utf8-good-2') },
    ])
    const proto = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!)
    // Same length, so every length prefix stays right: two bytes that are no UTF-8.
    const at = proto.indexOf('PLACEHOLDER')
    proto[at + 3] = 0xff
    proto[at + 4] = 0xfe
    const res = await post(proto)
    expect(res.status).toBe(200)
    expect(partial(await res.arrayBuffer())).toEqual({ rejected: 1, message: 'log record 1: a string value is not valid UTF-8' })
    expect(await mfaTs('utf8-bad')).toEqual([])
    expect((await mfaTs('utf8-good-1')).length + (await mfaTs('utf8-good-2')).length).toBe(2)
    const [kept] = await rows(`SELECT attributes['custom.text'] AS t FROM mfa_events WHERE event_id = 'utf8-good-1'`)
    expect(kept.t).toBe('ünïcødé ✓ \ufeff')
    expect(await registry.getSingleMetricAsString('factorwatch_otlp_records_refused_total')).toMatch(/signal="logs",reason="invalid_utf8"} 1/)
  })

  it('an event older than the mfa_events TTL is refused in partial_success, not acknowledged and dropped', async () => {
    const records = await sdkLogs([
      { timestamp: NOW - (TTL_DAYS + 1) * DAY, eventName: 'mfa.login.completed', attributes: completed('too-old') },
      { timestamp: NOW - (TTL_DAYS - 1) * DAY, eventName: 'mfa.login.completed', attributes: completed('old-enough') },
    ])
    const res = await post(ProtobufLogsSerializer.serializeRequest(records)!)
    expect(res.status).toBe(200)
    const p = partial(await res.arrayBuffer())
    expect(p.rejected).toBe(1)
    expect(p.message).toMatch(/^log record 0: time \S+ is older than the retention of 400 days \(MFA_EVENTS_TTL_DAYS\)/)
    expect(await mfaTs('too-old')).toEqual([])
    expect(await mfaTs('old-enough')).toEqual([NOW - (TTL_DAYS - 1) * DAY])
  })

  it('a 12 MiB attribute is cut to OTLP_MAX_ATTRIBUTE_VALUE_BYTES and 200k attributes to OTLP_MAX_ATTRIBUTES, both said in partial_success', async () => {
    const huge = await sdkLogs([{ timestamp: NOW - 3000, eventName: 'mfa.login.completed', attributes: completed('huge-value', { 'custom.blob': 'é'.repeat(6 * 1024 * 1024) }) }])
    let res = await post(ProtobufLogsSerializer.serializeRequest(huge)!)
    expect(res.status).toBe(200)
    expect(partial(await res.arrayBuffer())).toEqual({ rejected: 0, message: 'stored with limits applied: 1 attribute value truncated to 16384 bytes (OTLP_MAX_ATTRIBUTE_VALUE_BYTES)' })
    const [blob] = await rows(`SELECT length(attributes['custom.blob']) AS bytes FROM mfa_events WHERE event_id = 'huge-value'`)
    expect(Number(blob.bytes)).toBe(16384)

    // The OTel SDK applies its own count limit (128), so this producer is written by hand.
    const wide = jsonRecord(T(NOW - 3000), T(NOW - 3000), 'many-attrs')
    for (let i = 0; i < 200_000; i++) wide.attributes.push({ key: `x.${i}`, value: { stringValue: 'v' } })
    res = await post(jsonLogs([wide]), 'application/json')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ partialSuccess: { rejectedLogRecords: 0, errorMessage: 'stored with limits applied: 199875 attributes dropped beyond 128 per set (OTLP_MAX_ATTRIBUTES)' } })
    // 128 kept: event.id, flow and outcome go to typed columns, 125 x.* to the attributes map.
    const [stored] = await rows(`SELECT length(mapKeys(attributes)) AS n, attributes['x.124'] AS last, attributes['x.125'] AS first_dropped FROM mfa_events WHERE event_id = 'many-attrs'`)
    expect(stored).toEqual({ n: 125, last: 'v', first_dropped: '' })
  })

  it('16 connections trickling their bodies do not keep a normal export from its 200', async () => {
    const port = (otlp.address() as AddressInfo).port
    for (let i = 0; i < 16; i++) {
      const s = connect(port, '127.0.0.1')
      s.on('error', () => {})
      sockets.push(s)
      s.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000000\r\n\r\n')
    }
    const trickle = setInterval(() => { for (const s of sockets) s.write('\u0000') }, 50)
    try {
      await new Promise((r) => setTimeout(r, 300))
      const proto = ProtobufLogsSerializer.serializeRequest(await sdkLogs([{ timestamp: NOW - 4000, eventName: 'mfa.login.completed', attributes: completed('beside-slow') }]))!
      const res = await post(proto)
      expect(res.status).toBe(200)
      expect(await mfaTs('beside-slow')).toEqual([NOW - 4000])
    } finally {
      clearInterval(trickle)
    }
  })
})

describe('/healthz on the query server', () => {
  it('ok with room on the disk and ClickHouse answering; degraded (200) and failing (503) below the disk thresholds, with the reason', async () => {
    const s = await statfs(diskDir)
    const free = s.bavail * s.bsize
    health.register(clickhouseCheck(store.client, store.transport))
    health.register(diskCheck(diskDir, { degradedBelowBytes: 1, failingBelowBytes: 0 }))
    let res = await fetch(`${queryBase}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', clickhouse: 'chdb', checks: [{ name: 'clickhouse', status: 'ok' }, { name: 'disk', status: 'ok' }] })

    // A "tiny" disk: thresholds above what is free.
    health.register(diskCheck(diskDir, { degradedBelowBytes: free * 10, failingBelowBytes: 1 }))
    res = await fetch(`${queryBase}/healthz`)
    expect(res.status).toBe(200)
    const degraded = await res.json()
    expect(degraded.status).toBe('degraded')
    expect(degraded.checks[1]).toMatchObject({ name: 'disk', status: 'degraded', reason: expect.stringMatching(/^data directory disk filling up: .* \(HEALTH_DISK_DEGRADED_FREE_BYTES\)$/) })

    health.register(diskCheck(diskDir, { degradedBelowBytes: free * 10, failingBelowBytes: free * 5 }))
    res = await fetch(`${queryBase}/healthz`)
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ status: 'failing', checks: [{ status: 'ok' }, { name: 'disk', status: 'failing', reason: expect.stringMatching(/nearly full/) }] })
  })

  it('the refusal counters are on the query server\'s /metrics', async () => {
    const text = await (await fetch(`${queryBase}/metrics`)).text()
    expect(text).toMatch(/^factorwatch_otlp_refused_total\{reason="too_deep"\} 1$/m)
    expect(text).toMatch(/^factorwatch_otlp_records_refused_total\{signal="logs",reason="expired"\} 1$/m)
    expect(text).toMatch(/^factorwatch_otlp_attributes_limited_total\{signal="logs",action="dropped"\} 199875$/m)
  })
})

describe('the collector process reads the limits from its environment', () => {
  it('OTLP_MAX_DEPTH and HEALTH_DISK_DEGRADED_FREE_BYTES reach the receiver and /healthz on both ports', async () => {
    const [o, q] = await Promise.all([freePort(), freePort()])
    const dataDir = tempDir('inputs-process')
    const collector = await startProcess('collector', 'collector/main.ts', [], {
      COLLECTOR_OTLP_PORT: String(o), COLLECTOR_QUERY_PORT: String(q), FACTORWATCH_DATA_DIR: dataDir,
      OTLP_MAX_DEPTH: '4', HEALTH_DISK_DEGRADED_FREE_BYTES: String(2 ** 50), HEALTH_DISK_FAILING_FREE_BYTES: '0',
    }, [/collector query listening/])
    try {
      const deep = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(5)}{"stringValue":"x"}${']}}'.repeat(5)}}]}]}]}`
      const res = await fetch(`http://127.0.0.1:${o}/v1/logs`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(400)
      expect((await res.json()).message).toBe('attribute value nested deeper than 4 levels (OTLP_MAX_DEPTH)')
      // It was a decode worker that refused it: the worker runs under the collector's own launcher (tsx).
      expect(await (await fetch(`http://127.0.0.1:${q}/metrics`)).text()).toMatch(/^factorwatch_otlp_decode_workers [1-9]/m)
      for (const port of [q, o]) {
        const h = await fetch(`http://127.0.0.1:${port}/healthz`)
        expect(h.status).toBe(200)
        const body = await h.json()
        expect(body.status).toBe('degraded')
        expect(body.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['disk', 'clickhouse']))
        expect(body.checks.find((c: { name: string }) => c.name === 'disk')).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/HEALTH_DISK_DEGRADED_FREE_BYTES/) })
      }
    } finally {
      await collector.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
