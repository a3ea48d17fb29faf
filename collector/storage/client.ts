import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { type ClickHouseClient, createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import type { CollectorConfig } from '../config'

export type { ClickHouseClient }

/**
 * One SQL code path, two transports: a ClickHouse server when CLICKHOUSE_URL is set,
 * otherwise chDB embedded in this process (the collector owns the data directory).
 */
export async function openClickHouse(config: CollectorConfig): Promise<{ client: ClickHouseClient; transport: 'server' | 'chdb'; close: () => Promise<void> }> {
  const db = config.clickhouseDatabase
  if (config.clickhouseUrl) {
    const bootstrap = createClient({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword })
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
    await bootstrap.close()
    const client = createClient({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      database: db,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
    return { client, transport: 'server', close: () => client.close() }
  }
  // chDB's connection ignores `database`: the embedded engine keeps our tables in `default`.
  const path = resolve(config.dataDir, 'chdb')
  mkdirSync(path, { recursive: true })
  const client = createClient({
    // chdb types against its own copy of @clickhouse/client-common; the runtime shape is the same.
    connection: createChdbConnection({ path }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
  return { client, transport: 'chdb', close: () => client.close() }
}
