import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry } from 'prom-client'
import type { CollectorConfig } from '../config'
import { SpoolWriter } from './batcher'
import { Spool } from './spool'
import { spoolMetrics } from './spool-metrics'

/** Max partition days per INSERT: under ClickHouse's max_partitions_per_insert_block (100), with room for time zones. */
export const MAX_INSERT_DAYS = 90

/**
 * Where the write path inserts a table's rows when not on a cluster: contract events through
 * mfa_events_in, which reads them as plain String and hands them on to mfa_events (migration
 * 0088: LowCardinality columns parse ~40 % slower from text). On a cluster the collector inserts
 * into the Distributed mfa_events as before.
 */
export const INSERT_TARGETS: Readonly<Record<string, string>> = { mfa_events: 'mfa_events_in' }

/**
 * The collector's write path: the spool in `<dataDir>/spool` (whatever an earlier process left
 * there is inserted first) and its background inserter, with metrics on `registry`.
 * `health()` of the result is what /healthz reports for ingest.
 */
export async function openWritePath(opts: {
  config: Pick<CollectorConfig, 'clickhouseUrl' | 'clickhouseCluster' | 'dataDir' | 'batchRows' | 'batchMs' | 'maxSpoolBytes' | 'maxSpoolAgeS' | 'insertTimeoutMs' | 'spoolFsync'>
  client: Pick<ClickHouseClient, 'exec'>
  registry?: Registry
  now: () => number
  log?: (line: string) => void
  onInsert?: (table: string, rows: number, seconds: number) => void
}): Promise<SpoolWriter> {
  const { config, now, log } = opts
  const metrics = spoolMetrics(opts.registry, now)
  const spool = await Spool.open({
    dir: join(config.dataDir, 'spool'),
    batchRows: config.batchRows,
    batchBytes: 64 * 1024 * 1024,
    batchMs: config.batchMs,
    maxDays: MAX_INSERT_DAYS,
    fsync: config.spoolFsync,
    now,
    onCommit: metrics.commit,
    log,
  })
  const targets = config.clickhouseCluster ? {} : INSERT_TARGETS
  // Embedded, INSERTs read their rows from a file here (InsertOptions.fileDir); what a stopped
  // process left there is only a copy of rows the spool still holds.
  const fileDir = config.clickhouseUrl ? undefined : join(config.dataDir, 'spool', INSERT_FILES_DIR)
  if (fileDir) {
    await rm(fileDir, { recursive: true, force: true })
    await mkdir(fileDir, { recursive: true })
  }
  const leftoverTargets = await recordTargets(join(config.dataDir, 'spool'), targets, spool.backlog().segments > 0)
  const b = spool.backlog()
  if (b.segments > 0) log?.(`spool: replaying ${b.rows} rows in ${b.segments} segments left by the last run`)
  const writer = new SpoolWriter({
    spool,
    client: opts.client,
    maxSpoolBytes: config.maxSpoolBytes,
    maxSpoolAgeMs: config.maxSpoolAgeS * 1000,
    // A ClickHouse server's INSERT is bounded; chDB's cannot be cancelled (see InsertOptions).
    timeoutMs: config.clickhouseUrl ? config.insertTimeoutMs : 0,
    targets,
    leftoverTargets,
    fileDir,
    now,
    log,
    observer: {
      ...metrics.observer,
      insert(table, rows, seconds) {
        metrics.observer.insert?.(table, rows, seconds)
        opts.onInsert?.(table, rows, seconds)
      },
    },
  })
  metrics.watch(writer)
  return writer
}

/** Directory under the spool of the files embedded INSERTs read (not a table: the spool skips names starting with a dot). */
export const INSERT_FILES_DIR = '.insert'

/** The file in the spool directory naming the insert targets its segments were written for. */
export const TARGETS_FILE = 'targets.json'

/**
 * Record `targets` as those of the spool in `dir` (written to a temporary file, synced, renamed)
 * and return the ones recorded before, for segments left by an earlier process: none recorded
 * means a collector from before migration 0088, which inserted every table into itself.
 */
async function recordTargets(dir: string, targets: Readonly<Record<string, string>>, leftovers: boolean): Promise<Readonly<Record<string, string>>> {
  const path = join(dir, TARGETS_FILE)
  let before: Record<string, string> = {}
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) before = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && leftovers) throw new Error(`spool: ${path} is unreadable (${(err as Error).message}); it says where the segments left there were inserted. Remove it only if those segments were written by a collector from before migration 0088`)
  }
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(`${JSON.stringify(targets)}\n`)
    await fh.datasync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  const d = await open(dir, 'r')
  try {
    await d.sync()
  } finally {
    await d.close()
  }
  return before
}
