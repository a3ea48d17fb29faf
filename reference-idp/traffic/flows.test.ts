import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { IdpClient, USER_AGENT } from './client'
import { DeviceReader } from './device'
import { FAKE_SERVICE_AUTH, startFakeIdp, type FakeIdp } from './fake-idp'
import { runAttempt, type FlowDeps } from './flows'
import type { AttemptPlan, ScenarioKind } from './plan'
import { createUsers } from './setup'
import { newRunStats, type RunStats } from './summary'
import type { SimUser } from './users'

let fake: FakeIdp
let stats: RunStats
let deps: FlowDeps
const noSleep = async () => {}

beforeEach(async () => {
  fake = await startFakeIdp()
  stats = newRunStats()
  deps = { client: new IdpClient(fake.url, stats.requests), stats, rand: seededRand(1), sleep: noSleep, now: Date.now }
})
afterEach(() => fake.close())

/** Users made through the real setup code; profile draws of 0.5 give TOTP users, 0.01 password-only ones. */
async function makeUsers(n: number, totp = true): Promise<SimUser[]> {
  const signal = new AbortController().signal
  return createUsers({ client: deps.client, stats, seed: 1, rand: () => (totp ? 0.5 : 0.01), concurrency: 2, signal, sleep: noSleep, log: () => {}, devices: new DeviceReader(fake.url, stats.devices), serviceAuth: FAKE_SERVICE_AUTH }, n)
}

const plan = (kind: ScenarioKind, over: Partial<AttemptPlan> = {}): AttemptPlan => ({ kind, thinkMs: 0, retypeMs: 0, retryPassword: true, logout: false, pick: 0, ...over })

/** Statuses the fake answered during `fn`, as "path status". */
async function calls(fn: () => Promise<unknown>): Promise<string[]> {
  const before = fake.seen.length
  await fn()
  return fake.seen.slice(before).map((s) => `${s.path.replace('/api/v1/', '')} ${s.status}`)
}

describe('setup', () => {
  it('signs up, enrolls and activates TOTP; password-only users skip enrollment', async () => {
    const [a] = await makeUsers(1)
    expect(a.key).not.toBeNull()
    expect(a.lastStep).not.toBeNull()
    expect(fake.users.get(a.email)).toMatchObject({ active: true, group: 'workforce' })
    const [b] = await makeUsers(1, false)
    expect(b.key).toBeNull()
    expect(fake.users.get(b.email)).toMatchObject({ active: false })
    expect(a.email).toMatch(/^traffic-1-[0-9a-f]{8}-0@example\.test$/)
    expect(a.password.length).toBeGreaterThanOrEqual(8)
    for (const s of fake.seen.filter((x) => x.path.startsWith('/api/'))) expect(s).toMatchObject({ userAgent: USER_AGENT, country: expect.stringMatching(/^[A-Z]{2}$/) })
  })

  it('waits out a 429 at sign-up, then types the mailed code', async () => {
    await fake.close()
    fake = await startFakeIdp({ rateLimitFirst: 1 })
    deps.client = new IdpClient(fake.url, stats.requests)
    const t0 = Date.now()
    const signal = new AbortController().signal
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
    const users = await createUsers({ client: deps.client, stats, seed: 3, rand: () => 0.5, concurrency: 1, signal, sleep, log: () => {}, devices: new DeviceReader(fake.url, stats.devices) }, 2)
    expect(users).toHaveLength(2)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950) // Retry-After: 1
    expect(fake.seen.filter((s) => s.path === '/api/v1/signup/verify').map((s) => s.status)).toEqual([201, 201])
    expect(stats.requests.rateLimited).toBe(1)
  })
})

describe('login scenarios', () => {
  it('normal: password then code; back to back the user takes the next step', async () => {
    const [u] = await makeUsers(1)
    const last = u.lastStep!
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('normal'))).toBe('authenticated'))).toEqual(['login 200', 'login/totp 200'])
    expect(u.lastStep).toBe(last + 1)
    expect(u.jar.has('fw_session')).toBe(true)
  })

  it('logout at the end clears the session cookie', async () => {
    const [u] = await makeUsers(1)
    expect(await calls(() => runAttempt(deps, u, plan('normal', { logout: true })))).toEqual(['login 200', 'login/totp 200', 'logout 200'])
    expect(u.jar.has('fw_session')).toBe(false)
  })

  it('password typo: 401, then the right password; or gives up', async () => {
    const [u, v] = await makeUsers(2)
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('password_typo'))).toBe('authenticated'))).toEqual(['login 401', 'login 200', 'login/totp 200'])
    expect(await calls(async () => expect(await runAttempt(deps, v, plan('password_typo', { retryPassword: false }))).toBe('failed'))).toEqual(['login 401'])
  })

  it('TOTP typo: a wrong code, then the right one', async () => {
    const [u] = await makeUsers(1)
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('totp_typo'))).toBe('authenticated'))).toEqual(['login 200', 'login/totp 401', 'login/totp 200'])
  })

  it('abandon: never sends a code and uses no step', async () => {
    const [u] = await makeUsers(1)
    const last = u.lastStep
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('abandon'))).toBe('abandoned'))).toEqual(['login 200'])
    expect(u.lastStep).toBe(last)
  })

  it('brute force: six wrong codes, 401s then 423; the user is backed off and later refused', async () => {
    const [u] = await makeUsers(1)
    expect(await calls(async () => expect(await runAttempt(deps, u, plan('brute_force'))).toBe('locked'))).toEqual([
      'login 200', ...Array(4).fill('login/totp 401'), 'login/totp 423', 'login/totp 423',
    ])
    expect(u.notBefore).toBeGreaterThan(Date.now() + 800_000)
    expect(await runAttempt(deps, u, plan('normal'))).toBe('locked')
    expect(stats.requests.unexpected).toBe(0)
  })

  it('a password-only user does a plain login whatever the kind', async () => {
    const [u] = await makeUsers(1, false)
    for (const kind of ['normal', 'totp_typo', 'abandon', 'brute_force'] as const)
      expect(await calls(async () => expect(await runAttempt(deps, u, plan(kind))).toBe('authenticated'))).toEqual(['login 200'])
  })

  it('429 with Retry-After: counted as rate limited and the user backs off', async () => {
    const [u] = await makeUsers(1)
    fake.rateLimit(1)
    expect(await runAttempt(deps, u, plan('normal'))).toBe('rate_limited')
    expect(u.notBefore).toBeGreaterThan(Date.now() + 500)
    expect(u.notBefore).toBeLessThanOrEqual(Date.now() + 1_000)
  })

  it('an unreachable IdP is an error, not an exception', async () => {
    const [u] = await makeUsers(1)
    await fake.close()
    expect(await runAttempt(deps, u, plan('normal'))).toBe('error')
    fake = await startFakeIdp()
  })
})
