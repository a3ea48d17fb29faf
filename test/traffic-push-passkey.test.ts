import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { seededRand } from '../reference-idp/simulator/random'
import type { Options } from '../reference-idp/traffic/args'
import { attackerNetwork } from '../reference-idp/traffic/attack-plan'
import { CookieJar, IdpClient, USER_NETWORKS } from '../reference-idp/traffic/client'
import { DeviceReader } from '../reference-idp/traffic/device'
import { runAttempt } from '../reference-idp/traffic/flows'
import { Phones } from '../reference-idp/traffic/push-phone'
import { runTraffic } from '../reference-idp/traffic/run'
import { createUsers } from '../reference-idp/traffic/setup'
import { newRunStats } from '../reference-idp/traffic/summary'
import { capture } from './support/idp-client'
import { eventually } from './support/processes'

/**
 * The traffic generator against the real reference IdP, which sends pushes through its vendor
 * adapters to the real provider simulator: passkey users sign in (mostly without the password),
 * push users approve their own pushes with the number shown, and push bombers holding a push
 * user's password get their pushes denied (or reported) until the IdP pauses or locks push.
 * What happened is read off the IdP's own telemetry, not the generator's counters alone.
 */

let sim: Simulator
let idp: RunningIdp
const tel = capture()

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 17, timeScale: 0.05, baseline: 'clean' })
  idp = await startIdp(loadIdpConfig(simulatorIdpEnv(sim.url), { port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', demoHeaders: 'on' }), { telemetry: tel.t, log: () => {} })
})
afterAll(async () => {
  await idp?.close()
  await sim?.close()
})

const options = (over: Partial<Options>): Options => ({
  target: idp.url, users: 16, rate: 4, seed: 3, durationMs: null, count: 28, quiet: true, thinkScale: 0.02, maxInflight: 64, setupConcurrency: 8, oobHoldSeconds: 0, oobSpreadSeconds: 0,
  simulator: sim.url, smsShare: 0, voiceShare: 0, pushShare: 0.5, passkeyShare: 0.25, attackers: 0.15, lostDevice: 0, pushBombing: 1, ...over,
})

const count = (out: string, re: RegExp) => Number(re.exec(out)?.[1] ?? NaN)

describe('traffic generator: passkey and push users, push bombing (real IdP and simulator)', () => {
  it('passkeys sign in, pushes get approved by their owners, bombers get denied and locked out', async () => {
    let out = ''
    const err: string[] = []
    const t0 = Date.now()
    const code = await runTraffic(options({}), { out: (t) => (out += t), err: (l) => err.push(l), signal: new AbortController().signal })
    expect(code, out + err.join('\n')).toBe(0)
    expect(Date.now() - t0).toBeLessThan(60_000)
    expect(out).toMatch(/users +16 ready \(\d+ with TOTP, 8 with push \(and TOTP\), 4 with a passkey, \d+ password-only\), 0 failed setup/)

    const completed = tel.named('mfa.login.completed')
    const verified = tel.named('mfa.challenge.verified')
    // Passkeys: passwordless sign-ins succeeded at the IdP, as the generator counted them.
    const passwordless = completed.filter((e) => e['mfa.reason'] === 'passwordless' && e['mfa.outcome'] === 'success')
    expect(passwordless.length).toBeGreaterThan(0)
    expect(passwordless.length).toBe(count(out, /passkeys: (\d+) passwordless/))
    // Push users' own pushes were approved with the right number and finished their sign-ins.
    const approved = verified.filter((e) => e['mfa.factor'] === 'push' && e['mfa.outcome'] === 'success')
    expect(approved.length).toBeGreaterThan(0)
    expect(completed.filter((e) => e['mfa.factor'] === 'push' && e['mfa.outcome'] === 'success').length).toBe(count(out, /push: (\d+) approved/))
    // Push setup: every push phone was activated with its test push.
    expect(tel.named('mfa.enrollment.changed').filter((e) => e['mfa.factor'] === 'push' && e['mfa.reason'] === 'activated')).toHaveLength(8)

    // Bombing: attackers' pushes were denied or reported, never approved, and push got paused or locked.
    const bombPushes = count(out, /push bombing: \d+ attacks sent (\d+) pushes/)
    expect(bombPushes).toBeGreaterThan(0)
    expect(count(out, /pushes: \d+ denied, \d+ reported as fraud, \d+ unanswered, (\d+) approved/)).toBe(0)
    const rejected = verified.filter((e) => e['mfa.factor'] === 'push' && (e['mfa.reason'] === 'user_denied' || e['mfa.reason'] === 'fraud_reported'))
    expect(rejected.length).toBeGreaterThan(0)
    expect(rejected.length).toBe(count(out, /phones denied (\d+) unexpected/) + count(out, /reported (\d+) as fraud/))
    const lockouts = tel.named('mfa.lockout').filter((e) => e['mfa.factor'] === 'push')
    expect(lockouts.length).toBeGreaterThan(0)
    expect(new Set(lockouts.map((e) => e['mfa.reason'])).size).toBeGreaterThan(0)
    expect(count(out, /locked out (\d+)/)).toBeGreaterThan(0)

    // Where from (mfa.network): the users from their home /24s, the bombers from their own IPv6 /48.
    const started = tel.named('mfa.login.started')
    const networks = new Set(started.map((e) => e['mfa.network']))
    expect(networks).toContain(attackerNetwork('push_bombing'))
    expect([...networks].filter((n) => String(n).startsWith('100.64.')).length).toBe(USER_NETWORKS)
    expect(started.every((e) => e['mfa.network'] !== undefined)).toBe(true)

    expect(count(out, /unexpected responses (\d+)/)).toBe(0)
    expect(count(out, /outcomes +authenticated (\d+)/)).toBeGreaterThan(0)
    expect(count(out, /error (\d+)/)).toBe(0)
  }, 90_000)

  it('a push reported as fraud: push is locked, the user signs in with the app’s code, changes the password, and push is back', async () => {
    const stats = newRunStats()
    const client = new IdpClient(idp.url, stats.requests)
    const devices = new DeviceReader(sim.url, stats.devices)
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
    const signal = new AbortController().signal
    const [user] = await createUsers(
      { client, stats, seed: 41, rand: seededRand(41), concurrency: 1, signal, sleep, log: () => {}, devices, factorRand: seededRand(42), shares: { sms: 0, voice: 0, push: 1 } },
      1,
    )
    expect(user.push).toBeDefined()
    const phones = new Phones({ devices, client, stats, rand: () => 0, sleep, now: Date.now, thinkScale: 0 }) // this user reports every unexpected push
    // Somebody else has the password: their sign-in sends the user's phone a push it did not ask for.
    const attacker = { jar: new CookieJar(), country: 'RU', client: 'web', ip: '203.0.113.9' }
    const stolen = await client.post('/api/v1/login', { email: user.email, password: user.password }, attacker)
    expect(stolen.status === 200 && !('error' in stolen) && [stolen.body.next, stolen.body.delivery]).toEqual(['push', 'sent'])
    await eventually(async () => (await phones.check(user), stats.push.fraud === 1), 10_000, 100)
    expect(user.push!.fraudReported).toBe(true)
    expect(tel.named('mfa.lockout').filter((e) => e['mfa.reason'] === 'fraud_reported').length).toBeGreaterThan(0)

    // The user's own next sign-in: push is locked, the IdP asks for the app's code; then the password changes.
    const oldPassword = user.password
    const flow = { client, stats, rand: seededRand(5), sleep, now: Date.now, devices, phones }
    const plan = { kind: 'normal' as const, thinkMs: 0, retypeMs: 0, retryPassword: true, logout: false, pick: 0 }
    const outcome = await runAttempt(flow, user, plan)
    expect(outcome).toBe('authenticated')
    expect(stats.push).toMatchObject({ totpInstead: 1, passwordChanged: 1 })
    expect(user.password).not.toBe(oldPassword)
    expect(user.leaked).toBe(oldPassword)
    expect(tel.named('mfa.lockout').some((e) => e['mfa.reason'] === 'unlocked' && e['mfa.factor'] === 'push')).toBe(true)
    // The attacker's copy no longer works; the user's push is back.
    expect((await client.post('/api/v1/login', { email: user.email, password: oldPassword }, attacker)).status).toBe(401)
    user.push!.lastLoginAt = null
    const again = await client.post('/api/v1/login', { email: user.email, password: user.password }, { jar: user.jar, country: user.profile.country, client: user.profile.client })
    expect(again.status === 200 && !('error' in again) && again.body.next).toBe('push')
    expect(stats.requests.unexpected).toBe(0)
    await phones.stop()
  }, 60_000)
})
