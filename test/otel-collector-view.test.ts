import { readFileSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { EVENT_NAMES, Factor, Outcome } from '../contract'
import { loadCollectorConfig } from '../collector/config'
import { createIngest } from '../collector/ingest/store'
import { parseMetricsRequest } from '../collector/query/params'
import { runMetrics } from '../collector/query/run'
import { openClickHouse, type ClickHouseClient } from '../collector/storage/client'
import { migrate } from '../collector/storage/migrate'
import { NUMBER_COLUMNS, STRING_COLUMNS } from '../collector/storage/rows'
import { tempDir } from './support/processes'

/**
 * The OpenTelemetry Collector as a way in (migration 0041): rows written into otel_logs the way
 * the contrib ClickHouse exporter writes them (its INSERT column list, its text forms of
 * attribute values) come out of the query API as M1, while FactorWatch's own receiver, which
 * writes mfa_events itself, is not counted twice.
 */
/** The view as the newest migration that defines it (0085 replaced 0041's when the contract gained an event). */
const VIEW_SQL = readFileSync(new URL('../collector/storage/migrations/0085_otel_logs_view_names.sql', import.meta.url), 'utf8')
const list = (values: readonly string[]) => `(${values.map((v) => `'${v}'`).join(', ')})`

/** The contrib exporter's logs_insert.sql columns (EventName appended when the table has it). */
const EXPORTER_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber', 'ServiceName', 'Body',
  'ResourceSchemaUrl', 'ResourceAttributes', 'ScopeSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes', 'LogAttributes', 'EventName',
]

let client: ClickHouseClient
let close: () => Promise<void>
let dataDir: string
const NOW = Date.now()
const at = (msAgo: number) => { const ns = BigInt(NOW - msAgo) * 1_000_000n; return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}` }

/** One exporter row: a verification of `flow` from service `svc`, as a Collector forwarding the OTel SDK's record writes it. */
function exporterRow(flow: string, outcome: string, attempt: number, o: { eventName?: string; attrs?: Record<string, string>; service?: string } = {}) {
  const attrs: Record<string, string> = {
    'event.id': `${flow}-${attempt}`, 'mfa.flow_id': flow, 'mfa.factor': 'totp', 'mfa.outcome': outcome,
    'mfa.reason': outcome === 'success' ? 'ok' : 'invalid_code', 'mfa.attempt': String(attempt), 'mfa.latency_ms': '2400',
    'mfa.user_group': 'workforce', 'mfa.user_hash': 'a1b2c3d4e5f60718', 'vendor.note': 'kept',
    ...(o.eventName ? {} : { 'event.name': 'mfa.challenge.verified' }), ...o.attrs,
  }
  return [
    at(60_000 - attempt * 1000), '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 1, 'INFO', 9, o.service ?? 'okta-bridge', 'second factor verified',
    '', { 'service.name': o.service ?? 'okta-bridge' }, '', 'bridge', '1.0.0', {}, attrs, o.eventName ?? '',
  ]
}

beforeAll(async () => {
  dataDir = tempDir('otel-view')
  const ch = await openClickHouse(loadCollectorConfig({}, { dataDir }))
  client = ch.client
  close = ch.close
  await migrate(client, { ttlDays: 30 })
}, 120_000)
afterAll(async () => {
  await close?.()
  rmSync(dataDir, { recursive: true, force: true })
})

const rows = async (sql: string) => (await client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, any>>()
/** M1 over the last hour, through the query API's own parser and runner. */
async function m1() {
  const parsed = parseMetricsRequest(new URLSearchParams({ ids: 'M1', from: new Date(NOW - 3_600_000).toISOString(), to: new Date(NOW).toISOString() }), NOW)
  if (!parsed.ok) throw new Error(parsed.error.message)
  const res = (await runMetrics(client, parsed.value, NOW)) as unknown as Record<string, { value: number | null; flows: number; successful_flows: number }>
  return res.M1
}

describe('otel_logs → mfa_events view', () => {
  it('names the contract\'s event names, enums and typed attributes', () => {
    expect(VIEW_SQL).toContain(`name IN ${list(EVENT_NAMES)}`)
    expect(VIEW_SQL).toContain(`LogAttributes['mfa.factor'] IN ${list(['', ...Factor.options])}`)
    expect(VIEW_SQL).toContain(`LogAttributes['mfa.outcome'] IN ${list(['', ...Outcome.options])}`)
    for (const [attr, column] of [...STRING_COLUMNS, ...NUMBER_COLUMNS]) {
      // event.id and the user hash have fallbacks (log.record.uid, user.hash) and are built over several lines.
      if (attr === 'event.id' || attr === 'mfa.user_hash') expect(VIEW_SQL).toMatch(new RegExp(`LogAttributes\\['${attr}'\\][\\s\\S]*AS ${column},`))
      else expect(VIEW_SQL, `${attr} → ${column}`).toMatch(new RegExp(`LogAttributes\\['${attr}'\\][^\\n]*AS ${column},`))
      expect(VIEW_SQL, `${attr} left out of the attributes map`).toMatch(new RegExp(`k NOT IN \\([^)]*'${attr}'`))
    }
  })

  it('reads exporter-shaped rows back as M1, once each, and leaves the receiver\'s own rows to it', async () => {
    await client.insert({
      table: 'otel_logs', columns: EXPORTER_COLUMNS as [string, ...string[]], format: 'JSONCompactEachRow',
      values: [
        // Flow a: a wrong code, then right (one successful flow). Flow b: failed. Flow c: named in EventName only.
        exporterRow('flow-a', 'failure', 1), exporterRow('flow-a', 'success', 2),
        exporterRow('flow-b', 'failure', 1),
        exporterRow('flow-c', 'success', 1, { eventName: 'mfa.challenge.verified' }),
        // Not taken: an ordinary log, a name outside the contract, an enum value outside it, a raw user id.
        [...exporterRow('flow-x', 'success', 1, { attrs: { 'event.name': '' } }).slice(0, 15), ''],
        exporterRow('flow-y', 'success', 1, { attrs: { 'event.name': 'mfa.made.up' } }),
        exporterRow('flow-z', 'perhaps', 1),
        exporterRow('flow-u', 'success', 1, { attrs: { 'mfa.user_hash': 'alice@example.com' } }),
      ],
    })
    // FactorWatch's own receiver: one successful flow, written to mfa_events.
    const own = await createIngest(client).logs([{ resource: { 'service.name': 'reference-idp' }, schemaUrl: '', scopes: [{ scope: { name: 'idp', version: '', attributes: {}, schemaUrl: '', droppedAttributes: 0 }, items: [{
      timeNs: BigInt(NOW - 30_000) * 1_000_000n, observedNs: 0n, severityNumber: 9, severityText: 'INFO', body: 'mfa.challenge.verified', traceId: '', spanId: '', flags: 0, eventName: 'mfa.challenge.verified',
      attributes: { 'event.id': 'own-1', 'mfa.flow_id': 'flow-own', 'mfa.factor': 'sms', 'mfa.outcome': 'success', 'mfa.reason': 'ok', 'mfa.attempt': 1 },
    }] }] }])
    expect(own).toMatchObject({ accepted: 1, rejected: 0 })

    const events = await rows(`SELECT flow_id, event_id, service, factor, outcome, attempt, latency_ms, user_group, user_hash, trace_id, attributes FROM mfa_events ORDER BY flow_id, attempt`)
    expect(events.map((e) => e.flow_id)).toEqual(['flow-a', 'flow-a', 'flow-b', 'flow-c', 'flow-own'])
    expect(events[1]).toEqual({
      flow_id: 'flow-a', event_id: 'flow-a-2', service: 'okta-bridge', factor: 'totp', outcome: 'success', attempt: 2, latency_ms: 2400,
      user_group: 'workforce', user_hash: 'a1b2c3d4e5f60718', trace_id: '5b8efff798038103d269b633813fc60c', attributes: { 'vendor.note': 'kept' },
    })
    // SELECT * on otel_logs still has the exporter's columns only.
    expect(Object.keys((await rows('SELECT * FROM otel_logs LIMIT 1'))[0])).not.toContain('FactorWatchIngest')
    // The receiver writes its contract event once, to mfa_events: otel_logs holds the exporter's rows only.
    const marks = await rows(`SELECT FactorWatchIngest AS own, count() AS n FROM otel_logs GROUP BY own ORDER BY own`)
    expect(marks.map((r) => [r.own, Number(r.n)])).toEqual([[0, 8]])
    // Every log once in otel_logs_all (migration 0070): the exporter's 8 as written (the 4 the
    // view above copied into mfa_events are not repeated), and the receiver's event rendered.
    const all = await rows(`SELECT LogAttributes['mfa.flow_id'] AS flow, count() AS n FROM otel_logs_all GROUP BY flow ORDER BY flow`)
    expect(all.map((r) => [r.flow, Number(r.n)])).toEqual([['flow-a', 2], ['flow-b', 1], ['flow-c', 1], ['flow-own', 1], ['flow-u', 1], ['flow-x', 1], ['flow-y', 1], ['flow-z', 1]])

    const got = await m1()
    expect(got).toMatchObject({ flows: 4, successful_flows: 3, value: 0.75 })
  }, 60_000)

  it('ships a Collector config whose clickhouse exporter writes into the tables FactorWatch reads', async () => {
    const cfg = parse(readFileSync(new URL('../docs/otel-collector.yaml', import.meta.url), 'utf8'))
    expect(Object.keys(cfg.receivers)).toEqual(['otlp'])
    for (const signal of ['logs', 'traces', 'metrics']) expect(cfg.service.pipelines[signal]).toMatchObject({ receivers: ['otlp'], exporters: ['clickhouse'] })
    const ex = cfg.exporters.clickhouse
    expect(ex.database).toBe('${env:CLICKHOUSE_DATABASE:-factorwatch}')
    expect(loadCollectorConfig({}).clickhouseDatabase).toBe('factorwatch')
    const tables = [ex.logs_table_name, ex.traces_table_name, ex.metrics_tables.gauge.name, ex.metrics_tables.sum.name, ex.metrics_tables.histogram.name]
    const present = (await rows(`SELECT name FROM system.tables WHERE database = currentDatabase()`)).map((r) => r.name)
    for (const t of tables) expect(present, t).toContain(t)
  })
})
