import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { inAttackerNet, type AttackPlan } from './attack-plan'
import { runAttack, type AttackDeps } from './attacks'
import { IdpClient, userIp } from './client'
import { DeviceReader } from './device'
import { startFakeIdp, type FakeIdp, type FakeIdpOptions } from './fake-idp'
import { runAttempt, type FlowDeps } from './flows'
import type { AttemptPlan } from './plan'
import { createUsers } from './setup'
import { newRunStats, type RunStats } from './summary'
import type { SimUser } from './users'

let fake: FakeIdp
let stats: RunStats
let deps: AttackDeps & FlowDeps
const noSleep = async () => {}

async function start(o: FakeIdpOptions = {}) {
  fake = await startFakeIdp(o)
  stats = newRunStats()
  deps = { client: new IdpClient(fake.url, stats.requests), stats, rand: seededRand(1), sleep: noSleep, now: Date.now }
}
beforeEach(() => start())
afterEach(() => fake.close())

/** TOTP users (profile draws of 0.5) made through the real setup code. */
const makeUsers = (n: number): Promise<SimUser[]> =>
  createUsers({ client: deps.client, stats, seed: 1, rand: () => 0.5, concurrency: 2, signal: new AbortController().signal, sleep: noSleep, log: () => {}, devices: new DeviceReader(fake.url, stats.devices) }, n)

const attack = (over: Partial<AttackPlan>): AttackPlan => ({ kind: 'stuffing', ip: '203.0.113.2', burst: 6, hitAt: null, victim: 0, ...over })
const plan = (over: Partial<AttemptPlan> = {}): AttemptPlan => ({ kind: 'normal', thinkMs: 0, retypeMs: 0, retryPassword: true, logout: false, pick: 0, ...over })

async function calls(fn: () => Promise<unknown>) {
  const before = fake.seen.length
  await fn()
  return fake.seen.slice(before)
}
const short = (seen: { path: string; status: number }[]) => seen.map((s) => `${s.path.replace('/api/v1/', '')} ${s.status}`)

describe('attacks', () => {
  it('credential stuffing: 401s from one block-listed address; a hit on an app user turns into brute force from a guessing network until 423', async () => {
    const users = await makeUsers(3)
    const stepBefore = fake.users.get(users[1].email)!.lastStep
    const seen = await calls(() => runAttack(deps, attack({ burst: 6, hitAt: 2, victim: 0.5 }), users))
    expect(fake.users.get(users[1].email)!.lastStep).toBe(stepBefore) // made-up codes never spend a step the user counts on
    expect(short(seen)).toEqual(['login 401', 'login 401', 'login 200', ...Array(4).fill('login/totp 401'), 'login/totp 423', 'login 401', 'login 401', 'login 401'])
    // Passwords from the stuffing host; the stolen flow's codes from the guessing network (host 2 → 192.0.2.3).
    expect(seen.map((s) => `${s.path.includes('/totp') ? 'code' : 'password'} ${s.ip}`).filter((x, i, all) => all.indexOf(x) === i)).toEqual(['password 203.0.113.2', 'code 192.0.2.3'])
    for (const u of users) expect(seen.some((s) => s.ip === userIp(u.index) || (s.cookie && u.jar.header()?.includes(s.cookie)))).toBe(false)
    expect(stats.attacks).toMatchObject({ started: 1, inFlight: 0, stuffing: 6, stuffingLimited: 0, stuffingRisk: 0, bruteForce: 1, bruteForceLocked: 1 })
    expect(fake.users.get(users[1].email)!.lockedUntil).toBeGreaterThan(Date.now())
    expect(stats.requests.unexpected).toBe(0)
    expect(stats.outcomes.authenticated + stats.outcomes.failed).toBe(0) // attacks are not users' outcomes
  })

  it('the per-address limit trips: 429s count as blocked by limits', async () => {
    await fake.close()
    await start({ passwordLimitPerIp: 4 })
    const users = await makeUsers(2)
    await runAttack(deps, attack({ burst: 10 }), users)
    expect(stats.attacks).toMatchObject({ stuffing: 10, stuffingLimited: 6, bruteForce: 0 })
    expect(stats.requests.unexpected).toBe(0)
  })

  it('a hit on an SMS-only user is refused by the risk policy (403): blocked by risk', async () => {
    const signal = new AbortController().signal
    const devices = new DeviceReader(fake.url, stats.devices)
    const users = await createUsers(
      { client: deps.client, stats, seed: 1, rand: () => 0.5, concurrency: 1, signal, sleep: noSleep, log: () => {}, devices, factorRand: () => 0, shares: { sms: 1, voice: 0 } },
      1,
    )
    expect(users[0].oob?.channel).toBe('sms')
    expect(short(await calls(() => runAttack(deps, attack({ burst: 1, hitAt: 0 }), users)))).toEqual(['login 403'])
    expect(stats.attacks).toMatchObject({ stuffing: 1, stuffingRisk: 1, bruteForce: 0 })
    expect(stats.requests.unexpected).toBe(0)
  })

  it('recovery abuse: a sign-up probe of a real address (202, its owner gets a notice), admin-recovery requests (202), then recovery-code guesses on a stolen-password flow until 423', async () => {
    const users = await makeUsers(2)
    const seen = await calls(() => runAttack(deps, attack({ kind: 'recovery_abuse', ip: '203.0.113.3', victim: 0 }), users))
    expect(short(seen)).toEqual(['signup 202', 'recovery/requests 202', 'recovery/requests 202', 'login 200', ...Array(4).fill('login/recovery-code 401'), 'login/recovery-code 423'])
    expect(seen.every((s) => inAttackerNet(s.ip ?? ''))).toBe(true)
    expect(stats.attacks).toMatchObject({ started: 1, recoveryAbuse: 1, stuffing: 0 })
    expect(stats.requests.unexpected).toBe(0)
    // The probe made no account; the probed user's mailbox got the notice.
    expect(fake.users.size).toBe(2)
    const mailbox = async (email: string) => ((await (await fetch(`${fake.url}/devices/mailbox/${encodeURIComponent(email)}/messages`)).json()) as { messages: { text: string }[] }).messages
    const notices = (await Promise.all(users.map((u) => mailbox(u.email)))).flat().filter((m) => m.text.startsWith('Someone tried to create'))
    expect(notices).toHaveLength(1)
  })
})

describe('lost devices', () => {
  it('codes are created after the first login; a lost phone signs in with one, replaces the set, spends no TOTP step', async () => {
    const [u] = await makeUsers(1)
    u.recovery = { wanted: true, codes: [] }
    expect(short(await calls(() => runAttempt(deps, u, plan())))).toEqual(['login 200', 'login/totp 200', 'recovery-codes 200'])
    expect(u.recovery.codes).toHaveLength(10)
    expect(stats.recovery.created).toBe(1)
    const first = u.recovery.codes[0]
    const step = u.lastStep
    let outcome
    expect(short(await calls(async () => (outcome = await runAttempt(deps, u, plan({ kind: 'lost_device', logout: true })))))).toEqual([
      'login 200', 'login/recovery-code 200', 'recovery-codes 200', 'logout 200',
    ])
    expect(outcome).toBe('authenticated')
    expect(u.lastStep).toBe(step)
    expect(u.recovery.codes).toHaveLength(10)
    expect(u.recovery.codes).not.toContain(first)
    expect(fake.users.get(u.email)!.recovery).toEqual(u.recovery.codes)
    expect(stats.recovery).toEqual({ created: 1, recovered: 1, regenerated: 1 })
    expect(stats.requests.unexpected).toBe(0)
  })

  it('no new codes for a user who does not want them, or who holds some already', async () => {
    const [u, v] = await makeUsers(2)
    u.recovery = { wanted: false, codes: [] }
    v.recovery = { wanted: true, codes: ['aaaaa-aaaaa'] }
    for (const x of [u, v]) expect(short(await calls(() => runAttempt(deps, x, plan())))).toEqual(['login 200', 'login/totp 200'])
    expect(stats.recovery.created).toBe(0)
  })
})
