import { readdirSync, readFileSync } from 'node:fs'
import type { ClickHouseClient } from '@clickhouse/client'

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url)
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/

export interface MigrationOptions {
  /** Emit `ON CLUSTER <name>` and Replicated engines for a ClickHouse cluster. */
  cluster?: string
  ttlDays: number
}

export interface Migration { version: number; name: string; statements: string[] }

/**
 * Render a migration file. Placeholders: `{on_cluster}` becomes `ON CLUSTER name` or nothing,
 * `{engine:X}` becomes `X` or `ReplicatedX` (with the conventional zookeeper path),
 * `{ttl_days}` the configured retention.
 */
export function renderMigration(sql: string, opts: MigrationOptions): string[] {
  const rendered = sql
    .replace(/\{on_cluster\}/g, opts.cluster ? `ON CLUSTER ${opts.cluster}` : '')
    .replace(/\{engine:([A-Za-z]+)(\(([^)]*)\))?\}/g, (_m, engine: string, _p, args: string | undefined) => {
      if (!opts.cluster) return `${engine}${args !== undefined ? `(${args})` : ''}`
      const repl = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(args ? [args] : [])]
      return `Replicated${engine}(${repl.join(', ')})`
    })
    .replace(/\{ttl_days\}/g, String(opts.ttlDays))
  return rendered
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0)
}

export function loadMigrations(opts: MigrationOptions, dir: URL = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Set<number>()
  return files.map((file) => {
    const m = FILE_RE.exec(file)
    if (!m) throw new Error(`migration file name "${file}" does not match NNNN_name.sql`)
    const version = Number(m[1])
    if (seen.has(version)) throw new Error(`two migrations share version ${version}`)
    seen.add(version)
    return { version, name: m[2], statements: renderMigration(readFileSync(new URL(file, dir), 'utf8'), opts) }
  })
}

/**
 * Apply every migration not yet recorded in `schema_migrations`, in order. Each statement is
 * itself idempotent (IF NOT EXISTS), so a crash between a statement and its record is safe.
 */
export async function migrate(client: ClickHouseClient, opts: MigrationOptions, log: (line: string) => void = () => {}): Promise<number[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations ${opts.cluster ? `ON CLUSTER ${opts.cluster}` : ''}
      (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ${opts.cluster ? "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')" : 'ReplacingMergeTree'} ORDER BY version`,
  })
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
