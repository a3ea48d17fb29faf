import { readdirSync, readFileSync } from 'node:fs'
import type { Db } from './db'

const DIR = new URL('./migrations/', import.meta.url)

/** Apply numbered `NNNN_name.sql` files not yet recorded; the same SQL on PGlite and PostgreSQL. */
export async function migrateStore(db: Db): Promise<number[]> {
  await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)))
  const applied: number[] = []
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort()) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
    if (!m) throw new Error(`migration file name "${file}" does not match NNNN_name.sql`)
    const version = Number(m[1])
    if (done.has(version)) continue
    for (const stmt of readFileSync(new URL(file, DIR), 'utf8').split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await db.query(stmt)
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING', [version, m[2]])
    applied.push(version)
  }
  return applied
}
