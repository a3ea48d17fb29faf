import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { type Db, openPglite, openPostgres } from './db'
import { migrateStore } from './migrate'

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function postgresReachable(): Promise<boolean> {
  try {
    const db = await openPostgres(PG_URL)
    await db.query('SELECT 1')
    await db.close()
    return true
  } catch {
    if (process.env.CI === 'true') throw new Error(`missing prerequisite under CI=true: PostgreSQL at ${PG_URL}`)
    return false
  }
}

const schema = `fw_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups) await c()
})

const stores: [string, () => Promise<Db | null>][] = [
  ['PGlite', () => openPglite('memory://')],
  ['PostgreSQL', async () => {
    if (!(await postgresReachable())) return null
    const db = await openPostgres(PG_URL, schema)
    cleanups.push(async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await db.close()
    })
    return db
  }],
]

describe.each(stores)('IdP store on %s', (_name, open) => {
  it('applies migrations once, enforces constraints, and round-trips rows', async () => {
    const db = await open()
    if (!db) return
    expect(await migrateStore(db)).toEqual([1])
    expect(await migrateStore(db)).toEqual([])
    await db.query('INSERT INTO users (id, email, password_hash, user_group) VALUES ($1, $2, $3, $4)', ['u1', 'a@example.test', 'scrypt$x', 'admin'])
    await expect(db.query('INSERT INTO users (id, email, password_hash, user_group) VALUES ($1, $2, $3, $4)', ['u2', 'a@example.test', 'h', 'admin'])).rejects.toThrow(/unique|duplicate/i)
    await expect(db.query('INSERT INTO users (id, email, password_hash, user_group) VALUES ($1, $2, $3, $4)', ['u3', 'b@example.test', 'h', 'root'])).rejects.toThrow(/check/i)
    await db.query('INSERT INTO totp_credentials (id, user_id, secret_enc, status, last_step) VALUES ($1, $2, $3, $4, $5)', ['c1', 'u1', 'enc', 'active', 58_000_000])
    const rows = await db.query<{ email: string; last_step: string | number }>('SELECT u.email, c.last_step FROM users u JOIN totp_credentials c ON c.user_id = u.id')
    expect(rows).toHaveLength(1)
    expect(Number(rows[0].last_step)).toBe(58_000_000)
    if (db.kind === 'pglite') await db.close()
  })
})
