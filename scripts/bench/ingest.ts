/**
 * `ingest`: end-to-end events/s into embedded ClickHouse, per OTLP encoding, through a collector
 * child process. N exporters (as N IdP instances, each an OTel BatchLogRecordProcessor with one
 * export in flight) send batches of 512–2048 contract events back to back; an answer of 429/503
 * is retried after its Retry-After, as the SDK does. The figure counts acknowledged events over
 * the time from the first send until the last acknowledged event is readable through the query
 * API — an acknowledgement from an on-disk spool does not count as "in ClickHouse" before then.
 *
 * The ceiling, in the same run and the same chDB: the collector is stopped and the same number
 * of generated rows is written into its mfa_events (rollup views included) with one raw
 * INSERT … SELECT from a Memory table, then again in inserts of 20,000 rows, so the ratio
 * ours/ceiling says how much is the collector's and how much is ClickHouse's.
 */
import { rmSync } from 'node:fs'
import { runChdb } from './chdb-sql'
import { startCollector, type Collector } from './collector-process'
import { flowsInsertSql } from './generate-sql'
import { BATCH_SIZES, type Encoding, eventPool, OtlpSender, stamped, templates, type Template } from './otlp-load'

export interface EncodingRun {
  encoding: Encoding
  events: number
  /** Acknowledged events / (last event visible − first send). */
  eventsPerS: number
  /** Acknowledged events / (last acknowledgement − first send). */
  ackedPerS: number
  /** Seconds from the last acknowledgement until the query API counted every event. */
  drainS: number
  requests: number
  retries: number
  rejected: number
  p50Ms: number
  p99Ms: number
  clientCpuPct: number
  peakRssBytes: number
}

export interface IngestBench { runs: EncodingRun[]; exporters: number; ceiling: { rows: number; rowsPerS: number; seconds: number; batchedRowsPerS: number } }

/** The second ceiling's insert size: the batches of at least 20,000 rows the collector's write path aims at. */
export const CEILING_INSERT_ROWS = 20_000

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))])

/** Verifications the query API counts in [fromMs, toMs) (raw events for windows up to 6 h). */
async function verificationsStored(c: Collector, fromMs: number, toMs: number): Promise<number> {
  const r = await c.get<{ verifications: { totals: Record<string, number> } }>(`/api/v1/outcomes?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`)
  return Object.values(r.verifications.totals).reduce((a, b) => a + b, 0)
}

/**
 * `o.sent.verifications` counts every acknowledged verification this collector was sent (warm-ups
 * and earlier runs included): the run is over when the query API counts that many.
 */
async function closedLoop(c: Collector, encoding: Encoding, tpls: Template[], o: { seconds: number; exporters: number; window: [number, number]; sent: { verifications: number }; log: (s: string) => void }): Promise<EncodingRun> {
  const sender = new OtlpSender(new URL('/v1/logs', c.otlpUrl), encoding, o.exporters)
  let seq = Math.floor(Math.random() * 0x7fffffff) // ids never repeat across encodings or runs
  // Warm-up, not counted: one export per exporter (JIT, connections, first parts of the day).
  await Promise.all(Array.from({ length: o.exporters }, async (_, i) => {
    const t = tpls[i % tpls.length]
    if ((await sender.send(stamped(t, ++seq))).status === 200) o.sent.verifications += t.verifications
  }))
  let events = 0
  let verifications = 0
  let requests = 0
  let retries = 0
  let rejected = 0
  let peakRss = c.rssBytes()
  const lat: number[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const deadline = t0 + o.seconds * 1000
  const rss = setInterval(() => { peakRss = Math.max(peakRss, c.rssBytes()) }, 250)
  const progress = setInterval(() => o.log(`    ${encoding}: ${events.toLocaleString('en-US')} events acknowledged after ${((performance.now() - t0) / 1000).toFixed(0)} s`), 5000)
  const exporter = async (i: number) => {
    for (let k = i; performance.now() < deadline; k += o.exporters) {
      // Each exporter cycles through sizes, so the mix of 512/1024/2048 is even.
      const t = tpls[k % tpls.length]
      const body = stamped(t, ++seq)
      for (;;) {
        const r = await sender.send(body)
        requests++
        if (r.status === 200) {
          lat.push(r.ms)
          events += t.events
          verifications += t.verifications
          rejected += r.rejected
          break
        }
        if ((r.status === 429 || r.status === 503) && performance.now() < deadline + 30_000) {
          retries++
          await new Promise((res) => setTimeout(res, Math.min(5, r.retryAfterS ?? 1) * 1000))
          continue
        }
        throw new Error(`${encoding} export answered ${r.status}: ${r.error}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: o.exporters }, (_, i) => exporter(i)))
  } catch (err) {
    clearInterval(rss)
    throw err
  } finally {
    clearInterval(progress)
    sender.close()
  }
  const acked = performance.now()
  const cpu = process.cpuUsage(cpu0)
  // Acknowledged is not necessarily queryable (a spool may acknowledge first): wait until it is.
  o.sent.verifications += verifications
  const want = o.sent.verifications
  for (let stored = 0; ;) {
    stored = await verificationsStored(c, ...o.window)
    if (stored > want) o.log(`    note: the query API counts ${stored - want} verifications more than were acknowledged (duplicates stored?)`)
    if (stored >= want) break
    if (performance.now() - acked > 120_000) throw new Error(`${encoding}: ${want - stored} acknowledged verifications still not queryable 120 s after the last acknowledgement`)
    await new Promise((res) => setTimeout(res, 50))
  }
  const visible = performance.now()
  clearInterval(rss)
  lat.sort((a, b) => a - b)
  return {
    encoding, events, requests, retries, rejected,
    eventsPerS: events / ((visible - t0) / 1000),
    ackedPerS: events / ((acked - t0) / 1000),
    drainS: (visible - acked) / 1000,
    p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99),
    clientCpuPct: ((cpu.user + cpu.system) / 1000 / (acked - t0)) * 100,
    peakRssBytes: peakRss,
  }
}

/**
 * The raw-insert ceiling: `rows` generated rows of the last hour into a Memory table, then one
 * timed INSERT … SELECT of them into mfa_events of `dataDir`'s (stopped) chDB — ClickHouse's
 * work only (sort, compress, write parts, both rollup views), none of the generator's.
 */
async function ceiling(dataDir: string, rows: number): Promise<IngestBench['ceiling']> {
  const now = Date.now()
  // Every flow has at least four events: enough flows for `rows`, cut exactly by LIMIT.
  const flows = Math.ceil(rows / 4)
  const gen = flowsInsertSql({ lo: 0, count: flows, total: flows, fromMs: now - 3_600_000, toMs: now - 60_000, table: 'bench_ceiling_src', limit: rows })
  const pieces = Math.ceil(rows / CEILING_INSERT_ROWS)
  const r = await runChdb(dataDir, [
    'DROP TABLE IF EXISTS bench_ceiling_src',
    'CREATE TABLE bench_ceiling_src ENGINE = Memory AS SELECT * FROM mfa_events WHERE 0',
    gen,
    'SELECT count() AS n FROM bench_ceiling_src',
    'INSERT INTO mfa_events SELECT * FROM bench_ceiling_src',
    // The same rows again (fresh ids) in inserts of CEILING_INSERT_ROWS, the batch size the write path aims at.
    ...Array.from({ length: pieces }, (_, i) => `INSERT INTO mfa_events SELECT * REPLACE (concat('c', event_id) AS event_id) FROM bench_ceiling_src LIMIT ${CEILING_INSERT_ROWS} OFFSET ${i * CEILING_INSERT_ROWS}`),
    'DROP TABLE bench_ceiling_src',
  ])
  const n = Number((r[3].rows[0] as { n: number | string }).n)
  const seconds = r[4].ms / 1000
  const batchedS = r.slice(5, 5 + pieces).reduce((a, x) => a + x.ms, 0) / 1000
  return { rows: n, seconds, rowsPerS: n / seconds, batchedRowsPerS: n / batchedS }
}

export async function benchIngest(o: { seconds: number; exporters: number; log: (s: string) => void }): Promise<IngestBench> {
  const now = Date.now()
  o.log(`  templates: generated contract events, batches of ${BATCH_SIZES.join('/')} records`)
  const pool = eventPool(now, 2 * Math.max(...BATCH_SIZES) + 2048)
  const window: [number, number] = [now - 3_700_000, now]
  const runs: EncodingRun[] = []
  const sent = { verifications: 0 }
  const c = await startCollector()
  try {
    for (const encoding of ['protobuf', 'json'] as const) {
      const tpls = await templates(encoding, pool)
      // Merges left over from the previous run are not this one's cost.
      await c.settle(o.seconds < 5 ? 5 : runs.length === 0 ? 15 : 30)
      o.log(`  ${encoding}: ${o.exporters} exporters for ${o.seconds} s`)
      runs.push(await closedLoop(c, encoding, tpls, { seconds: o.seconds, exporters: o.exporters, window, sent, log: o.log }))
    }
    await c.stop()
    const rows = Math.max(...runs.map((r) => r.events))
    o.log(`  ceiling: raw INSERT … SELECT of ${rows.toLocaleString('en-US')} generated rows into the same chDB (collector stopped)`)
    return { runs, exporters: o.exporters, ceiling: await ceiling(c.dataDir, rows) }
  } finally {
    await c.stop()
    rmSync(c.dataDir, { recursive: true, force: true })
  }
}
