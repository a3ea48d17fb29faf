import { ENROLL_CODE_WAIT_MS } from './setup'
import { afterEach, describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { IdpClient } from './client'
import { DeviceReader } from './device'
import { startFakeIdp, type FakeIdp, type FakeIdpOptions } from './fake-idp'
import { runAttempt, type FlowDeps } from './flows'
import { phoneFor } from './oob'
import type { AttemptPlan, ScenarioKind } from './plan'
import { createUsers } from './setup'
import { newRunStats, type RunStats } from './summary'
import type { SimUser } from './users'

/**
 * SMS / voice users against the fake IdP and its fake device API, on a virtual clock shared
 * by the generator and the fake (sleeping advances it), so 45-s waits take no time.
 */

let fake: FakeIdp
let stats: RunStats
let deps: FlowDeps
let clock = 0
let slept = 0
const now = () => clock
const sleep = async (ms: number) => {
  clock += Math.max(0, ms)
  slept += Math.max(0, ms)
}

async function start(oob: FakeIdpOptions['oob'] = {}) {
  clock = Date.now()
  slept = 0
  fake = await startFakeIdp({ oob: { now, ...oob } })
  stats = newRunStats()
  deps = { client: new IdpClient(fake.url, stats.requests), stats, rand: seededRand(1), sleep, now, devices: new DeviceReader(fake.url, stats.devices) }
}
afterEach(() => fake?.close())

const log: string[] = []
async function makeUsers(n: number, channel: 'sms' | 'voice'): Promise<SimUser[]> {
  const signal = new AbortController().signal
  return createUsers({
    client: deps.client, stats, seed: 3, rand: () => 0.5, concurrency: 1, signal, sleep, log: (l) => log.push(l),
    devices: deps.devices, factorRand: () => 0, shares: channel === 'sms' ? { sms: 1, voice: 0 } : { sms: 0, voice: 1 }, now,
  }, n)
}

const plan = (kind: ScenarioKind, over: Partial<AttemptPlan> = {}): AttemptPlan => ({ kind, thinkMs: 0, retypeMs: 0, retryPassword: true, logout: false, pick: 0, ...over })

/** IdP calls answered during `fn`, as "path status" (device reads left out). */
async function calls(fn: () => Promise<unknown>): Promise<string[]> {
  const before = fake.seen.length
  await fn()
  return fake.seen.slice(before).filter((s) => !s.path.startsWith('/devices/')).map((s) => `${s.path.replace('/api/v1/', '')} ${s.status}`)
}

describe('setup of SMS / voice users', () => {
  it('enrolls a generated phone number and activates it with the code from the phone', async () => {
    await start()
    const [u] = await makeUsers(1, 'sms')
    expect(u.profile.second).toBe('sms')
    expect(u.key).toBeNull()
    expect(u.oob).toMatchObject({ channel: 'sms', address: phoneFor(3, 0), lastLoginAt: null })
    expect(u.oob!.sends).toHaveLength(1)
    expect(u.oob!.used.size).toBe(1)
    expect([...fake.oob.factors.values()]).toMatchObject([{ channel: 'sms', address: phoneFor(3, 0), active: true }])
    expect(stats.users).toMatchObject({ ready: 1, sms: 1, totp: 0 })
    expect(stats.devices.reads).toBeGreaterThan(0)
  })

  it('voice users get a phone number too; every user first types the sign-up code from its mailbox', async () => {
    await start({ deliveryDelayMs: 3_000 })
    const [u] = await makeUsers(1, 'voice')
    expect(u.oob).toMatchObject({ channel: 'voice', address: phoneFor(3, 0) })
    expect(slept).toBeGreaterThanOrEqual(2 * 3_000) // polled until the sign-up mail, then the call, arrived
    expect(stats.users).toMatchObject({ ready: 1, voice: 1 })
    expect(fake.seen.filter((s) => s.path.startsWith('/api/v1/signup')).map((s) => `${s.path} ${s.status}`)).toEqual(['/api/v1/signup 202', '/api/v1/signup/verify 201'])
  })

  it('sign-up mails never arrive: after two such users the rest fail at once, naming IDP_PROVIDER_URL', async () => {
    await start()
    const quiet = { ...deps.devices!, read: async () => [] } as unknown as DeviceReader // an empty mailbox, always
    log.length = 0
    const users = await createUsers({
      client: deps.client, stats, seed: 3, rand: () => 0.5, concurrency: 1, signal: new AbortController().signal, sleep, log: (l) => log.push(l),
      devices: quiet, factorRand: () => 0, shares: { sms: 0, voice: 0 }, now,
    }, 5)
    expect(users).toEqual([])
    expect(stats.users).toMatchObject({ ready: 0, failed: 5 })
    expect(slept).toBeLessThan(2 * 2 * 25_000 + 10_000) // two users waited twice, the others not at all
    expect(log.filter((l) => /no sign-up code reached the simulator's mailbox.*IDP_PROVIDER_URL/.test(l))).toHaveLength(1)
  })

  it('a lost enrollment code: waits ENROLL_CODE_WAIT_MS, enrolls again; lost twice: a setup failure naming IDP_PROVIDER_URL', async () => {
    await start()
    fake.oob.faults.lose = 1
    const [u] = await makeUsers(1, 'sms')
    expect(u.oob!.sends).toHaveLength(2)
    expect(slept).toBeGreaterThanOrEqual(ENROLL_CODE_WAIT_MS)
    fake.oob.faults.lose = 2
    log.length = 0
    clock += 60_000 // the next run's user gets the same number (same seed, index 0)
    expect(await makeUsers(1, 'sms')).toEqual([])
    expect(log.join('\n')).toMatch(/no SMS enrollment code reached the simulator's device within 25 s \(2 tries\).*IDP_PROVIDER_URL/)
    expect(log.join('\n')).not.toContain('+49151')
  })

  it('the first code arrives late, after the second enrollment: its wrong code is passed over for the next one', async () => {
    await start()
    // The first code lands a second after the user enrolled again, before the second code (3 s).
    fake.oob.faults.lateMs.push(ENROLL_CODE_WAIT_MS + 1_000, 3_000)
    const [u] = await makeUsers(1, 'sms')
    expect(u?.oob?.sends).toHaveLength(2)
    expect([...fake.oob.factors.values()].filter((f) => f.active)).toHaveLength(1)
    expect(stats.users).toMatchObject({ ready: 1, failed: 0 })
  })

  it('codes never reach the devices (IdP not sending through the simulator): after two such users the rest fail at once, TOTP users still come', async () => {
    await start()
    fake.oob.faults.lose = 1_000
    log.length = 0
    const signal = new AbortController().signal
    const users = await createUsers({
      client: deps.client, stats, seed: 3, rand: () => 0.5, concurrency: 1, signal, sleep, log: (l) => log.push(l),
      devices: deps.devices, factorRand: seededRand(1), shares: { sms: 0.5, voice: 0 }, now,
    }, 8)
    expect(users.map((u) => u.profile.second)).toEqual(['totp', 'totp', 'totp', 'totp'])
    expect(stats.users).toMatchObject({ ready: 4, failed: 4, sms: 0 })
    expect(slept).toBeLessThan(2 * 2 * 60_000 + 10_000) // two users waited 2 × 60 s each, the others not at all
    expect(log.filter((l) => l.includes('IDP_PROVIDER_URL'))).toHaveLength(1)
  })

  it('ignores an old message on the phone (an earlier run with the same seed)', async () => {
    await start()
    fake.oob.plant('sms', phoneFor(3, 0), '000000', clock - 10 * 60_000)
    const [u] = await makeUsers(1, 'sms')
    expect(u.oob).not.toBeNull()
  })
})

describe('SMS / voice logins', () => {
  it('normal: password, think, read the phone, type the code', async () => {
    await start()
    const [u] = await makeUsers(1, 'sms')
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal', { thinkMs: 4_000 }))).toBe('authenticated'))).toEqual(['login 200', 'login/code 200'])
    expect(u.oob!.sends).toHaveLength(2)
    expect(u.oob!.used.size).toBe(2)
    expect(slept).toBeGreaterThanOrEqual(4_000)
  })

  it('a mistyped code, then the right one; voice users alike', async () => {
    await start()
    const [u] = await makeUsers(1, 'voice')
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('totp_typo'))).toBe('authenticated'))).toEqual(['login 200', 'login/code 401', 'login/code 200'])
  })

  it('abandon and brute force need no device', async () => {
    await start()
    const [u, v] = await makeUsers(2, 'sms')
    const reads = stats.devices.reads
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('abandon'))).toBe('abandoned'))).toEqual(['login 200'])
    expect(await calls(async () => expect(await runAttempt(deps, v, plan('brute_force'))).toBe('locked'))).toEqual([
      'login 200', ...Array(4).fill('login/code 401'), 'login/code 423', 'login/code 423',
    ])
    expect(stats.devices.reads).toBe(reads)
    expect(v.notBefore).toBeGreaterThan(clock)
  })

  it('the code never arrives: after 45 s one resend, and its code is used', async () => {
    await start()
    const [u] = await makeUsers(1, 'sms')
    fake.oob.faults.lose = 1
    const t0 = clock
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal'))).toBe('authenticated'))).toEqual(['login 200', 'login/send 200', 'login/code 200'])
    expect(clock - t0).toBeGreaterThanOrEqual(45_000)
    expect(clock - t0).toBeLessThan(47_000)
  })

  it("delivery 'failed' at login: resend at once", async () => {
    await start()
    const [u] = await makeUsers(1, 'sms')
    fake.oob.faults.fail = 1
    const t0 = clock
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal'))).toBe('authenticated'))).toEqual(['login 200', 'login/send 200', 'login/code 200'])
    expect(clock - t0).toBeLessThan(1_000)
  })

  it('the resend is refused by the cooldown: waits out Retry-After, then sends', async () => {
    await start({ cooldownMs: 30_000 })
    const [u] = await makeUsers(1, 'sms') // the enrollment code starts the cooldown
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal'))).toBe('authenticated'))).toEqual(['login 200', 'login/send 429', 'login/send 200', 'login/code 200'])
    expect(slept).toBeGreaterThanOrEqual(30_000)
  })

  it('lost twice, or no vendor can send: failed_delivery', async () => {
    await start()
    const [u, v] = await makeUsers(2, 'sms')
    fake.oob.faults.lose = 2
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal'))).toBe('failed_delivery'))).toEqual(['login 200', 'login/send 200'])
    fake.oob.faults.fail = 2
    expect(await calls(async () => expect(await runAttempt(deps, v, plan('normal'))).toBe('failed_delivery'))).toEqual(['login 200', 'login/send 502'])
    expect(stats.requests.unexpected).toBe(0)
  })

  it('a password typo works as for TOTP users', async () => {
    await start()
    const [u] = await makeUsers(1, 'sms')
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('password_typo'))).toBe('authenticated'))).toEqual(['login 401', 'login 200', 'login/code 200'])
  })
})
