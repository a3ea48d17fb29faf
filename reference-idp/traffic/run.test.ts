import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { networkOf } from '../login/network'
import type { Options } from './args'
import { inAttackerNet } from './attack-plan'
import { USER_NETWORKS } from './client'
import { FAKE_SERVICE_AUTH, startFakeIdp, type FakeIdp } from './fake-idp'
import { runTraffic } from './run'
import { manualClock, type Clock } from '../../contract/clock'

let fake: FakeIdp | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const options = (target: string, over: Partial<Options> = {}): Options => ({
  target, users: 15, rate: 40, seed: 7, durationMs: null, count: 20, quiet: false, thinkScale: 0, maxInflight: 64, setupConcurrency: 4, oobHoldSeconds: 35, oobSpreadSeconds: 0,
  simulator: target, smsShare: 0, voiceShare: 0, // the fake serves the mailboxes (sign-up codes); phone users only where a test asks
  pushShare: 0, passkeyShare: 0, attackers: 0, lostDevice: 0, pushBombing: 0, ...over,
})

async function run(opts: Options, signal = new AbortController().signal, connectTimeoutMs?: number, oobHoldMaxMs?: number, clock?: Clock) {
  let out = ''
  const err: string[] = []
  const code = await runTraffic(opts, { out: (t) => (out += t), err: (l) => err.push(l), signal, connectTimeoutMs, oobHoldMaxMs, serviceAuth: FAKE_SERVICE_AUTH, clock })
  return { code, out, err }
}

const field = (out: string, label: string, name: string) => Number(new RegExp(`${label}\\b.*?\\b${name} (\\d+)`).exec(out)?.[1])

describe('runTraffic against a fake IdP', () => {
  it('creates the users, runs --count attempts, prints a summary and exits 0 without leaking secrets', async () => {
    fake = await startFakeIdp()
    const { code, out, err } = await run(options(fake.url))
    expect(code).toBe(0)
    expect(out).toMatch(/^traffic summary: seed 7/)
    expect(out).toContain('15 ready')
    expect(out).toMatch(/attempts +20 started/)
    const outcomes = ['authenticated', 'failed', 'failed_delivery', 'abandoned', 'locked', 'expired', 'rate_limited', 'error', 'unfinished'].map((o) => field(out, 'outcomes', o))
    expect(outcomes.reduce((s, n) => s + n, 0)).toBe(20)
    expect(field(out, 'outcomes', 'error')).toBe(0)
    expect(out).toMatch(/latency +p50 \d+ ms, p95 \d+ ms/)
    expect(err.some((l) => l.startsWith('traffic: setup done'))).toBe(true)
    const printed = out + err.join('\n')
    for (const [email, u] of fake.users) {
      expect(printed).not.toContain(email)
      expect(printed).not.toContain(u.password)
    }
    expect(printed).not.toMatch(/secret=|otpauth:/)
    // Never two flows of one user at once, and the users' countries and groups are mixed.
    expect(new Set(fake.seen.map((s) => s.country)).size).toBeGreaterThan(1)
    expect(new Set([...fake.users.values()].map((u) => u.group)).size).toBeGreaterThan(1)
  })

  it('with --simulator: SMS and voice users are set up from the device API; without it nobody can sign up', async () => {
    fake = await startFakeIdp()
    const withSim = await run(options(fake.url, { simulator: fake.url, smsShare: 0.4, voiceShare: 0.2, users: 10, count: 6 }), undefined, undefined, 0)
    expect(withSim.code).toBe(0)
    expect(withSim.out).toMatch(/users +10 ready \(\d+ with TOTP, 4 with SMS, 2 with voice, \d+ password-only\), 0 failed setup/)
    expect(withSim.err.some((l) => l.includes("waiting 0 s") || l.includes('resend cooldown'))).toBe(false)
    expect(withSim.out).toMatch(/devices +\d+ reads of simulated phones and mailboxes, 0 failed/)
    expect(field(withSim.out, 'outcomes', 'error')).toBe(0)
    const printed = withSim.out + withSim.err.join('\n')
    expect(printed).not.toMatch(/\+49151|@example\.test/)
    const without = await run(options(fake.url, { simulator: null, users: 4, count: 3 }))
    expect([without.code, without.out]).toEqual([2, ''])
    expect(without.err).toEqual([expect.stringMatching(/^traffic: --simulator URL is needed: the IdP mails a code to every new address/)])
  })

  it('--attackers and --lost-device: attacks from the attackers\' networks and recoveries get their own lines, nothing unexpected', async () => {
    fake = await startFakeIdp()
    const { code, out, err } = await run(options(fake.url, { users: 20, count: 60, rate: 60, attackers: 0.3, lostDevice: 0.5 }))
    expect(code).toBe(0)
    const attacks = /attacks: stuffing (\d+) \(blocked \d+ by limits, \d+ by risk\), brute force \d+ \(locked \d+\), recovery abuse (\d+)/.exec(out)
    expect(Number(attacks?.[1]) + Number(attacks?.[2])).toBeGreaterThan(0)
    expect(out).toMatch(/lost devices: \d+ recovered with a code, \d+ regenerated \([1-9]\d* users created recovery codes\)/)
    expect(field(out, 'errors', 'unexpected responses')).toBe(0)
    // Attacks count towards --count but are not users' outcomes.
    const started = Number(/attempts +(\d+) started/.exec(out)?.[1])
    expect(started).toBeLessThan(60)
    const outcomes = ['authenticated', 'failed', 'failed_delivery', 'abandoned', 'locked', 'expired', 'rate_limited', 'error', 'unfinished'].map((o) => field(out, 'outcomes', o))
    expect(outcomes.reduce((a, n) => a + n, 0)).toBe(started)
    expect(err.join('\n')).not.toContain('@example')
    const attackerCalls = fake.seen.filter((s) => inAttackerNet(s.ip ?? ''))
    expect(attackerCalls.length).toBeGreaterThan(0)
    const userCalls = fake.seen.filter((x) => x.ip && !inAttackerNet(x.ip))
    for (const s of userCalls) expect(s.ip).toMatch(/^100\./)
    expect(new Set(userCalls.map((s) => networkOf(s.ip)))).toHaveProperty('size', USER_NETWORKS) // 20 users over the home networks
  })

  it('an unreachable simulator: exit 1 with a clear line', async () => {
    fake = await startFakeIdp()
    const { code, err } = await run(options(fake.url, { simulator: 'http://127.0.0.1:1' }), undefined, 1_500)
    expect(code).toBe(1)
    expect(err.at(-1)).toMatch(/^traffic: the simulator at http:\/\/127\.0\.0\.1:1 is unreachable after 2 s/)
  })

  it('--quiet prints only the summary', async () => {
    fake = await startFakeIdp()
    const { code, out, err } = await run(options(fake.url, { quiet: true, users: 4, count: 3 }))
    expect(code).toBe(0)
    expect(err).toEqual([])
    expect(out).toContain('3 started')
  })

  it('a stop signal ends a forever run: no new attempts, summary, exit 0', async () => {
    fake = await startFakeIdp()
    const stop = new AbortController()
    // The generator's time moves only here: 1.5 s of load at 5/s (an attempt due every 200 ms), then the stop.
    const clock = manualClock(Date.now())
    let finished = false
    const running = run(options(fake.url, { count: null, durationMs: null, rate: 5, thinkScale: 0.5 }), stop.signal, undefined, undefined, clock).finally(() => void (finished = true))
    const idle = () => new Promise((r) => setTimeout(r, 5)) // real I/O with the fake IdP goes on meanwhile
    let loadFrom: number | undefined
    while (!finished) {
      // Setup waits on real I/O only; the load sleeps on the clock until its next attempt is due.
      if (clock.sleepers() === 0) {
        await idle()
        continue
      }
      loadFrom ??= clock.now()
      if (!stop.signal.aborted && clock.now() - loadFrom >= 1_500) stop.abort()
      await clock.advance(100)
      await idle()
    }
    const { code, out } = await running
    expect(code).toBe(0)
    // In-flight attempts had at most the 5-s grace after the stop, on the generator's clock.
    expect(clock.now() - loadFrom!).toBeLessThanOrEqual(1_500 + 5_000 + 100)
    expect(out).toContain('traffic summary')
    const started = Number(/attempts +(\d+) started/.exec(out)?.[1])
    expect(started).toBeGreaterThan(3)
    expect(started).toBeLessThan(15)
  })

  it('an unreachable IdP: exit 1 with a clear line', async () => {
    const spare = createServer()
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(spare.address() as AddressInfo).port}`
    await new Promise<void>((r) => spare.close(() => r()))
    const { code, out, err } = await run(options(url), undefined, 1_500)
    expect(code).toBe(1)
    expect(out).toBe('')
    expect(err.at(-1)).toMatch(/^traffic: the IdP at http:\/\/127\.0\.0\.1:\d+ is unreachable after 2 s \(ECONNREFUSED\)$/)
  })

  it('a broken IdP (every call 500): exit 1', async () => {
    fake = await startFakeIdp({ failWith: 500 })
    const { code, err } = await run(options(fake.url, { users: 4 }))
    expect(code).toBe(1)
    expect(err.join('\n')).toContain('no simulated user could be created')
    expect(err.filter((l) => l.includes('sign-up failed: HTTP 500'))).toHaveLength(1) // each reason once
  })
})
