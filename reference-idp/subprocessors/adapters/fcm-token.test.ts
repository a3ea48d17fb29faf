import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../../contract/clock'
import { type Simulator, startSimulator } from '../../simulator/server'
import { simulatorPushCredentials } from '../../simulator/idp-settings'
import { rsaFromSeed } from '../../simulator/vendors/sim-keys'
import type { PushMessage } from '../push-types'
import { createFcm } from './fcm'
import { FCM_TOKEN_MARGIN_MS, fcmAccessTokens, tokenFresh } from './fcm-token'
import { VendorAuthError } from './http'

/** The service-account exchange against the simulator's token endpoint, and FCM sends with what it hands out. */

let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator({ seed: 7, baseline: 'clean', timeScale: 0.01 })
})
afterAll(() => sim?.close())

const MIN = 60_000
const msg: PushMessage = {
  platform: 'android', token: 'fcm-device-token-0123456789', title: 'Sign-in request', body: 'Enter the number',
  data: { challenge_id: 'c1' }, idempotencyKey: 'c1', region: 'eu-west', ttlSeconds: 60,
}

/** fetch that counts the calls to the token endpoint. */
function counting() {
  const seen = { token: 0 }
  const f = ((url: string, init?: RequestInit) => {
    if (String(url).endsWith('/oauth2/token')) seen.token++
    return fetch(url, init)
  }) as typeof fetch
  return { f, seen }
}

describe('tokenFresh', () => {
  it.each([
    [undefined, 0, false],
    [60 * MIN, 0, true],
    [60 * MIN, 55 * MIN - 1, true],
    [60 * MIN, 55 * MIN, false],
  ])('expires %s, now %i → %s', (exp, now, fresh) => expect(tokenFresh(exp, now, FCM_TOKEN_MARGIN_MS)).toBe(fresh))
})

describe('FCM service-account token', () => {
  it('is exchanged at the token endpoint, cached until 5 minutes before expires_in, then exchanged again', async () => {
    const clock = manualClock(Date.now())
    const { f, seen } = counting()
    const tokens = fcmAccessTokens({ account: simulatorPushCredentials(sim.url).fcm.serviceAccount, clock, fetch: f })
    const [a, b] = await Promise.all([tokens.token(), tokens.token()])
    expect(a).toMatch(/^ya29\./)
    expect(b).toBe(a)
    expect(seen.token).toBe(1)
    expect(tokens.expiresAt()).toBeGreaterThanOrEqual(clock.now() + 3599_000)
    await clock.advance(54 * MIN)
    expect(await tokens.token()).toBe(a)
    expect(seen.token).toBe(1)
    await clock.advance(1 * MIN)
    expect(await tokens.token()).toMatch(/^ya29\./)
    expect(seen.token).toBe(2)
  })

  it('a send carries the exchanged token and FCM accepts it', async () => {
    const { f, seen } = counting()
    const fcm = createFcm({ baseUrl: `${sim.url}/fcm`, timeoutMs: 5000, costMicros: 0, credentials: simulatorPushCredentials(sim.url).fcm, fetch: f })
    expect(await fcm.send(msg)).toMatchObject({ ok: true, provider: 'fcm', reason: 'ok' })
    expect(await fcm.send(msg)).toMatchObject({ ok: true })
    expect(seen.token).toBe(1)
  })

  it('a service account whose key the simulator does not know gets 400 invalid_grant, and the send is a 4xx without reaching FCM', async () => {
    const creds = simulatorPushCredentials(sim.url).fcm
    const wrongKey = rsaFromSeed('someone-else').export({ type: 'pkcs8', format: 'pem' }).toString()
    const account = { ...creds.serviceAccount, privateKey: wrongKey }
    const err = await fcmAccessTokens({ account, clock: manualClock(Date.now()) }).token().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VendorAuthError)
    expect(err).toMatchObject({ status: 400, message: 'fcm: token endpoint answered 400 invalid_grant' })
    const calls: string[] = []
    const f = ((url: string, init?: RequestInit) => {
      calls.push(new URL(url).pathname)
      return fetch(url, init)
    }) as typeof fetch
    const fcm = createFcm({ baseUrl: `${sim.url}/fcm`, timeoutMs: 5000, costMicros: 0, credentials: { ...creds, serviceAccount: account }, fetch: f })
    expect(await fcm.send(msg)).toMatchObject({ ok: false, reason: 'http_4xx', httpStatusClass: '4xx' })
    expect(calls).toEqual(['/oauth2/token'])
  })

  it.each([
    ['another client_email', { clientEmail: 'intruder@factorwatch-sim.iam.gserviceaccount.com' }],
    ['an assertion for another audience', { tokenUri: 'https://oauth2.googleapis.com/token' }],
  ])('%s is refused', async (_n, change) => {
    const account = { ...simulatorPushCredentials(sim.url).fcm.serviceAccount, ...change }
    // The audience case still posts to the simulator, with aud naming somewhere else.
    const f = ((_url: string, init?: RequestInit) => fetch(`${sim.url}/oauth2/token`, init)) as typeof fetch
    await expect(fcmAccessTokens({ account, clock: manualClock(Date.now()), fetch: f }).token()).rejects.toMatchObject({ status: 400 })
  })

  it('a token endpoint that cannot be reached makes the send a network error', async () => {
    const account = { ...simulatorPushCredentials(sim.url).fcm.serviceAccount, tokenUri: 'http://127.0.0.1:1/oauth2/token' }
    const fcm = createFcm({ baseUrl: `${sim.url}/fcm`, timeoutMs: 5000, costMicros: 0, credentials: { projectId: 'factorwatch-sim', serviceAccount: account } })
    expect(await fcm.send(msg)).toMatchObject({ ok: false, reason: 'network_error' })
  })

  it('a token FCM refuses (401) is dropped: the next send exchanges a new one', async () => {
    const { f, seen } = counting()
    let refuse = true
    const g = ((url: string, init?: RequestInit) => {
      if (refuse && String(url).includes('/messages:send')) {
        refuse = false
        return Promise.resolve(Response.json({ error: { code: 401, status: 'UNAUTHENTICATED' } }, { status: 401 }))
      }
      return f(url, init)
    }) as typeof fetch
    const fcm = createFcm({ baseUrl: `${sim.url}/fcm`, timeoutMs: 5000, costMicros: 0, credentials: simulatorPushCredentials(sim.url).fcm, fetch: g })
    expect(await fcm.send(msg)).toMatchObject({ ok: false, reason: 'http_4xx' })
    expect(await fcm.send(msg)).toMatchObject({ ok: true })
    expect(seen.token).toBe(2)
  })

  it('the simulated FCM refuses a token it did not issue', async () => {
    const res = await fetch(`${sim.url}/fcm/v1/projects/factorwatch-sim/messages:send`, { method: 'POST', headers: { authorization: 'Bearer ya29.sim.9999999999.forged' }, body: JSON.stringify({ message: { token: 't' } }) })
    expect(res.status).toBe(401)
  })
})
