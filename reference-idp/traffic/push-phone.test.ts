import { describe, expect, it } from 'vitest'
import { verifyPushSignature } from '../factors/push'
import { CookieJar, type ApiResult, type Caller } from './client'
import { newPushDevice, type PhonePush } from './push'
import { Phones, type PhoneDeps } from './push-phone'
import { newPushStats, newRunStats } from './summary'
import type { PushUser, SimUser } from './users'

const T = 1_700_000_000_000
const ok = (body: Record<string, unknown>): ApiResult => ({ status: 200, body, code: undefined, retryAfterMs: null, ms: 1 })
const fail = (status: number, code: string): ApiResult => ({ status, body: { code }, code, retryAfterMs: null, ms: 1 })

/** A push user, its phone's notifications, the IdP's answers, and a clock the test moves. */
function setup(o: { rand?: () => number; thinkScale?: number; answer?: (body: Record<string, unknown>) => ApiResult } = {}) {
  let now = T
  const inbox: PhonePush[] = []
  const posts: { path: string; body: Record<string, unknown>; who: Caller }[] = []
  const stats = newRunStats()
  const d: PhoneDeps = {
    devices: { readPush: async () => [...inbox] },
    client: {
      post: async (path, body, who) => {
        posts.push({ path, body, who })
        return (o.answer ?? ((b) => ok({ status: b.decision === 'fraud' ? 'fraud_reported' : b.decision })))(body)
      },
    },
    stats,
    rand: o.rand ?? (() => 0.9),
    sleep: async (ms) => void (now += ms),
    now: () => now,
    thinkScale: o.thinkScale ?? 1,
  }
  const push: PushUser = { device: newPushDevice('android'), lastLoginAt: null, seen: new Set(), noticed: new Map(), pending: null, watchUntil: 0 }
  const user = { index: 7, profile: { group: 'workforce', country: 'DE', client: 'web', second: 'push' }, jar: new CookieJar(), push } as unknown as SimUser
  const arrive = (id: string, at = now) => inbox.push({ id, challengeId: `00000000-0000-4000-8000-00000000000${id.length}`, kind: 'login', receivedAt: at })
  return { d, phones: new Phones(d), user, push, posts, stats, arrive, advance: (ms: number) => void (now += ms), now: () => now }
}

describe('Phones: the push users’ phones', () => {
  it('approves the push of the sign-in its user started, with the number on the screen, signed by the device', async () => {
    const t = setup()
    t.push.pending = { since: T, until: T + 60_000, number: 42, behaviour: 'approve', answerAt: T + 3_000, answered: false }
    t.arrive('a', T + 1_000)
    t.advance(1_500)
    expect(await t.phones.check(t.user)).toBe(1) // the user is still reading the screen
    expect(t.posts).toEqual([])
    t.advance(2_000)
    expect(await t.phones.check(t.user)).toBe(0)
    expect(t.posts).toHaveLength(1)
    const [{ path, body, who }] = t.posts
    expect(path).toBe('/api/v1/push/respond')
    expect(body).toMatchObject({ number: 42, decision: 'approved' })
    expect(verifyPushSignature(t.push.device.publicKey, body.challenge_id as string, 42, 'approved', body.signature as string)).toBe(true)
    expect(who).toMatchObject({ client: 'android', country: 'DE', ip: '100.64.1.1' }) // user 7: the second of the users' home networks
    expect(who.jar.header()).toBeUndefined() // the app has no session: its signature is the credential
    expect(t.push.pending.answered).toBe(true)
    await t.phones.check(t.user)
    expect(t.posts).toHaveLength(1) // read once
  })

  it('denies a push nobody asked for once the user notices it, and counts it', async () => {
    const t = setup()
    t.arrive('a')
    expect(await t.phones.check(t.user)).toBe(1)
    t.advance(120_000)
    await t.phones.check(t.user)
    expect(t.posts.map((p) => p.body.decision)).toEqual(['denied'])
    expect(t.posts[0].body.number).toBe(0)
    expect(t.stats.push).toEqual({ ...newPushStats(), denied: 1 })
  })

  it('sometimes reports it as fraud instead', async () => {
    const t = setup({ rand: () => 0.05, thinkScale: 0 })
    t.arrive('a')
    await t.phones.check(t.user)
    expect(t.posts.map((p) => p.body.decision)).toEqual(['fraud'])
    expect(t.stats.push.fraud).toBe(1)
  })

  it('a push read after it was over is stale, not an unexpected answer', async () => {
    const t = setup({ thinkScale: 0, answer: () => fail(410, 'flow_expired') })
    t.arrive('a')
    await t.phones.check(t.user)
    expect(t.stats.push).toMatchObject({ stale: 1, denied: 0 })
    expect(t.stats.requests.unexpected).toBe(0)
  })

  it('a mistyped number refused as invalid_code is the sign-in page’s business; other refusals are unexpected', async () => {
    const t = setup({ thinkScale: 0, answer: (b) => (b.decision === 'approved' ? fail(401, 'invalid_code') : fail(400, 'bad_request')) })
    t.push.pending = { since: T, until: T + 60_000, number: 42, behaviour: 'mistype', answerAt: T, answered: false }
    t.arrive('a')
    await t.phones.check(t.user)
    expect(t.posts[0].body.number).not.toBe(42)
    expect(t.stats.requests.unexpected).toBe(0)
    t.arrive('bb')
    await t.phones.check(t.user)
    expect(t.stats.requests.unexpected).toBe(1)
  })

  it('wake(): watches until the push has come and been answered, then stops; stop() ends every watch', async () => {
    const t = setup({ thinkScale: 0 })
    t.phones.wake(t.user, 20_000)
    t.arrive('a') // arrives while the phone watches
    await t.phones.stop()
    const stopped = t.posts.length
    expect(stopped).toBeLessThanOrEqual(1)

    const u = setup({ thinkScale: 0 })
    u.arrive('a')
    u.phones.wake(u.user, 20_000)
    for (let i = 0; i < 50 && u.posts.length === 0; i++) await new Promise((r) => setTimeout(r, 1))
    expect(u.posts.map((p) => p.body.decision)).toEqual(['denied'])
    const t0 = u.now()
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 1))
    expect(u.now() - t0).toBeLessThanOrEqual(2_000) // stopped watching soon after the answer, not after 20 s
    u.phones.wake(u.user) // woken again: a new watch
    u.arrive('bb')
    for (let i = 0; i < 50 && u.posts.length < 2; i++) await new Promise((r) => setTimeout(r, 1))
    expect(u.posts).toHaveLength(2)
    await u.phones.stop()
  })
})
