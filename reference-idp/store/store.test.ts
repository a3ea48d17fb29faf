import { readdirSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { TEST_PG_URL, testStores } from './test-stores'
import { migrateStore } from './migrate'

const stores = testStores(afterAll)
// Every numbered file in migrations/, in order: the first run applies all, the second none.
const MIGRATIONS = readdirSync(new URL('./migrations/', import.meta.url)).filter((f) => f.endsWith('.sql')).sort().map((f) => Number(f.slice(0, 4)))

describe.each(stores)('IdP store on %s', (_name, open) => {
  it('applies migrations once, enforces constraints, and round-trips rows', async (ctx) => {
    const db = await open() // under CI=true an unreachable PostgreSQL throws here: a failure, not a skip
    if (!db) return ctx.skip(`PostgreSQL at ${TEST_PG_URL} is not reachable (set TEST_DATABASE_URL; CI=true makes this a failure)`)
    expect(await migrateStore(db)).toEqual(MIGRATIONS)
    expect(await migrateStore(db)).toEqual([])
    // Addresses are stored sealed with a blind index (store/user-email.ts); the index is unique.
    const user = 'INSERT INTO users (id, email_enc, email_idx, password_hash, user_group) VALUES ($1, $2, $3, $4, $5)'
    await db.query(user, ['u1', 'v1.sealed', 'idx-a', 'scrypt$x', 'admin'])
    await expect(db.query(user, ['u2', 'v1.sealed2', 'idx-a', 'h', 'admin'])).rejects.toThrow(/unique|duplicate/i)
    await expect(db.query(user, ['u3', 'v1.sealed3', 'idx-b', 'h', 'root'])).rejects.toThrow(/check/i)
    // Since migration 0018 no address can be written in plaintext.
    await expect(db.query('INSERT INTO users (id, email, email_enc, email_idx, password_hash, user_group) VALUES ($1, $2, $3, $4, $5, $6)', ['u4', 'd@example.test', 'v1.s', 'idx-d', 'h', 'admin'])).rejects.toThrow(/users_email_not_plaintext/)
    await db.query('INSERT INTO totp_credentials (id, user_id, secret_enc, status, last_step) VALUES ($1, $2, $3, $4, $5)', ['c1', 'u1', 'enc', 'active', 58_000_000])
    const rows = await db.query<{ email_idx: string; last_step: string | number }>('SELECT u.email_idx, c.last_step FROM users u JOIN totp_credentials c ON c.user_id = u.id')
    expect(rows).toHaveLength(1)
    expect(Number(rows[0].last_step)).toBe(58_000_000)
    if (db.kind === 'pglite') await db.close()
  })
})
