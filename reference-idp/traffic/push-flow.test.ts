import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { CookieJar, type ApiResult } from './client'
import type { FlowDeps } from './flow-common'
import type { AttemptPlan, ScenarioKind } from './plan'
import { newPushDevice, PUSH_TTL_MS } from './push'
import { pushStep } from './push-flow'
import { inOrder, reply, scriptedIdp } from './scripted-idp'
import { newRunStats } from './summary'
import type { SimUser } from './users'

const T = 1_700_000_000_000
const FLOW = '11111111-1111-4111-8111-111111111111'
const DEVICE = newPushDevice('android')
const plan: AttemptPlan = { kind: 'normal', thinkMs: 3_000, retypeMs: 0, retryPassword: true, logout: false, pick: 0 }
const sent = { flow_id: FLOW, next: 'push', delivery: 'sent', number: 42 }
const poll = (status: string, extra: Record<string, unknown> = {}) => reply(200, { status, ...extra })

/** Run the push step against scripted answers; the fallback to the app's code is a stub. */
async function run(kind: ScenarioKind, script: Record<string, ApiResult[]>, body: Record<string, unknown> = sent) {
  let now = T
  const idp = scriptedIdp(inOrder(script))
  const stats = newRunStats()
  const woken: number[] = []
  const user = {
    index: 3, email: 'u@example.test', password: 'pw', profile: { group: 'workforce', country: 'DE', client: 'web', second: 'push' }, jar: new CookieJar(), key: null, oob: null,
    lastStep: null, busy: true, notBefore: 0, push: { device: DEVICE, lastLoginAt: T, seen: new Set(), noticed: new Map(), pending: null, watchUntil: 0 },
  } as unknown as SimUser
  const pendingSeen: unknown[] = []
  const d: FlowDeps = {
    client: idp.api, stats, rand: seededRand(1), now: () => now, sleep: async (ms) => void (now += ms),
    phones: { wake: (_u, ms) => void (woken.push(ms ?? 0), pendingSeen.push({ ...user.push!.pending })) },
  }
  let fellBack = 0
  const outcome = await pushStep(d, user, plan, kind, FLOW, body, T, async () => {
    fellBack++
    return 'authenticated'
  })
  return { outcome, stats, paths: idp.paths(), calls: idp.calls, woken, pendingSeen, fellBack, user, elapsed: now - T }
}

describe('pushStep: the sign-in page of a push user', () => {
  it('waits for the phone to approve (polling the flow), then is signed in', async () => {
    const r = await run('normal', { 'GET /api/v1/login/push': [poll('pending'), poll('pending'), poll('approved')] })
    expect(r.outcome).toBe('authenticated')
    expect(r.paths).toEqual(['GET login/push', 'GET login/push', 'GET login/push'])
    expect(r.calls[0].call).toBe(`GET /api/v1/login/push?flow_id=${FLOW}`)
    expect(r.woken).toEqual([PUSH_TTL_MS])
    expect(r.pendingSeen).toEqual([{ since: T, until: T + PUSH_TTL_MS, number: 42, behaviour: 'approve', answerAt: T + 3_000, answered: false }])
    expect(r.user.push!.pending).toBeNull() // done waiting
    expect(r.stats.push).toMatchObject({ approved: 1, typos: 0, totpInstead: 0 })
    expect(r.fellBack).toBe(0)
  })

  it('a mistyped number: the page says so, the user asks for one more push and types it right', async () => {
    const r = await run('totp_typo', {
      'GET /api/v1/login/push': [poll('pending'), poll('denied', { reason: 'number_mismatch' }), poll('approved')],
      'POST /api/v1/login/push': [reply(200, { status: 'sent', number: 77, expires_in_seconds: 60 })],
    })
    expect(r.outcome).toBe('authenticated')
    expect(r.paths).toEqual(['GET login/push', 'GET login/push', 'POST login/push', 'GET login/push'])
    expect(r.pendingSeen.map((p) => (p as { behaviour: string; number: number }).behaviour + ' ' + (p as { number: number }).number)).toEqual(['mistype 42', 'approve 77'])
    expect(r.stats.push).toMatchObject({ approved: 1, typos: 1 })
  })

  it('walks away: the push is left to expire, the sign-in is abandoned at once', async () => {
    const r = await run('abandon', {})
    expect(r.outcome).toBe('abandoned')
    expect(r.paths).toEqual([])
    expect(r.pendingSeen).toMatchObject([{ behaviour: 'ignore', number: 42 }])
    expect(r.user.push!.pending).toMatchObject({ behaviour: 'ignore' }) // the phone keeps ignoring this sign-in's push
    expect(r.stats.push.unanswered).toBe(1)
  })

  it.each<[string, Record<string, unknown>, Record<string, ApiResult[]>]>([
    ['no push sent (one waiting, the quota, push paused)', { ...sent, delivery: 'failed', number: undefined }, {}],
    ['the push never reached the phone and expired', sent, { 'GET /api/v1/login/push': [poll('pending'), poll('expired')] }],
    [
      'no second push after a typo',
      sent,
      { 'GET /api/v1/login/push': [poll('denied', { reason: 'number_mismatch' })], 'POST /api/v1/login/push': [reply(429, { code: 'rate_limited', reason: 'outstanding' })] },
    ],
  ])('%s: the app’s code instead', async (_name, body, script) => {
    const r = await run('normal', script, body)
    expect(r.fellBack).toBe(1)
    expect(r.outcome).toBe('authenticated')
    expect(r.stats.push.totpInstead).toBe(1)
    expect(r.stats.requests.unexpected).toBe(0)
  })

  it.each<[string, ApiResult, string, number]>([
    ['the flow is over', reply(410, { code: 'flow_expired' }), 'expired', 0],
    ['the phone denied the user’s own push', poll('denied', { reason: 'user_denied' }), 'failed', 1],
  ])('%s → %s', async (_name, answer, outcome, unexpected) => {
    const r = await run('normal', { 'GET /api/v1/login/push': [answer] })
    expect(r.outcome).toBe(outcome)
    expect(r.stats.requests.unexpected).toBe(unexpected)
    expect(r.fellBack).toBe(0)
  })

  it('gives up when the IdP says "pending" long past the push’s lifetime', async () => {
    const r = await run('normal', { 'GET /api/v1/login/push': [poll('pending')] })
    expect(r.outcome).toBe('error')
    expect(r.stats.requests.unexpected).toBe(1)
    expect(r.elapsed).toBeLessThan(PUSH_TTL_MS + 20_000)
  })
})
