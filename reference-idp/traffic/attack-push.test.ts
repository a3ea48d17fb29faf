import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import type { AttackDeps } from './attack-common'
import { BOMB_PUSHES, pushBombing } from './attack-push'
import { CookieJar, type ApiResult } from './client'
import { inOrder, reply, scriptedIdp } from './scripted-idp'
import { newRunStats } from './summary'
import type { SimUser } from './users'

const FLOW = '22222222-2222-4222-8222-222222222222'
const push = (delivery = 'sent') => reply(200, { flow_id: FLOW, next: 'push', delivery, ...(delivery === 'sent' ? { number: 31 } : {}) })
const totp = reply(200, { flow_id: FLOW, next: 'totp' })
const poll = (status: string, reason?: string) => reply(200, { status, ...(reason ? { reason } : {}) })

const victim = { index: 4, email: 'victim@example.test', password: 'now', leaked: 'leaked-pw' } as unknown as SimUser
const who = { jar: new CookieJar(), country: 'RU', client: 'web', ip: '203.0.113.2' }

/** Bomb the victim from the stuffing hit's answer `first`, the rest scripted. */
async function bomb(first: ApiResult, script: Record<string, ApiResult[]>) {
  let now = 0
  const idp = scriptedIdp(inOrder(script))
  const stats = newRunStats()
  const woken: SimUser[] = []
  const d: AttackDeps = { client: idp.api, stats, rand: seededRand(1), now: () => now, sleep: async (ms) => void (now += ms), wake: (u) => void woken.push(u) }
  await pushBombing(d, victim, who, first)
  return { a: stats.attacks, unexpected: stats.requests.unexpected, paths: idp.paths(), calls: idp.calls, woken }
}

describe('push bombing', () => {
  it('denied three times, then the IdP pauses push and asks for the app’s code: the attacker gives up', async () => {
    const r = await bomb(push(), {
      'POST /api/v1/login': [push(), push(), totp],
      'GET /api/v1/login/push': [poll('pending'), poll('denied', 'user_denied')],
    })
    expect(r.a).toMatchObject({ pushBombing: 1, bombPushes: 3, bombDenied: 3, bombLocked: 1, bombFraud: 0, bombApproved: 0, bombLimited: 0 })
    expect(r.paths).toEqual(['GET login/push', 'GET login/push', 'POST login', 'GET login/push', 'POST login', 'GET login/push', 'POST login'])
    expect(r.woken).toEqual([victim, victim, victim]) // each push wakes the victim's phone
    // The attacker signs in with the password as it leaked, from its own address and jar.
    expect(r.calls.filter((c) => c.call === 'POST /api/v1/login').map((c) => c.body)).toEqual(Array(3).fill({ email: 'victim@example.test', password: 'leaked-pw' }))
    expect(new Set(r.calls.map((c) => c.who))).toEqual(new Set([who]))
    expect(r.unexpected).toBe(0)
  })

  it('a fraud report locks push: the next sign-in gets the app-code step', async () => {
    const r = await bomb(push(), { 'POST /api/v1/login': [totp], 'GET /api/v1/login/push': [poll('denied', 'fraud_reported')] })
    expect(r.a).toMatchObject({ bombPushes: 1, bombFraud: 1, bombDenied: 0, bombLocked: 1 })
  })

  it.each<[string, ApiResult, Record<string, ApiResult[]>, Record<string, number>]>([
    ['no push sent, and asking for one: a push is already waiting (429)', push('failed'), { 'POST /api/v1/login/push': [reply(429, { code: 'rate_limited', reason: 'outstanding' })] }, { bombLimited: 1, bombPushes: 0 }],
    ['no push sent, and asking for one: push paused (423)', push('failed'), { 'POST /api/v1/login/push': [reply(423, { code: 'locked_out', reason: 'push_bombing' })] }, { bombLocked: 1, bombPushes: 0 }],
    ['the account’s second factor is locked', reply(423, { code: 'locked_out' }), {}, { bombLocked: 1, bombPushes: 0 }],
    ['per-address limit', reply(429, { code: 'rate_limited' }), {}, { bombLimited: 1, bombPushes: 0 }],
    ['the leaked password no longer works', reply(401, { code: 'invalid_credentials' }), {}, { bombPushes: 0, bombLocked: 0, bombLimited: 0 }],
  ])('%s', async (_name, first, script, counts) => {
    const r = await bomb(first, script)
    expect(r.a).toMatchObject(counts)
    expect(r.unexpected).toBe(0)
    expect(r.woken).toEqual([])
  })

  it('a push sent on asking after all is bombed like any other', async () => {
    const r = await bomb(push('failed'), { 'POST /api/v1/login/push': [reply(200, { status: 'sent', number: 12 })], 'POST /api/v1/login': [totp], 'GET /api/v1/login/push': [poll('expired')] })
    expect(r.a).toMatchObject({ bombPushes: 1, bombUnanswered: 1, bombLocked: 1 })
  })

  it('an approved push is a session: the attack stops (number matching should make this never happen)', async () => {
    const r = await bomb(push(), { 'GET /api/v1/login/push': [poll('approved')] })
    expect(r.a).toMatchObject({ bombPushes: 1, bombApproved: 1 })
    expect(r.paths).toEqual(['GET login/push'])
  })

  it(`at most ${BOMB_PUSHES} pushes`, async () => {
    const r = await bomb(push(), { 'POST /api/v1/login': [push()], 'GET /api/v1/login/push': [poll('denied', 'user_denied')] })
    expect(r.a.bombPushes).toBe(BOMB_PUSHES)
    expect(r.a.bombDenied).toBe(BOMB_PUSHES)
  })
})
