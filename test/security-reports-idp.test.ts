import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttackReport, BypassReport, EnrollmentReport, RecoveryReport } from '../contract/security'
import type { RunningIdp } from '../reference-idp/server'
import { openPglite } from '../reference-idp/store/db'
import { client, mailedCode, provision, startTestIdp, testKeys, totpAccount } from './support/idp-client'
import { eventually, freePort, startProcess, tempDir, type Running } from './support/processes'
import { signUp } from './support/signup'

/**
 * The security lead's reports over events the real IdP made: the IdP exports over OTLP to a
 * real collector process, and each attack or exception the test drives shows up in its report
 * (issue 14: lockout, second-factor brute force, revoked-session reuse, recovery, bypass).
 */
const PASSWORD = 'correct horse battery'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
const started = new Date(Date.now() - 60_000).toISOString()
const keys = testKeys()

let collector: Running
let idp: RunningIdp
let query = ''

beforeAll(async () => {
  const [otlp, q] = await Promise.all([freePort(), freePort()])
  collector = await startProcess('collector', 'collector/main.ts', [], {
    COLLECTOR_OTLP_PORT: String(otlp), COLLECTOR_QUERY_PORT: String(q), FACTORWATCH_DATA_DIR: tempDir('security-reports'),
  }, [/collector query listening/])
  query = `http://127.0.0.1:${q}`
  const t = await startTestIdp(() => openPglite('memory://'), () => new Date(clock), { ...keys.config, telemetry: 'on', otlpEndpoint: `http://127.0.0.1:${otlp}`, demoHeaders: 'on' })
  idp = t!.idp
}, 120_000)
afterAll(async () => {
  await idp?.close()
  await collector?.stop()
})

const report = async <T>(name: string): Promise<T> => {
  const res = await fetch(`${query}/api/v1/security/${name}?from=${started}&to=${new Date(Date.now() + 5_000).toISOString()}`)
  expect(res.status).toBe(200)
  return (await res.json()) as T
}
/** Poll a report until `ok` holds (the IdP batches its telemetry). */
const until = <T>(name: string, ok: (r: T) => boolean) => eventually(async () => {
  const r = await report<T>(name)
  return ok(r) ? r : undefined
}, 60_000, 500)

describe('security reports from the real IdP\'s events', () => {
  it('second-factor guessing from abroad: a lockout and a brute-force entry with the country', async () => {
    const victim = await totpAccount(idp.url, 'guessed@example.test', 'workforce', clk, PASSWORD)
    const attacker = client(idp.url, { 'x-demo-country': 'VN', 'x-demo-ip': '198.51.100.7' })
    const flow = (await attacker.post('/api/v1/login', { email: victim.email, password: PASSWORD })).body.flow_id
    let last = 0
    for (let i = 0; i < 5; i++) last = (await attacker.post('/api/v1/login/totp', { flow_id: flow, code: String(200000 + i) })).status
    expect(last).toBe(423)
    const r = await until<AttackReport>('attacks', (x) => (x.lockouts.by_reason.too_many_failures ?? 0) >= 1 && x.brute_force.users.length >= 1)
    expect(r.lockouts.users).toBeGreaterThanOrEqual(1)
    expect(r.brute_force.users.find((u) => u.countries.includes('VN'))).toMatchObject({ user_group: 'workforce', factors: ['totp'] })
    expect(r.brute_force.users.find((u) => u.countries.includes('VN'))!.failures).toBeGreaterThanOrEqual(5)
  }, 120_000)

  it('a revoked session used again shows up as F7, with where it came from', async () => {
    const owner = await totpAccount(idp.url, 'stolen@example.test', 'workforce', clk, PASSWORD)
    const stolen = owner.api.cookie()
    await owner.api.post('/api/v1/logout')
    expect((await client(idp.url, { cookie: stolen, 'x-demo-country': 'BR', 'x-demo-client': 'android' }).get('/api/v1/me')).status).toBe(401)
    const r = await until<AttackReport>('attacks', (x) => x.revoked_session_reuse.length >= 1)
    expect(r.revoked_session_reuse[0]).toMatchObject({ country: 'BR', client: 'android', user_hash: expect.stringMatching(/^[0-9a-f]+$/) })
  }, 120_000)

  it('an admin-assisted recovery request and an approved MFA exemption land in the recovery and bypass reports', async () => {
    const lost = await totpAccount(idp.url, 'lost@example.test', 'workforce', clk, PASSWORD)
    expect((await client(idp.url, { 'x-demo-country': 'DE', 'x-demo-ip': '198.51.100.23' }).post('/api/v1/recovery/requests', { email: lost.email, password: PASSWORD })).status).toBe(202)
    const rec = await until<RecoveryReport>('recovery', (x) => (x.by_reason.requested ?? 0) >= 1)
    expect(rec.backlog.length).toBeGreaterThanOrEqual(1)
    // The IdP names the request (mfa.request_id), so the report pairs its steps by it, and the network it came from.
    expect(rec.backlog[0].request_id).toMatch(/\S/)
    expect(rec.backlog[0].network).toBe('198.51.100.0/24')
    expect(rec.by_network).toContainEqual({ network: '198.51.100.0/24', requests: 1, users: 1 })

    const alice = await totpAccount(idp.url, 'alice@example.test', 'admin', clk, PASSWORD)
    const bob = await totpAccount(idp.url, 'bob@example.test', 'admin', clk, PASSWORD)
    const traveller = await totpAccount(idp.url, 'traveller@example.test', 'workforce', clk, PASSWORD)
    const asked = await alice.api.post('/api/v1/admin/exemptions', { email: traveller.email, kind: 'break_glass', reason: 'phone lost abroad, ticket 4711', minutes: 30 })
    expect(asked.status).toBe(202)
    expect((await bob.api.post('/api/v1/admin/exemptions/approve', { id: asked.body.id })).body.status).toBe('active')
    expect((await client(idp.url).post('/api/v1/login', { email: traveller.email, password: PASSWORD })).body).toEqual({ status: 'authenticated' })
    const by = await until<BypassReport>('bypasses', (x) => (x.by_kind.break_glass ?? 0) >= 1)
    expect(by.incidents).toHaveLength(1)
    // The exemption's steps and its use, paired by request id: who asked, who approved, for how long, used once.
    const hashes = (await until<BypassReport>('bypasses', (x) => x.incidents[0]?.uses === 1)).incidents[0]
    expect(hashes).toMatchObject({ request_id: asked.body.id, kind: 'break_glass', user_group: 'workforce', status: 'expiring', duration_s: 1800, uses: 1 })
    expect(hashes.requester_hash).toMatch(/^[0-9a-f]{16,64}$/)
    expect(hashes.approver_hash).toMatch(/^[0-9a-f]{16,64}$/)
    expect(hashes.approver_hash).not.toBe(hashes.requester_hash)
    expect(by.events.find((e) => e.kind === 'break_glass')).toMatchObject({ request_id: asked.body.id, requester_hash: hashes.requester_hash, approver_hash: hashes.approver_hash })
  }, 180_000)

  it('an admin who never signs in without a second factor is listed from the IdP\'s snapshot; admins with one are not', async () => {
    const setup = client(idp.url)
    await signUp(setup, 'dormant-admin@example.test', PASSWORD, mailedCode(idp.url))
    await provision(idp.url, 'dormant-admin@example.test', 'admin')
    await idp.snapshot()
    const id = (await idp.account('dormant-admin@example.test'))!.id
    // The snapshot's rows reach the collector in more than one export: wait for the admin group's counts too.
    const r = await until<EnrollmentReport>('enrollment', (x) => x.admins_without_mfa.some((a) => a.user_hash === keys.userHash(id)) && x.coverage_by_group.some((g) => g.user_group === 'admin' && g.status !== 'no_data'))
    expect(r.admins_without_mfa).toEqual([{ user_hash: keys.userHash(id), sign_ins: 0, last_seen: null, producer: 'reference-idp', sources: ['snapshot'] }])
    expect(r.coverage_by_group.find((g) => g.user_group === 'admin')).toMatchObject({ target: 1, status: 'missed' })
  }, 120_000)
})
