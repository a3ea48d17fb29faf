/** Ingest throughput: contract events over HTTP into embedded chDB, per OTLP encoding. */
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { loadCollectorConfig } from '../../collector/config'
import { createOtlpServer } from '../../collector/otlp/server'
import { decodeLogsJson } from '../../collector/otlp/decode-json'
import { decodeLogsProtobuf } from '../../collector/otlp/decode-protobuf'
import { logRows } from '../../collector/ingest/log-rows'
import { openClickHouse } from '../../collector/storage/client'
import { migrate } from '../../collector/storage/migrate'

const BATCH = 1000
const FACTORS = ['totp', 'sms', 'push', 'webauthn', 'email']
const OUTCOMES = ['success', 'success', 'success', 'failure', 'expired']

async function batchRecords(seed: number) {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench-idp' }), processors: [new SimpleLogRecordProcessor({ exporter })] })
  const logger = provider.getLogger('bench')
  for (let i = 0; i < BATCH; i++) {
    const outcome = OUTCOMES[i % OUTCOMES.length]
    logger.emit({
      body: 'mfa.challenge.verified',
      attributes: {
        'event.name': 'mfa.challenge.verified',
        'event.id': `${seed}-${i}`,
        'mfa.flow_id': `flow-${seed}-${i >> 1}`,
        'mfa.factor': FACTORS[i % FACTORS.length],
        'mfa.outcome': outcome,
        'mfa.reason': outcome === 'success' ? 'ok' : outcome === 'expired' ? 'code_expired' : 'invalid_code',
        'mfa.latency_ms': 500 + (i % 4000),
        'mfa.attempt': 1 + (i % 3),
        'mfa.user_hash': 'ab'.repeat(16),
        'mfa.user_group': 'workforce',
        'mfa.region': 'eu-west',
        'mfa.client': 'web',
      },
    })
  }
  await provider.forceFlush()
  return exporter.getFinishedLogRecords()
}

/**
 * The receiver's own CPU cost per event, storage left out: decode + contract validation + row
 * mapping of protobuf batches, in events/s on one core.
 */
export async function benchDecode(opts: { batches?: number } = {}): Promise<{ protobuf: number; json: number }> {
  const recs = await Promise.all(Array.from({ length: opts.batches ?? 10 }, (_, i) => batchRecords(-1 - i)))
  const proto = recs.map((r) => ProtobufLogsSerializer.serializeRequest(r)!)
  const json = recs.map((r) => Buffer.from(JsonLogsSerializer.serializeRequest(r)!).toString('utf8'))
  const time = (f: () => void) => {
    f() // warm up
    const t0 = performance.now()
    f()
    return (recs.length * BATCH) / ((performance.now() - t0) / 1000)
  }
  return {
    protobuf: time(() => { for (const b of proto) logRows(decodeLogsProtobuf(b)) }),
    json: time(() => { for (const b of json) logRows(decodeLogsJson(b)) }),
  }
}

export async function benchIngest(opts: { seconds?: number; batches?: number; concurrency?: number } = {}): Promise<{ json: number; protobuf: number; protobufGzip: number }> {
  const seconds = opts.seconds ?? 10
  const batches = opts.batches ?? 60
  const concurrency = opts.concurrency ?? Number(process.env.BENCH_CONCURRENCY ?? 4)
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-'))
  const ch = await openClickHouse(loadCollectorConfig({}, { dataDir: dir }))
  await migrate(ch.client, { ttlDays: 30 })
  const server = createOtlpServer({ client: ch.client, maxBodyBytes: 64 * 1024 * 1024 })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`
  let seed = 0
  async function run(encode: (recs: Awaited<ReturnType<typeof batchRecords>>) => { body: Uint8Array; headers: Record<string, string> }): Promise<number> {
    // Several exporters at once, as several IdP instances would be; concurrent requests share
    // ClickHouse inserts (group commit). Every batch is distinct (fresh event ids): a repeated body would be dropped by dedup
    // and flatter the figure. `seconds` bounds the run; the batch count bounds memory.
    const bodies = await Promise.all(Array.from({ length: batches }, async () => encode(await batchRecords(++seed))))
    let events = 0
    let next = 0
    const t0 = performance.now()
    const sender = async () => {
      while (next < bodies.length && performance.now() - t0 < seconds * 1000) {
        const b = bodies[next++]
        const res = await fetch(url, { method: 'POST', body: b.body as BodyInit, headers: b.headers })
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
        await res.arrayBuffer()
        events += BATCH
      }
    }
    await Promise.all(Array.from({ length: concurrency }, sender))
    return events / ((performance.now() - t0) / 1000)
  }
  try {
    const json = await run((r) => ({ body: JsonLogsSerializer.serializeRequest(r)!, headers: { 'content-type': 'application/json' } }))
    const protobuf = await run((r) => ({ body: ProtobufLogsSerializer.serializeRequest(r)!, headers: { 'content-type': 'application/x-protobuf' } }))
    const protobufGzip = await run((r) => ({ body: gzipSync(ProtobufLogsSerializer.serializeRequest(r)!), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } }))
    return { json, protobuf, protobufGzip }
  } finally {
    await new Promise((r) => server.close(r))
    await ch.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('bench/ingest.ts')) {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10)
  const d = await benchDecode()
  console.log(`decode + validate + rows (no storage): protobuf ${fmt(d.protobuf)} events/s, JSON ${fmt(d.json)} events/s`)
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4)
  const r = await benchIngest({ seconds: Number(process.env.BENCH_SECONDS ?? 10), concurrency })
  console.log(`end to end over HTTP into embedded chDB, batches of ${BATCH}, ${concurrency} concurrent exporters:`)
  console.log(`  OTLP/JSON          ${fmt(r.json)} events/s`)
  console.log(`  OTLP/protobuf      ${fmt(r.protobuf)} events/s`)
  console.log(`  OTLP/protobuf+gzip ${fmt(r.protobufGzip)} events/s`)
}
