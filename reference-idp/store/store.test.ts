import { readdirSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { type Db, openPglite, openPostgres } from './db'
import { testStores } from './test-stores'
import { migrateStore } from './migrate'

const stores = testStores(afterAll)
// Every numbered file in migrations/, in order: the first run applies all, the second none.
const MIGRATIONS = readdirSync(new URL('./migrations/', import.meta.url)).filter((f) => f.endsWith('.sql')).sort().map((f) => Number(f.slice(0, 4)))

describe.each(stores)('IdP store on %s', (_name, open) => {
  it('applies migrations once, enforces constraints, and round-trips rows', async () => {
    const db = await open()
    if (!db) return
    expect(await migrateStore(db)).toEqual(MIGRATIONS)
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
