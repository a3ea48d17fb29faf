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
 * The collector's write path: the spool in `<dataDir>/spool` (whatever an earlier process left
 * there is inserted first) and its background inserter, with metrics on `registry`.
 * `health()` of the result is what /healthz reports for ingest.
 */
export async function openWritePath(opts: {
  config: Pick<CollectorConfig, 'clickhouseUrl' | 'dataDir' | 'batchRows' | 'batchMs' | 'maxSpoolBytes' | 'maxSpoolAgeS' | 'insertTimeoutMs' | 'spoolFsync'>
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
  const b = spool.backlog()
  if (b.segments > 0) log?.(`spool: replaying ${b.rows} rows in ${b.segments} segments left by the last run`)
  const writer = new SpoolWriter({
    spool,
    client: opts.client,
    maxSpoolBytes: config.maxSpoolBytes,
    maxSpoolAgeMs: config.maxSpoolAgeS * 1000,
    // A ClickHouse server's INSERT is bounded; chDB's cannot be cancelled (see InsertOptions).
    timeoutMs: config.clickhouseUrl ? config.insertTimeoutMs : 0,
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
