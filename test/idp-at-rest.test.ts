import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { hashPassword, scryptForCost } from '../reference-idp/factors/password'
import { hashRecoveryCode } from '../reference-idp/factors/recovery-codes'
import { loadKeys } from '../reference-idp/keys'
import { createAdminRecovery } from '../reference-idp/login/admin-recovery'
import { DEFAULT_RECOVERY_POLICY } from '../reference-idp/login/recovery-policy'
import type { RunningIdp } from '../reference-idp/server'
import { startIdp } from '../reference-idp/server'
import type { Db } from '../reference-idp/store/db'
import { migrateStore } from '../reference-idp/store/migrate'
import { createRepo, type Repo } from '../reference-idp/store/repo'
import { testStores } from '../reference-idp/store/test-stores'
import { backfillUserEmails } from '../reference-idp/store/user-email'
import type { LocalOutbox } from '../reference-idp/subprocessors/local'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { capture, client, startTestIdp } from './support/idp-client'
import { outboxCode, signUp } from './support/signup'
import { totpAt } from './support/totp'
import { mkdtempSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * What the IdP keeps at rest (issue 10, ASVS 4.0.3 2.4, 2.6.2, 2.8, 6.4): e-mail addresses only
 * sealed and blind-indexed, recovery codes salted under a server key (older codes still
 * valid), password hashes raised to scrypt N=2^17 as users sign in, keys never beside the data.
 */
const PASSWORD = 'correct horse battery staple'
const KEYS = { secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }
const keys = loadKeys({ ...KEYS, dataDir: 'memory://' })
const clock = Date.now()
const now = () => new Date(clock)
const ctx = { client: 'api' as const }

describe.each(testStores(afterAll))('IdP data at rest on %s', (store, open) => {
  let idp: RunningIdp
  let box: LocalOutbox
  let db: Db
  let repo: Repo
  let skip = false
  const addr = (name: string) => `${name}-${store}@example.test`.toLowerCase()
  beforeAll(async () => {
    const t = await startTestIdp(open, now, KEYS)
    if (!t) return void (skip = true)
    ;({ idp, box } = t)
    db = idp.db
    repo = createRepo(db, keys)
  })
  afterAll(async () => idp?.close())

  it('after sign-up the users table holds no plaintext address; sign-in, lookups and the admin view still find it', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('carol.plain')
    await signUp(client(idp.url), email, PASSWORD, outboxCode(box))
    const [row] = await db.query<Record<string, unknown>>('SELECT * FROM users WHERE email_idx = $1', [keys.emailIndex(email)])
    expect(row).toBeDefined()
    expect(row.email).toBeNull()
    expect(row.email_enc).toMatch(/^v1\./)
    expect(row.email_idx).toMatch(/^[0-9a-f]{64}$/)
    expect(row.password_hash).toMatch(/^scrypt\+hmac\$16384\$8\$1\$/) // peppered (this test IdP runs at N=2^14)
    // Not in any column, not even the name part.
    const dump = (await db.query<{ t: string }>('SELECT u::text AS t FROM users u')).map((r) => r.t).join('\n')
    expect(dump).not.toContain(email)
    expect(dump).not.toContain(`carol.plain-${store}`.toLowerCase())
    expect(dump).not.toContain(Buffer.from(email).toString('base64').slice(0, 16))
    // Reading it back: the repo, sign-in (any case), and the admin recovery queue.
    expect((await repo.userByEmail(email))?.email).toBe(email)
    expect((await repo.userById(String(row.id)))?.email).toBe(email)
    expect((await client(idp.url).post('/api/v1/login', { email: email.toUpperCase(), password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    const recovery = createAdminRecovery({ db, repo, keys, telemetry: capture().t, metrics: createIdpMetrics(), region: 'eu-west', policy: DEFAULT_RECOVERY_POLICY, now, passwordHashing: { ...scryptForCost(14), pepper: keys.passwordPepper } })
    await recovery.request(email, PASSWORD, ctx)
    expect((await recovery.list('requested')).map((r) => r.email)).toContain(email)
    // The blind index keeps addresses unique (a second row with the same address is refused).
    expect(await repo.insertUser({ id: `dup-${store}`, email, passwordHash: 'x', userGroup: 'customer' })).toBe(false)
  })

  it('IDP_PASSWORD_COST defaults to 17 (OWASP scrypt N=2^17) and accepts 14 to 20', async ({ skip: s }) => {
    if (skip) return s()
    expect(loadIdpConfig({}).passwordCost).toBe(17)
    expect(() => loadIdpConfig({ IDP_PASSWORD_COST: '13' })).toThrow(/IDP_PASSWORD_COST/)
    expect(loadIdpConfig({ IDP_PASSWORD_COST: '14' }).passwordCost).toBe(14)
  })

  it('recovery codes: new ones are salted and keyed (no plain SHA-256); codes stored by the old scheme still work, once', async ({ skip: s }) => {
    if (skip) return s()
    const email = addr('codes')
    const setup = client(idp.url)
    await signUp(setup, email, PASSWORD, outboxCode(box))
    const e = await setup.post('/api/v1/enroll/totp')
    const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
    expect((await setup.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock) })).status).toBe(200)
    const user = (await repo.userByEmail(email))!
    const legacyCode = 'k7m2q-xt9ab'
    const legacy = createHash('sha256').update(`${user.id}:${legacyCode}`).digest('hex')
    await repo.replaceRecoveryCodes(user.id, [legacy, hashRecoveryCode(keys.mac, 'aaaaa-bbbbb')], 'b1')
    const useCode = async (code: string) => {
      const c = client(idp.url)
      const flow = (await c.post('/api/v1/login', { email, password: PASSWORD })).body.flow_id
      return { c, r: await c.post('/api/v1/login/recovery-code', { flow_id: flow, code }) }
    }
    const first = await useCode(legacyCode)
    expect([first.r.status, first.r.body.status]).toEqual([200, 'authenticated'])
    expect((await useCode(legacyCode)).r.body.code).toBe('code_replayed')
    // A fresh set from the API: every stored hash salted and keyed.
    const fresh = await first.c.post('/api/v1/recovery-codes')
    expect(fresh.status).toBe(200)
    const stored = (await db.query<{ code_hash: string }>('SELECT code_hash FROM recovery_codes WHERE user_id = $1', [user.id])).map((r) => r.code_hash)
    expect(stored).toHaveLength(10)
    for (const h of stored) expect(h).toMatch(/^v2\$[A-Za-z0-9_-]{22}\$[0-9a-f]{64}$/)
    const unsalted = (fresh.body.codes as string[]).flatMap((c) => [createHash('sha256').update(`${user.id}:${c}`).digest('hex'), createHash('sha256').update(c).digest('hex')])
    expect(stored.some((h) => unsalted.some((u) => h.includes(u)))).toBe(false)
    expect((await useCode(fresh.body.codes[3])).r.body.status).toBe('authenticated')
    expect((await useCode(fresh.body.codes[3])).r.body.code).toBe('code_replayed')
  })
})

// Apart from the running IdP above: opening another store blocks the event loop for seconds,
// long enough for an idle keep-alive connection of the in-process client and server to race.
describe.each(testStores(afterAll))('plaintext from before migration 0018 on %s', (store, open) => {
  it('rows written before migration 0018 are sealed at start-up and their plaintext cleared', async ({ skip: s }) => {
    const old = await open()
    if (!old) return s()
    await migrateStore(old)
    // A store from before 0018 had addresses in plaintext (the constraint 0018 adds refuses new ones).
    await old.query('ALTER TABLE users DROP CONSTRAINT users_email_not_plaintext')
    const email = `legacy-${store}@example.test`.toLowerCase()
    await old.query('INSERT INTO users (id, email, password_hash, user_group) VALUES ($1, $2, $3, $4)', [`legacy-${store}`, email, 'x', 'customer'])
    expect(await backfillUserEmails(old, keys)).toBe(1)
    expect(await backfillUserEmails(old, keys)).toBe(0)
    const [row] = await old.query<{ email: string | null; t: string }>('SELECT email, u::text AS t FROM users u WHERE id = $1', [`legacy-${store}`])
    expect(row.email).toBeNull()
    expect(row.t).not.toContain(email)
    expect((await createRepo(old, keys).userByEmail(email))?.id).toBe(`legacy-${store}`)
    if (old.kind === 'pglite') await old.close()
  })
})

describe.each(testStores(afterAll))('password hashes are raised at sign-in on %s', (_store, open) => {
  it('a 2^14 hash verifies and is re-hashed to 2^17 (the default cost) at the next sign-in', async ({ skip }) => {
    const t = await startTestIdp(open, now, { ...KEYS, passwordCost: 17 })
    if (!t) return skip()
    try {
      const repo = createRepo(t.idp.db, keys)
      const email = `rehash-${_store}@example.test`.toLowerCase()
      await repo.insertUser({ id: `rehash-${_store}`, email, passwordHash: await hashPassword(PASSWORD, scryptForCost(14)), userGroup: 'customer' })
      expect((await repo.userByEmail(email))?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/)
      expect((await client(t.idp.url).post('/api/v1/login', { email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
      // Raised to N=2^17 and peppered with the key derived from IDP_SECRET_KEY (ASVS 2.4.5).
      expect((await repo.userByEmail(email))?.password_hash).toMatch(/^scrypt\+hmac\$131072\$8\$1\$/)
      // A wrong password changes nothing; the new hash keeps working.
      expect((await client(t.idp.url).post('/api/v1/login', { email, password: 'not the password at all' })).status).toBe(401)
      expect((await client(t.idp.url).post('/api/v1/login', { email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    } finally {
      await t.idp.close()
    }
  })
})

describe('IdP start-up without keys', () => {
  const root = mkdtempSync(join(tmpdir(), 'fw-idp-keys-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  it('refuses to start without keys or dev mode, naming what to set, and creates no data directory', async () => {
    const dataDir = join(root, 'prod', 'idp')
    await expect(startIdp(loadIdpConfig({ IDP_DATA_DIR: dataDir }, { port: 0, telemetry: 'off' }), { log: () => {} })).rejects.toThrow(/no keys configured: set IDP_SECRET_KEY and IDP_USER_HASH_KEY/)
    expect(existsSync(dataDir)).toBe(false)
  })
  it('with IDP_DEV_KEYS=on starts, keeping generated keys in <parent>/keys/, outside the data directory', async () => {
    const dataDir = join(root, 'dev', 'idp')
    const lines: string[] = []
    const idp = await startIdp(loadIdpConfig({ IDP_DATA_DIR: dataDir, IDP_DEV_KEYS: 'on' }, { port: 0, telemetry: 'off', snapshotSeconds: 0 }), { log: (l) => lines.push(l) })
    await idp.close()
    expect(existsSync(join(root, 'dev', 'keys', 'idp.json'))).toBe(true)
    expect(existsSync(join(dataDir, 'keys.json'))).toBe(false)
    expect(lines.join('\n')).toMatch(/DEVELOPMENT keys generated in .*dev\/keys\/idp\.json/)
  })
})
