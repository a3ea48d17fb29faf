import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningIdp } from '../reference-idp/server'
import { testStores } from '../reference-idp/store/test-stores'
import { capture, client, startTestIdp, totpAccount } from './support/idp-client'
import { totpAt } from './support/totp'

const PASSWORD = 'correct horse battery'
let clock = Date.now()
const clk = { at: () => clock, advance: (ms: number) => void (clock += ms) }
const MIN = 60_000

/**
 * Guessing an account's password or second factor (NIST SP 800-63B 5.2.2): per-account
 * throttling that holds up unknown devices and not the owner's known ones, and a daily cap on
 * code guesses from unknown devices. The per-address limits are set high here so that what
 * answers is the per-account control, not them.
 */
describe.each(testStores(afterAll))('guessing a password or a code on %s', (store, open) => {
  let idp: RunningIdp
  let tel: ReturnType<typeof capture>
  let skip = false
  beforeAll(async () => {
    const t = await startTestIdp(open, () => new Date(clock), { rateLoginPerMinute: 100_000, rateCodePerMinute: 100_000, progressiveDelayMs: 0, sessionIdleSeconds: 0, stepUpMaxAgeSeconds: 86_400 })
    if (!t) return void (skip = true)
    ;({ idp, tel } = t)
  })
  afterAll(async () => idp?.close())

  const account = (name: string) => totpAccount(idp.url, `${name}-${store}@example.test`.toLowerCase(), 'workforce', clk, PASSWORD)
  /** A code that is not the current one (an hour ahead: outside the ±1 step window). */
  const wrongCode = (secret: string) => totpAt(secret, clock + 60 * MIN)
  /** `n` of the attacker's flows, 16 minutes apart (past each lock): the password, then five wrong codes (a flow's limit). */
  const rounds = async (attacker: ReturnType<typeof client>, email: string, secret: string, n: number) => {
    const statuses: number[] = []
    for (let round = 0; round < n; round++) {
      clk.advance(16 * MIN)
      const flow = await attacker.post('/api/v1/login', { email, password: PASSWORD })
      expect(flow.body).toMatchObject({ next: 'totp' })
      for (let i = 0; i < 5; i++) statuses.push((await attacker.post('/api/v1/login/totp', { flow_id: flow.body.flow_id, code: wrongCode(secret) })).status)
    }
    return statuses
  }
  const lockouts = (factor?: string) => tel.named('mfa.lockout').filter((e) => e['mfa.reason'] === 'too_many_failures' && e['mfa.factor'] === factor)

  it('after 145 wrong passwords from an unknown device the right one is throttled (429 + Retry-After) there, while the owner\'s known device signs in', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await account('pw-throttle')
    clk.advance(30_000)
    const attacker = client(idp.url)
    const statuses: number[] = []
    for (let i = 0; i < 145; i++) statuses.push((await attacker.post('/api/v1/login', { email: owner.email, password: `guess-${i}-wrong` })).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]))
    const right = await attacker.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(right.status).toBe(429)
    expect(right.body).toMatchObject({ code: 'rate_limited', reason: 'unknown_device_failures' })
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(59)
    // Another unknown device is in the same boat: the count is the account's, not the browser's.
    expect((await client(idp.url).post('/api/v1/login', { email: owner.email, password: PASSWORD })).status).toBe(429)
    // The owner's browser finished a sign-in before: it is not held up.
    const flow = await owner.api.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(flow.body).toMatchObject({ next: 'totp' })
    const done = await owner.api.post('/api/v1/login/totp', { flow_id: flow.body.flow_id, code: totpAt(owner.secret, clock) })
    expect(done.body.status).toBe('authenticated')
    // One lockout event for the run, and the refusals are login.completed rate_limited (contract values only).
    expect(lockouts('password')).toHaveLength(1)
    expect(tel.named('mfa.login.completed').filter((e) => e['mfa.outcome'] === 'rate_limited' && e['mfa.reason'] === 'locked_out').length).toBeGreaterThanOrEqual(141)
    // The wait runs out: the attacker's device may try again after it (and only once before the next, longer one).
    clk.advance(61 * MIN)
    expect((await attacker.post('/api/v1/login', { email: owner.email, password: 'still-wrong-1' })).status).toBe(401)
    expect((await attacker.post('/api/v1/login', { email: owner.email, password: 'still-wrong-2' })).status).toBe(429)
  })

  it('an unknown e-mail address is throttled like a real one (no probing for accounts)', async ({ skip: s }) => {
    if (skip) return s()
    const c = client(idp.url)
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await c.post('/api/v1/login', { email: `nobody-${store}@example.test`.toLowerCase(), password: `guess-${i}-wrong` })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
  })

  it('code guessing from unknown devices locks only unknown devices and stops for good at the daily cap; the owner\'s known device still signs in with TOTP', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await account('code-cap')
    const attacker = client(idp.url)
    expect(await rounds(attacker, owner.email, owner.secret, 1)).toEqual([401, 401, 401, 401, 423])
    // Locked after five: the attacker is refused at once...
    const again = await attacker.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(again.status).toBe(423)
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(800)
    // ...and the owner, on the device they signed in with before, is not (today: 423 for them too).
    clk.advance(30_000)
    const first = await owner.api.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(first.body).toMatchObject({ next: 'totp' })
    expect((await owner.api.post('/api/v1/login/totp', { flow_id: first.body.flow_id, code: totpAt(owner.secret, clock) })).body.status).toBe('authenticated')
    // That sign-in started unknown devices afresh; four more rounds reach the daily cap of 20.
    const tries = await rounds(attacker, owner.email, owner.secret, 4)
    expect(tries.filter((t) => t === 401)).toHaveLength(16)
    expect(tries.filter((t) => t === 423)).toHaveLength(4)
    // 20 wrong codes from unknown devices today: they are stopped, with no end time, however long one waits.
    clk.advance(3 * 60 * MIN)
    const capped = await attacker.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(capped.status).toBe(423)
    expect(capped.body).toMatchObject({ code: 'locked_out', daily_cap: true })
    expect(capped.headers.get('retry-after')).toBeNull()
    expect((await client(idp.url).post('/api/v1/login', { email: owner.email, password: PASSWORD })).status).toBe(423)
    expect(lockouts('totp')).toHaveLength(5)
    // The owner's known device still completes a TOTP sign-in, which lifts the cap.
    clk.advance(30_000)
    const mine = await owner.api.post('/api/v1/login', { email: owner.email, password: PASSWORD })
    expect(mine.body).toMatchObject({ next: 'totp' })
    expect((await owner.api.post('/api/v1/login/totp', { flow_id: mine.body.flow_id, code: totpAt(owner.secret, clock) })).body.status).toBe('authenticated')
    expect((await attacker.post('/api/v1/login', { email: owner.email, password: PASSWORD })).body).toMatchObject({ next: 'totp' })
  })

  it('during the daily cap a signed-in session can still step up with TOTP, and a password change from it lifts the cap', async ({ skip: s }) => {
    if (skip) return s()
    const owner = await account('cap-password')
    const statuses = await rounds(client(idp.url), owner.email, owner.secret, 4)
    expect(statuses.filter((t) => t === 423)).toHaveLength(4)
    expect((await client(idp.url).post('/api/v1/login', { email: owner.email, password: PASSWORD })).body).toMatchObject({ code: 'locked_out', daily_cap: true })
    // A step-up from a signed-in session is the account's own browser (here the one that signed up and never signed in): not capped.
    clk.advance(30_000)
    const up = await owner.setup.post('/api/v1/stepup')
    expect(up.body).toMatchObject({ next: 'totp' })
    expect((await owner.setup.post('/api/v1/login/totp', { flow_id: up.body.flow_id, code: totpAt(owner.secret, clock) })).status).toBe(200)
    const NEW = 'a brand new passphrase 4 this account'
    const changed = await owner.api.post('/api/v1/account/password', { current_password: PASSWORD, new_password: NEW })
    expect(changed.body.status).toBe('changed')
    // A device never signed in with (the owner's new laptop) gets its code challenge again.
    expect((await client(idp.url).post('/api/v1/login', { email: owner.email, password: NEW })).body).toMatchObject({ next: 'totp' })
  })
})
