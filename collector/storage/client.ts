import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { type ClickHouseClient, ClickHouseLogLevel, createClient, type ErrorLogParams, type Logger, type WarnLogParams } from '@clickhouse/client'
import type { CollectorConfig } from '../config'
import { ChdbPool } from './chdb-pool'
import { keepBackgroundNice } from './background-nice'

export type { ClickHouseClient }

export interface OpenClickHouse {
  /** Queries: the query API, alerting, game days, migrations. */
  client: ClickHouseClient
  /**
   * Inserts of the OTLP receiver, on a connection of their own: a chDB connection (like one
   * HTTP request) runs one statement at a time, so a slow panel query on `client` must not sit
   * in front of an insert that an exporter is waiting on.
   */
  ingest: ClickHouseClient
  transport: 'server' | 'chdb'
  close: () => Promise<void>
}

/**
 * The client's log, quietened: only warnings and errors, each one line with the error's message
 * and no stack. The client's DefaultLogger prints a full stack (and its arguments) for every
 * failed or aborted request, which on a hanging server is every insert timeout; the write path
 * already counts and reports those failures itself.
 */
export class OneLineLogger implements Logger {
  trace(): void {}
  debug(): void {}
  info(): void {}
  warn(p: WarnLogParams): void { console.warn(clientLogLine('WARN', p)) }
  error(p: ErrorLogParams): void { console.warn(clientLogLine('ERROR', p)) }
}

/** `[clickhouse client][ERROR][Connection] insert: HTTP request error.: The user aborted a request.` */
export function clientLogLine(level: 'WARN' | 'ERROR', { module, message, err }: WarnLogParams): string {
  const cause = err ? `: ${(err.message || err.name).split('\n')[0]}` : ''
  return `[clickhouse client][${level}][${module}] ${message}${cause}`
}

const LOG = { LoggerClass: OneLineLogger, level: ClickHouseLogLevel.WARN }

/**
 * One SQL code path, two transports: a ClickHouse server when CLICKHOUSE_URL is set,
 * otherwise chDB embedded in this process (the collector owns the data directory).
 *
 * Two clients either way. With chDB each `createChdbConnection` owns a native connection
 * (chdb's `Session`); several on one data directory share the engine and run in parallel on
 * libuv's thread pool, off the event loop, while statements on one connection run one after
 * another. chdb serializes parameterized queries process-wide (its binder is not isolated per
 * connection), so ingest sends none: its inserts never wait for a `{name:Type}` query. The query
 * client is a pool of CHDB_QUERY_CONNECTIONS connections that binds parameters itself
 * (chdb-pool.ts), so its statements run side by side too.
 */
/** Nice value of embedded query threads (0 normal … 19 lowest). */
export const QUERY_THREAD_NICE = 10

export async function openClickHouse(config: CollectorConfig): Promise<OpenClickHouse> {
  const db = config.clickhouseDatabase
  if (config.clickhouseUrl) {
    const bootstrap = createClient({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, log: LOG })
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
    await bootstrap.close()
    const open = () => createClient({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      database: db,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
      log: LOG,
    })
    // Separate clients, so separate keep-alive sockets: queries never hold ingest's.
    const client = open()
    const ingest = open()
    return { client, ingest, transport: 'server', close: async () => { await Promise.all([client.close(), ingest.close()]) } }
  }
  // Loaded only here: the library maps ~150 MB into the process the moment it is imported, which a
  // collector writing to a server never needs.
  const { createChdbConnection } = await import('chdb/connection')
  // chDB's connection ignores `database`: the embedded engine keeps our tables in `default`.
  const path = resolve(config.dataDir, 'chdb')
  mkdirSync(path, { recursive: true })
  const open = (settings: Record<string, number> = {}, connections = 1) => createClient({
    // chdb types against its own copy of @clickhouse/client-common; the runtime shape is the same.
    connection: (connections > 1 ? new ChdbPool(Array.from({ length: connections }, () => createChdbConnection({ path }))) : createChdbConnection({ path })) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    clickhouse_settings: { date_time_input_format: 'best_effort', ...settings },
    log: LOG,
  })
  // Embedded, queries and ingest share this process's cores: the query connection's threads run
  // at a lower OS priority (os_thread_priority, a nice value), so a heavy panel yields the CPU
  // to inserts and to the event loop that acknowledges exports. A report's statements and the
  // console's panels run side by side on a pool of connections (chdb-pool.ts).
  const client = open({ os_thread_priority: QUERY_THREAD_NICE }, config.chdbQueryConnections)
  const ingest = open()
  // Merges and ClickHouse's other background threads yield the CPU to the receiver (background-nice.ts).
  const stopNice = keepBackgroundNice(config.chdbBackgroundNice ?? 0)
  return { client, ingest, transport: 'chdb', close: async () => { stopNice(); await Promise.all([ingest.close(), client.close()]) } }
}
