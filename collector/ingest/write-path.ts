import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry } from 'prom-client'
import type { CollectorConfig } from '../config'
import { SpoolWriter } from './batcher'
import { type Segment, Spool, syncDir } from './spool'
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
  // process left there is only a copy of rows the spool still holds. Absolute (chDB resolves a
  // relative path against its own working directory), and not where FROM INFILE would expand
  // glob characters: then the rows go in the statement as against a server.
  const filesAt = resolve(config.dataDir, 'spool', INSERT_FILES_DIR)
  const fileDir = config.clickhouseUrl || /[*?{}[\]]/.test(filesAt) ? undefined : filesAt
  if (fileDir) {
    await rm(fileDir, { recursive: true, force: true })
    await mkdir(fileDir, { recursive: true })
  }
  // Segments left by earlier processes are replayed into the tables each inserted them into.
  const boots = new Set(spool.sealedSegments().map((seg) => segmentBoot(seg.name)))
  const known = await recordTargets(join(config.dataDir, 'spool'), spool.bootId, targets, boots)
  const leftoverTargets = (seg: Segment): Targets => known.get(segmentBoot(seg.name)) ?? {}
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

/** The file in the spool directory naming, per process (boot id), the insert targets of its segments. */
export const TARGETS_FILE = 'targets.json'

type Targets = Readonly<Record<string, string>>

/** Boot id of a segment: its name without the sequence number (Spool names segments `<boot id>-<sequence>`). */
export const segmentBoot = (name: string): string => name.slice(0, name.lastIndexOf('-'))

/**
 * Record that the process `bootId` inserts with `targets`, in `<dir>/targets.json` (a temporary
 * file, synced, renamed, directory synced), keeping the entries of the processes in `keep` (those
 * whose segments are still in the spool) and dropping the rest. Returns the kept entries: a
 * segment of a process without one was written by a collector from before migration 0088, which
 * inserted every table into itself.
 */
export async function recordTargets(dir: string, bootId: string, targets: Targets, keep: ReadonlySet<string>): Promise<Map<string, Targets>> {
  const path = join(dir, TARGETS_FILE)
  const known = new Map<string, Targets>()
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object of boot ids')
    for (const [boot, t] of Object.entries(parsed)) {
      if (!keep.has(boot)) continue
      if (!t || typeof t !== 'object' || Object.values(t).some((v) => typeof v !== 'string')) throw new Error(`the entry of ${boot} is not an object of table names`)
      known.set(boot, t as Targets)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && keep.size > 0) {
      throw new Error(`spool: ${path} is unreadable (${(err as Error).message}); it says where the segments left in the spool were inserted, so they can be replayed without counting them twice. Remove it only if those segments were written by a collector from before migration 0088`)
    }
  }
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(`${JSON.stringify({ ...Object.fromEntries(known), [bootId]: targets })}\n`)
    await fh.datasync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  await syncDir(dir)
  return known
}
