import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { formatSummary, idpBroken, LatencySample, newRunStats, percentile, progressLine, recordRequest } from './summary'

describe('percentile (nearest rank)', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1)
  it.each([
    [0.5, 50],
    [0.95, 95],
    [0.99, 99],
    [1, 100],
    [0, 1],
  ])('q=%d → %d', (q, v) => {
    expect(percentile(xs, q)).toBe(v)
  })

  it('small and empty inputs', () => {
    expect(percentile([7], 0.95)).toBe(7)
    expect(percentile([1, 2], 0.5)).toBe(1)
    expect(percentile([1, 2], 0.95)).toBe(2)
    expect(percentile([], 0.5)).toBeNaN()
  })
})

describe('LatencySample', () => {
  it('is exact under capacity and keeps count and max beyond it', () => {
    const s = new LatencySample(1_000, seededRand(1))
    for (let i = 1; i <= 1_000; i++) s.add(i)
    expect(s.quantiles(0.5, 0.95)).toEqual([500, 950])
    for (let i = 1; i <= 9_000; i++) s.add(1_000 + i)
    expect(s.count).toBe(10_000)
    expect(s.max).toBe(10_000)
    const [p50] = s.quantiles(0.5)
    expect(p50).toBeGreaterThan(4_000)
    expect(p50).toBeLessThan(6_000)
  })
})

describe('run stats', () => {
  const sample = () => {
    const s = newRunStats()
    s.users = { ready: 12, totp: 11, sms: 0, voice: 0, push: 0, passkey: 0, passwordOnly: 1, failed: 0 }
    s.loadStartedAt = 1_000
    s.started = 40
    s.skipped = 3
    s.inFlight = 2
    s.outcomes.authenticated = 33
    s.outcomes.abandoned = 2
    s.kinds.normal = 35
    s.kinds.abandon = 2
    for (let i = 0; i < 90; i++) recordRequest(s.requests, '/api/v1/login', 200, 10 + i)
    for (let i = 0; i < 10; i++) recordRequest(s.requests, '/api/v1/login/totp', 401, 5)
    recordRequest(s.requests, '/api/v1/login', 0, 10_000)
    return s
  }

  it('progress line has elapsed, counts, in-flight and achieved rate', () => {
    expect(progressLine(sample(), 9_000)).toBe(
      'traffic: 8s started 40 authenticated 33 failed 0 abandoned 2 locked 0 errors 0 in-flight 2 rate 5.0/s skipped 3 attacks 0',
    )
  })

  it('summary lists outcomes, statuses, errors and percentiles', () => {
    const text = formatSummary(sample(), { seed: 7, target: 'http://127.0.0.1:18080', maxInflight: 64, elapsedMs: 8_000 })
    expect(text).toContain('traffic summary: seed 7, target http://127.0.0.1:18080, load phase 8s')
    expect(text).toContain('12 ready (11 with TOTP, 1 password-only)')
    expect(text).toContain('40 started (5.0/s), 0 shed at the in-flight cap of 64, 3 skipped')
    expect(text).toContain('authenticated 33, failed 0, failed_delivery 0, abandoned 2')
    expect(text).not.toContain('with SMS')
    expect(text).not.toMatch(/^ +devices/m)
    expect(text).toContain('101 IdP calls: 200×90, 401×10')
    expect(text).toContain('HTTP errors 1 (transport 1, 5xx 0)')
    expect(text).toMatch(/p50 \d+ ms, p95 \d+ ms/)
    expect(text).toMatch(/\/api\/v1\/login\s+p50 54 ms, p95 95 ms \(90\)/)
  })

  it('SMS / voice users, failed deliveries and device reads show once there are any', () => {
    const s = sample()
    s.users = { ready: 12, totp: 6, sms: 3, voice: 2, push: 0, passkey: 0, passwordOnly: 1, failed: 0 }
    s.outcomes.failed_delivery = 4
    s.devices = { reads: 57, errors: 1 }
    const text = formatSummary(s, { seed: 7, target: 'http://x', maxInflight: 64, elapsedMs: 8_000 })
    expect(text).toContain('12 ready (6 with TOTP, 3 with SMS, 2 with voice, 1 password-only), 0 failed setup')
    expect(text).toContain('3 skipped (no user free with an unused TOTP step, or SMS/voice users paced to a login per 6 min)')
    expect(text).toContain('failed_delivery 4')
    s.byFactor.sms = { started: 5, authenticated: 4 }
    expect(formatSummary(s, { seed: 7, target: 'http://x', maxInflight: 64, elapsedMs: 8_000 })).toContain(
      'by factor   TOTP 0/0, SMS 4/5, voice 0/0, password-only 0/0 (authenticated/started)',
    )
    expect(text).toContain('devices     57 reads of simulated phones and mailboxes, 1 failed')
    expect(progressLine(s, 9_000)).toContain('failed-delivery 4')
  })

  it('attacks and lost devices have lines of their own; attacks end the progress line', () => {
    const s = sample()
    Object.assign(s.attacks, { started: 9, stuffing: 70, stuffingLimited: 12, stuffingRisk: 1, bruteForce: 2, bruteForceLocked: 2, recoveryAbuse: 3 })
    s.recovery = { created: 11, recovered: 4, regenerated: 3 }
    const text = formatSummary(s, { seed: 7, target: 'http://x', maxInflight: 64, elapsedMs: 8_000 })
    expect(text).toContain('\n  attacks: stuffing 70 (blocked 12 by limits, 1 by risk), brute force 2 (locked 2), recovery abuse 3\n')
    expect(text).toContain('\n  lost devices: 4 recovered with a code, 3 regenerated (11 users created recovery codes)\n')
    expect(progressLine(s, 9_000)).toMatch(/ skipped 3 attacks 9$/)
  })

  it('passkey, push and push-bombing lines show once there are such users', () => {
    const s = sample()
    expect(formatSummary(s, { seed: 7, target: 'http://x', maxInflight: 64, elapsedMs: 8_000 })).not.toMatch(/passkey|push/)
    s.users = { ready: 12, totp: 4, sms: 0, voice: 0, push: 4, passkey: 3, passwordOnly: 1, failed: 0 }
    s.byFactor.push = { started: 6, authenticated: 5 }
    s.byFactor.passkey = { started: 9, authenticated: 9 }
    s.passkey = { passwordless: 7, afterPassword: 2 }
    Object.assign(s.push, { approved: 4, typos: 1, unanswered: 1, totpInstead: 2, denied: 5, fraud: 2 })
    Object.assign(s.attacks, { started: 3, pushBombing: 2, bombPushes: 7, bombDenied: 5, bombFraud: 2, bombLocked: 2, bombLimited: 1 })
    const text = formatSummary(s, { seed: 7, target: 'http://x', maxInflight: 64, elapsedMs: 8_000 })
    expect(text).toContain('12 ready (4 with TOTP, 4 with push (and TOTP), 3 with a passkey, 1 password-only)')
    expect(text).toContain('or push users paced to a login per 15 min)')
    expect(text).toContain('by factor   TOTP 0/0, SMS 0/0, voice 0/0, push 5/6, passkey 9/9, password-only 0/0 (authenticated/started)')
    expect(text).toContain('\n  passkeys: 7 passwordless logins, 2 after the password\n')
    expect(text).toContain(
      '\n  push: 4 approved (1 after a mistyped number), 1 never answered, 2 finished with TOTP instead (push locked, paused or not delivered); phones denied 5 unexpected pushes and reported 2 as fraud\n',
    )
    expect(text).toContain('\n  push bombing: 2 attacks sent 7 pushes: 5 denied, 2 reported as fraud, 0 unanswered, 0 approved; attackers rate-limited 1, locked out 2')
    expect(progressLine(s, 9_000)).toMatch(/ skipped 3 passkey 9\/9 push 5\/6 attacks 3 bombing-pushes 7 denied 5 fraud 2$/)
  })

  it('the IdP is broken when more than half the calls are transport errors or 5xx', () => {
    const s = newRunStats()
    expect(idpBroken(s.requests)).toBe(false)
    recordRequest(s.requests, '/x', 500, 1)
    recordRequest(s.requests, '/x', 0, 1)
    recordRequest(s.requests, '/x', 200, 1)
    expect(idpBroken(s.requests)).toBe(true)
    recordRequest(s.requests, '/x', 401, 1)
    expect(idpBroken(s.requests)).toBe(false)
    recordRequest(s.requests, '/x', 503, 1)
    expect(s.requests.rateLimited).toBe(1)
    expect(idpBroken(s.requests)).toBe(false)
  })
})
