import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { rmSync } from 'node:fs'
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { LogRecord } from '@opentelemetry/api-logs'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IngestConflictsResponse } from '../contract/ingest'
import { loadCollectorConfig } from '../collector/config'
import { createOtlpServer } from '../collector/otlp/server'
import { createQueryServer } from '../collector/query/server'
import { openClickHouse, type OpenClickHouse } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { flowRecords, sdkLogs, sdkSpans } from './support/otel-records'
import { tempDir } from './support/processes'

/*
 * Issue 11: contract events are written once and the rollups stay right; a batch resent after
 * a restart (the collector stored it, then died before the exporter saw the 200) creates no
 * duplicate in mfa_events, the rollups, otel_logs or otel_traces; an event id resent with other
 * content keeps the first, is counted on /metrics and listed by GET /api/v1/ingest/conflicts.
 */

let dir: string
let ch: OpenClickHouse
let otlp: Server
let registry: Registry
let base: string

async function start(): Promise<void> {
  ch = await openClickHouse(loadCollectorConfig({}, { dataDir: dir }))
  await migrate(ch.client, { ttlDays: 3650 })
  registry = new Registry()
  otlp = createOtlpServer({ client: ch.ingest, maxBodyBytes: 1024 * 1024, registry })
  await new Promise<void>((r) => otlp.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`
}
async function stop(): Promise<void> {
  await new Promise((r) => { otlp.closeAllConnections(); otlp.close(r) })
  await ch.close()
}

beforeAll(async () => {
  dir = tempDir('restart')
  await start()
})
afterAll(async () => {
  await stop()
  rmSync(dir, { recursive: true, force: true })
})

const post = async (path: string, body: Uint8Array) => (await fetch(`${base}${path}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/x-protobuf' } })).status
async function one(sql: string): Promise<Record<string, unknown>> {
  return (await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, unknown>>())[0]
}
/** What is stored, by table: raw rows, and the rollups' counts and cost sums. */
async function stored() {
  return {
    mfa: Number((await one('SELECT count() AS n FROM mfa_events')).n),
    cost: Number((await one('SELECT sum(cost_micros) AS s FROM mfa_events')).s),
    logs: Number((await one('SELECT count() AS n FROM otel_logs')).n),
    spans: Number((await one('SELECT count() AS n FROM otel_traces')).n),
    rollup1m: await one('SELECT toUInt64(uniqMerge(events)) AS events, toUInt64(sum(cost_micros)) AS cost FROM mfa_rollup_1m'),
    rollup1h: await one('SELECT toUInt64(uniqMerge(events)) AS events, toUInt64(sum(cost_micros)) AS cost FROM mfa_rollup_1h'),
  }
}

describe('ingest storage across a restart', () => {
  let logs: Awaited<ReturnType<typeof sdkLogs>>
  let spans: Awaited<ReturnType<typeof sdkSpans>>
  const logsBody = (l = logs) => ProtobufLogsSerializer.serializeRequest(l)!
  const spansBody = (s = spans) => ProtobufTraceSerializer.serializeRequest(s)!

  it('writes contract events once, to mfa_events, and the rollups agree with them', async () => {
    logs = await sdkLogs([...flowRecords('r-1'), ...flowRecords('r-2')])
    spans = await sdkSpans('restart-svc')
    expect(await post('/v1/logs', logsBody())).toBe(200)
    expect(await post('/v1/traces', spansBody())).toBe(200)
    const s = await stored()
    // Two flows of 3 contract events and 1 plain log each; 2 spans.
    expect([s.mfa, s.logs, s.spans, s.cost]).toEqual([6, 2, 2, 2400])
    expect(await one(`SELECT count() AS n FROM otel_logs WHERE EventName != ''`)).toEqual({ n: 0 })
    expect(s.rollup1m).toEqual({ events: 6, cost: 2400 })
    expect(s.rollup1h).toEqual({ events: 6, cost: 2400 })
    expect(Number((await one('SELECT count() AS n FROM otel_logs_all')).n)).toBe(8)
  })

  it('drops a batch resent after a restart in every table and rollup', async () => {
    const before = await stored()
    await stop()
    await start()
    // Resent with one new record each, as an exporter's next batch may be: the INSERT blocks
    // differ from the first ones, so ClickHouse's own block deduplication cannot be what drops them.
    const extraLog = await sdkLogs([{ timestamp: Date.now(), body: 'after restart', attributes: { 'flow.ref': 'r-3' } }])
    const extraSpans = await sdkSpans('restart-svc-2')
    expect(await post('/v1/logs', logsBody([...logs, ...extraLog]))).toBe(200)
    expect(await post('/v1/traces', spansBody([...spans, ...extraSpans]))).toBe(200)
    expect(await stored()).toEqual({ ...before, logs: before.logs + 1, spans: before.spans + 2 })
    expect(await registry.getSingleMetricAsString('factorwatch_otlp_records_total')).toMatch(/signal="logs",result="duplicate"} 8/)
    expect(await registry.getSingleMetricAsString('factorwatch_otlp_records_total')).toMatch(/signal="traces",result="duplicate"} 2/)
  })

  it('keeps the first content of a reused event id, counts the conflict and lists it', async () => {
    const before = await stored()
    const changed: LogRecord[] = flowRecords('r-1').slice(0, 1).map((r) => ({ ...r, attributes: { ...r.attributes, 'mfa.outcome': 'success', 'mfa.reason': 'ok' } }))
    expect(await post('/v1/logs', ProtobufLogsSerializer.serializeRequest(await sdkLogs(changed))!)).toBe(200)
    expect(await stored()).toEqual(before)
    expect(await one(`SELECT outcome FROM mfa_events WHERE event_id = 'r-1-1'`)).toEqual({ outcome: 'failure' })
    expect(await registry.getSingleMetricAsString('factorwatch_otlp_records_total')).toMatch(/signal="logs",result="conflict"} 1/)

    const query = createQueryServer({ client: ch.client, transport: ch.transport })
    await new Promise<void>((r) => query.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(query.address() as AddressInfo).port}/api/v1/ingest/conflicts`
      const res = await fetch(`${url}?from=${new Date(Date.now() - 600_000).toISOString()}&limit=10`)
      expect(res.status).toBe(200)
      const body = IngestConflictsResponse.parse(await res.json())
      expect(body.total).toBe(1)
      expect(body.conflicts[0]).toMatchObject({ event: 'mfa.challenge.verified', event_id: 'r-1-1', service: 'idp-test', tenant: 'default' })
      expect(body.conflicts[0].attributes).toMatchObject({ 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.flow_id': 'r-1' })
      expect(body.conflicts[0].first_hash).not.toBe(body.conflicts[0].conflict_hash)
      const bad = await fetch(`${url}?limit=0`)
      expect([bad.status, (await bad.json()).error.parameter]).toEqual([400, 'limit'])
    } finally {
      await new Promise((r) => { query.closeAllConnections(); query.close(r) })
    }
  })
})
