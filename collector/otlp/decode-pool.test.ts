import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { JsonTraceSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { afterEach, describe, expect, it } from 'vitest'
import { flowRecords, sdkLogs, sdkSpans } from '../../test/support/otel-records'
import { tempDir } from '../../test/support/processes'
import { RecentIds } from '../ingest/dedup'
import { conflictRow } from '../ingest/log-rows'
import { resolveRows } from '../ingest/prepared'
import { parseRecordPayload, recordPayload } from '../ingest/spool-record'
import { DecodePool, DecoderFailed } from './decode-pool'
import { DecodeError, TooDeepError } from './model'
import { type ExportTask, type PreparedExport, prepareExport } from './prepare'

const so = { maxAttributes: 128, maxAttributeValueBytes: 16 * 1024, nowMs: Date.UTC(2026, 10, 23, 10, 5) }
const task = (signal: ExportTask['signal'], encoding: ExportTask['encoding'], body: Uint8Array): ExportTask => ({ signal, encoding, body, tenant: 'acme', maxDepth: 32, sanitize: so })

/** What a prepared export stores: every table's rows as text, after deduplication against an empty memory. */
function stored(p: PreparedExport): Record<string, string> {
  const records = p.signal === 'metrics' ? p.metrics.records : resolveRows(p.rows, new RecentIds()).records
  const out: Record<string, string> = {}
  for (const r of records) out[r.table] = (out[r.table] ?? '') + Buffer.from(r.body).toString('utf8')
  return out
}

let pool: DecodePool | undefined
afterEach(async () => { await pool?.close(); pool = undefined })

describe('decode workers', () => {
  it('prepare an export exactly as the main thread does, the rows\' buffer handed over', async () => {
    pool = new DecodePool(1)
    const logs = task('logs', 'protobuf', ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('w1')))!)
    const spans = task('traces', 'json', JsonTraceSerializer.serializeRequest(await sdkSpans())!)
    for (const t of [logs, spans]) {
      const inline = prepareExport(structuredClone(t))
      const viaWorker = await pool.run(t)
      expect(stored(viaWorker)).toEqual(stored(inline))
      expect(stored(viaWorker)[t.signal === 'logs' ? 'mfa_events' : 'otel_traces']).toContain('acme')
      expect({ ...viaWorker, rows: undefined }).toEqual({ ...inline, rows: undefined })
    }
  })

  it('decide conflicts and duplicates on the main thread as the inline path does', async () => {
    pool = new DecodePool(1)
    const first = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('w4')))!
    // The same event ids with other content: the service name differs.
    const other = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('w4'), 'another-service'))!
    const decide = (p: PreparedExport, recent: RecentIds) => {
      if (p.signal === 'metrics') throw new Error('logs expected')
      const r = resolveRows(p.rows, recent, conflictRow)
      recent.mark(r.fresh)
      return { conflicts: r.conflicts, duplicates: r.duplicates, records: r.records.map((x) => [x.table, x.rows, Buffer.from(x.body).toString()]) }
    }
    const [viaWorker, inline] = [new RecentIds(), new RecentIds()]
    const seen: { conflicts: number; duplicates: number }[] = []
    for (const body of [first, first, other]) {
      const t = task('logs', 'protobuf', body)
      const got = decide(await pool.run(t), viaWorker)
      expect(got).toEqual(decide(prepareExport(structuredClone(t)), inline))
      seen.push(got)
    }
    // The resend: all four records duplicates. The other content: the two contract events with
    // their own ids conflicts (the one whose id is derived from its content, service included,
    // and the plain log are other records: stored).
    expect(seen.map((r) => [r.conflicts, r.duplicates])).toEqual([[0, 0], [0, 4], [2, 0]])
  })

  it('hand back metric records as Buffers the spool can frame', async () => {
    pool = new DecodePool(1)
    const body = Buffer.from(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ timeUnixNano: '1795000000000000000', asDouble: 1.5 }] } }] }] }] }))
    const p = await pool.run(task('metrics', 'json', body))
    if (p.signal !== 'metrics') throw new Error('metrics expected')
    expect(p.metrics.records.map((r) => [r.table, r.rows, Buffer.isBuffer(r.body)])).toEqual([['otel_metrics_gauge', 1, true]])
    expect(parseRecordPayload(recordPayload(p.metrics.records[0])).body.toString()).toBe(p.metrics.records[0].body.toString())
  })

  it('hand back a body that is not OTLP as the decoder\'s own error (400 at the receiver)', async () => {
    pool = new DecodePool(1)
    const deep = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(200)}{"stringValue":"x"}${']}}'.repeat(200)}}]}]}]}`
    await expect(pool.run(task('logs', 'json', Buffer.from(deep)))).rejects.toBeInstanceOf(TooDeepError)
    const err = await pool.run(task('logs', 'protobuf', Buffer.from([0x0a, 0xff, 0xff]))).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DecodeError)
    expect(err).not.toBeInstanceOf(TooDeepError)
  })

  it('a worker that dies fails the export it held (503 at the receiver) and is replaced', async () => {
    const lines: string[] = []
    pool = new DecodePool(1, (l) => lines.push(l))
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('w2')))!
    await pool.run(task('logs', 'protobuf', body))
    // An export that takes the worker long enough (tens of thousands of records) to be stopped under it.
    const record = (i: number) => `{"timeUnixNano":"1795000000000000000","body":{"stringValue":"line ${i}"},"attributes":[{"key":"k","value":{"stringValue":"v${i}"}}]}`
    const slow = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[${Array.from({ length: 40_000 }, (_, i) => record(i)).join(',')}]}]}]}`)
    const held = pool.run(task('logs', 'json', slow))
    await (pool as unknown as { slots: { worker: Worker }[] }).slots[0].worker.terminate()
    await expect(held).rejects.toBeInstanceOf(DecoderFailed)
    expect(lines.join('\n')).toMatch(/decode worker stopped .*; starting another/)
    // flowRecords: three contract events and one plain log.
    const after = stored(await pool.run(task('logs', 'protobuf', body)))
    expect([after.mfa_events.split('\n').filter(Boolean).length, after.otel_logs.split('\n').filter(Boolean).length]).toEqual([3, 1])
  })

  it('workers that cannot start leave decoding on the main thread, said once', async () => {
    const entry = join(tempDir('decode-pool'), 'broken.mjs')
    writeFileSync(entry, 'throw new Error("no such module")\n')
    const lines: string[] = []
    pool = new DecodePool(1, (l) => lines.push(l), new URL(`file://${entry}`))
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogs(flowRecords('w3')))!
    // Until the pool gives up, an export meets a dying worker and is refused for a retry.
    for (let i = 0; i < 20 && !lines.some((l) => l.includes('decoding on the main thread')); i++) {
      await pool.run(task('logs', 'protobuf', body)).catch((e: unknown) => expect(e).toBeInstanceOf(DecoderFailed))
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(lines.filter((l) => l.includes('decode workers could not start (decode worker stopped (no such module)); decoding on the main thread'))).toHaveLength(1)
    expect(stored(await pool.run(task('logs', 'protobuf', body))).mfa_events).toContain('acme')
  })
})
