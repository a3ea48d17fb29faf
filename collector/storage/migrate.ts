import { readdirSync, readFileSync } from 'node:fs'
import type { ClickHouseClient } from '@clickhouse/client'
import { clusterStatements, newClusterSchema, type ClusterSchema } from './cluster-ddl'

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url)
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/

export interface MigrationOptions {
  /** Render for a ClickHouse cluster: `ON CLUSTER`, Replicated local tables, Distributed tables over them (cluster-ddl.ts). */
  cluster?: string
  ttlDays: number
}

export interface Migration { version: number; name: string; statements: string[] }

/**
 * Render a migration file. Placeholders: `{on_cluster}` marks where a single-node statement
 * would take `ON CLUSTER`, `{engine:X}` a table engine, `{ttl_days}` the configured retention.
 * Without a cluster they become nothing, `X` and the number. With one, every statement is
 * rendered by cluster-ddl.ts (which places ON CLUSTER itself, so a statement that forgot the
 * placeholder still runs on every node); `schema` carries the tables split so far from one
 * migration to the next.
 */
export function renderMigration(sql: string, opts: MigrationOptions, schema: ClusterSchema = newClusterSchema()): string[] {
  const rendered = sql
    .replace(/\{on_cluster\}/g, '')
    .replace(/\{engine:([A-Za-z]+)(\(([^)]*)\))?\}/g, (_m, engine: string, _p, args: string | undefined) => `${engine}${args !== undefined ? `(${args})` : ''}`)
    .replace(/\{ttl_days\}/g, String(opts.ttlDays))
  const statements = rendered
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0)
  const cluster = opts.cluster
  return cluster ? statements.flatMap((s) => clusterStatements(s, cluster, schema)) : statements
}

export function loadMigrations(opts: MigrationOptions, dir: URL = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Set<number>()
  const schema = newClusterSchema()
  return files.map((file) => {
    const m = FILE_RE.exec(file)
    if (!m) throw new Error(`migration file name "${file}" does not match NNNN_name.sql`)
    const version = Number(m[1])
    if (seen.has(version)) throw new Error(`two migrations share version ${version}`)
    seen.add(version)
    try {
      return { version, name: m[2], statements: renderMigration(readFileSync(new URL(file, dir), 'utf8'), opts, schema) }
    } catch (err) {
      throw new Error(`migration ${file}: ${(err as Error).message}`)
    }
  })
}

/**
 * The record of applied migrations. On a cluster it is one replicated table shared by every node
 * (one Keeper path for all shards), so whichever node the collector talks to knows what ran.
 */
export function migrationsTableDdl(cluster: string | undefined): string {
  const columns = '(version UInt32, name String, applied_at DateTime DEFAULT now())'
  if (!cluster) return `CREATE TABLE IF NOT EXISTS schema_migrations ${columns} ENGINE = ReplacingMergeTree ORDER BY version`
  return `CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER ${cluster} ${columns} ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}') ORDER BY version`
}

/**
 * Apply every migration not yet recorded in `schema_migrations`, in order. Each statement is
 * itself idempotent (IF NOT EXISTS), so a crash between a statement and its record is safe.
 */
export async function migrate(client: ClickHouseClient, opts: MigrationOptions, log: (line: string) => void = () => {}): Promise<number[]> {
  await client.command({ query: migrationsTableDdl(opts.cluster) })
  const rs = await client.query({ query: 'SELECT DISTINCT version FROM schema_migrations', format: 'JSONEachRow' })
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)))
  const applied: number[] = []
  for (const m of loadMigrations(opts)) {
    if (done.has(m.version)) continue
    for (const statement of m.statements) await client.command({ query: statement })
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' })
    applied.push(m.version)
    log(`applied migration ${String(m.version).padStart(4, '0')}_${m.name}`)
  }
  return applied
}
