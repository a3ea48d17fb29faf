import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

/** The IdP's one store interface: PGlite embedded by default, PostgreSQL via DATABASE_URL. */
export interface Db {
  kind: 'pglite' | 'postgres'
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

/** `dataDir` is a directory, or `memory://` for a throwaway store. */
export async function openPglite(dataDir: string): Promise<Db> {
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true })
  const db = await PGlite.create(dataDir === 'memory://' ? undefined : dataDir)
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows,
    close: () => db.close(),
  }
}

/** A pooled PostgreSQL store; `schema` (tests) isolates a run in its own search_path. */
export async function openPostgres(url: string, schema?: string): Promise<Db> {
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name "${schema}": expected a lowercase identifier`)
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  if (schema) {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    pool.on('connect', (c) => void c.query(`SET search_path TO ${schema}`))
  }
  // The connect hook runs asynchronously; a first query on each new client must see it.
  const ready = async () => {
    const c = await pool.connect()
    if (schema) await c.query(`SET search_path TO ${schema}`)
    return c
  }
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params: unknown[] = []) => {
      const c = await ready()
      try {
        return (await c.query(sql, params)).rows as T[]
      } finally {
        c.release()
      }
    },
    close: () => pool.end(),
  }
}
