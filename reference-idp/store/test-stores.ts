import { randomUUID } from 'node:crypto'
import { type Db, openPglite, openPostgres } from './db'

/** The PostgreSQL server tests use; CI=true makes its absence a failure, not a skip. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function postgresReachable(): Promise<boolean> {
  try {
    const db = await openPostgres(TEST_PG_URL)
    await db.query('SELECT 1')
    await db.close()
    return true
  } catch {
    if (process.env.CI === 'true') throw new Error(`missing prerequisite under CI=true: PostgreSQL at ${TEST_PG_URL}`)
    return false
  }
}

/**
 * Both stores for `describe.each`: an in-memory PGlite, and a throwaway schema on the
 * PostgreSQL server (dropped in afterAll). The opener returns null when PostgreSQL is absent
 * outside CI.
 */
export function testStores(afterAll: (fn: () => Promise<void>) => void): [string, () => Promise<Db | null>][] {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanups) await c()
  })
  return [
    ['PGlite', () => openPglite('memory://')],
    ['PostgreSQL', async () => {
      if (!(await postgresReachable())) return null
      const schema = `fw_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`
      const db = await openPostgres(TEST_PG_URL, schema)
      cleanups.push(async () => {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await db.close()
      })
      return db
    }],
  ]
}
