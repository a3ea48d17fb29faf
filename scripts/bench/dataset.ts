/**
 * Generated datasets in a collector data directory: the collector creates its tables (started
 * once and stopped), then ClickHouse generates the events in place (generate-sql.ts). The panels
 * dataset is cached under `.data/bench/` (`BENCH_CACHE_DIR`) with a marker naming the generator's version, the
 * event count, its time span and the migrations it was made with; a mismatch regenerates.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runChdb } from './chdb-sql'
import { startCollector } from './collector-process'
import { EVENTS_PER_FLOW, flowsInsertSql, GENERATOR_VERSION, sideEventsSql } from './generate-sql'

const ROOT = new URL('../../', import.meta.url).pathname
const DAY = 86_400_000
/** Rows per generated INSERT: progress shows between them, and each stays within memory. */
const CHUNK_EVENTS = 2_000_000

export interface Dataset { dataDir: string; events: number; fromMs: number; toMs: number; generatedS: number; cached: boolean }

/** Hash of the collector's migrations: a schema or rollup change makes old generated data stale. */
export function migrationsHash(): string {
  const dir = join(ROOT, 'collector/storage/migrations')
  const h = createHash('sha256')
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)))
  return h.digest('hex').slice(0, 16)
}

/**
 * Generate about `events` events over [fromMs, toMs) into `dataDir` (whose collector is not
 * running). Returns the count stored and the seconds it took, tables' creation excluded.
 */
export async function generate(dataDir: string, o: { events: number; fromMs: number; toMs: number; log: (s: string) => void }): Promise<{ events: number; seconds: number }> {
  const c = await startCollector({ dataDir })
  await c.stop()
  const t0 = performance.now()
  const perFlow = EVENTS_PER_FLOW
  const flows = Math.max(1, Math.round(o.events / perFlow))
  const chunk = Math.max(1, Math.round(CHUNK_EVENTS / perFlow))
  const statements: string[] = []
  for (let lo = 0; lo < flows; lo += chunk) statements.push(flowsInsertSql({ lo, count: Math.min(chunk, flows - lo), total: flows, fromMs: o.fromMs, toMs: o.toMs }))
  const chunks = statements.length
  statements.push(...sideEventsSql(o.fromMs, o.toMs, flows), 'SELECT count() AS n FROM mfa_events')
  const results = await runChdb(dataDir, statements, (i) => {
    if (i >= chunks) return
    const done = Math.min(flows, (i + 1) * chunk) * perFlow
    const s = (performance.now() - t0) / 1000
    o.log(`    generated ~${(done / 1e6).toFixed(1)} M of ${(o.events / 1e6).toFixed(1)} M events in ${s.toFixed(0)} s (${Math.round(done / s).toLocaleString('en-US')}/s, about ${Math.max(0, Math.round((s / done) * (o.events - done)))} s to go)`)
  })
  const events = Number((results.at(-1)!.rows[0] as { n: number | string }).n)
  // Small datasets are mostly hourly snapshots; the ratio only says something about large ones.
  if (o.events >= 1_000_000 && Math.abs(events / o.events - 1) > 0.05) o.log(`    note: ${events.toLocaleString('en-US')} events stored for ${o.events.toLocaleString('en-US')} asked: EVENTS_PER_FLOW (generate-sql.ts) is out of date`)
  return { events, seconds: (performance.now() - t0) / 1000 }
}

interface Marker { generator: number; events: number; days: number; migrations: string; fromMs: number; toMs: number; storedEvents: number; generatedS: number }

/** The panels dataset: `events` over the `days` before it was generated, cached in `.data/bench/panels-<events>`. */
export async function cachedDataset(o: { events: number; days: number; log: (s: string) => void; fresh?: boolean }): Promise<Dataset> {
  const dataDir = join(process.env.BENCH_CACHE_DIR ?? join(ROOT, '.data/bench'), `panels-${o.events}`)
  const markerFile = join(dataDir, 'bench-dataset.json')
  const want = { generator: GENERATOR_VERSION, events: o.events, days: o.days, migrations: migrationsHash() }
  if (!o.fresh && existsSync(markerFile)) {
    const m = JSON.parse(readFileSync(markerFile, 'utf8')) as Marker
    if (m.generator === want.generator && m.events === want.events && m.days === want.days && m.migrations === want.migrations) {
      return { dataDir, events: m.storedEvents, fromMs: m.fromMs, toMs: m.toMs, generatedS: m.generatedS, cached: true }
    }
    o.log(`  cached dataset in ${dataDir} is stale (generator ${m.generator}, migrations ${m.migrations}): generating again`)
  }
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true })
  const toMs = Math.floor(Date.now() / 60_000) * 60_000
  const fromMs = toMs - o.days * DAY
  o.log(`  generating ${o.events.toLocaleString('en-US')} events over ${o.days} days into ${dataDir} (INSERT … SELECT FROM numbers(), rollups filled by their views)`)
  const g = await generate(dataDir, { events: o.events, fromMs, toMs, log: o.log })
  const marker: Marker = { ...want, fromMs, toMs, storedEvents: g.events, generatedS: g.seconds }
  writeFileSync(markerFile, `${JSON.stringify(marker, null, 2)}\n`)
  return { dataDir, events: g.events, fromMs, toMs, generatedS: g.seconds, cached: false }
}
