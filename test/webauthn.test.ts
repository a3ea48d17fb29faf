import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MfaError } from '../reference-idp/errors'
import { createWebauthnService, type WebauthnService } from '../reference-idp/factors/webauthn'
import { CHALLENGE_TTL_MS } from '../reference-idp/factors/webauthn-rules'
import { loadKeys } from '../reference-idp/keys'
import { DEFAULT_FLOW_POLICY } from '../reference-idp/login/policy'
import type { RequestCtx } from '../reference-idp/login/service'
import { migrateStore } from '../reference-idp/store/migrate'
import { createRepo, type Repo } from '../reference-idp/store/repo'
import { testStores } from '../reference-idp/store/test-stores'
import { createIdpMetrics } from '../reference-idp/telemetry/metrics'
import { capture } from './support/idp-client'
import { softAuthenticator } from '../reference-idp/traffic/soft-authenticator'

/** [event, outcome, reason] of one flow's events, in emission order. */
const ofFlow = (events: Record<string, string | number>[], flowId: string) => events.filter((e) => e['mfa.flow_id'] === flowId).map((e) => [e['event.name'], e['mfa.outcome'] ?? null, e['mfa.reason'] ?? null])

/** The passkey service against a real store (PGlite and PostgreSQL) with a software authenticator. */

const RP = { id: 'localhost', origin: 'http://localhost:8080' }
const ctx: RequestCtx = { client: 'web', country: 'NL' }

async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number; details: Record<string, unknown> }> {
  try {
    await p
  } catch (e) {
    const err = e as MfaError
    return { code: err.code, status: err.status, details: err.details }
  }
  throw new Error('expected a refusal, got success')
}

describe.each(testStores(afterAll))('passkeys on %s', (_store, open) => {
  let webauthn: WebauthnService
  let repo: Repo
  let tel: ReturnType<typeof capture>
  let skip = false
  let clock = Date.parse('2026-03-01T09:00:00Z')
  const keys = loadKeys({ dataDir: 'memory://' })

  beforeAll(async () => {
    const db = await open()
    if (!db) return void (skip = true)
    await migrateStore(db)
    repo = createRepo(db, keys)
    tel = capture()
    webauthn = createWebauthnService({
      db, keys, telemetry: tel.t, metrics: createIdpMetrics(), region: 'eu-west', rpName: 'FactorWatch',
      policy: { ...DEFAULT_FLOW_POLICY, flowTtlMs: 15 * 60_000 }, rp: () => RP, now: () => new Date(clock),
    })
  })

  async function newUser(group = 'workforce') {
    const id = randomUUID()
    await repo.insertUser({ id, email: `${id}@example.test`, passwordHash: 'x', userGroup: group })
    return id
  }
  /** A user with one registered passkey on a fresh software authenticator. */
  async function withPasskey(counting = true) {
    const userId = await newUser()
    const auth = softAuthenticator()
    const o = await webauthn.registrationOptions(userId, ctx)
    const passkey = await webauthn.verifyRegistration(userId, o.challengeId, auth.create(o.options, { origin: RP.origin, counting }), 'Laptop', ctx)
    return { userId, auth, passkey }
  }
  /** A password-verified login flow, as the login service opens it. */
  async function openFlow(userId: string) {
    const flowId = randomUUID()
    await repo.insertFlow({ id: flowId, userId, factor: 'webauthn', issuedAt: new Date(clock), country: 'DE', client: 'web' })
    return flowId
  }

  it('registers a passkey: UV required, existing ones excluded, events enrolled → activated', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, auth, passkey } = await withPasskey()
    expect(passkey).toMatchObject({ name: 'Laptop', device_type: 'singleDevice', backed_up: false, transports: ['internal'], last_used_at: null })
    const again = await webauthn.registrationOptions(userId, ctx)
    expect(again.options.authenticatorSelection).toMatchObject({ userVerification: 'required', residentKey: 'preferred' })
    expect(again.options.excludeCredentials?.map((c) => c.id)).toEqual([passkey.id])
    expect(again.options.rp).toEqual({ name: 'FactorWatch', id: 'localhost' })
    expect(again.options.user.id).toBe(Buffer.from(userId).toString('base64url'))

    // Wrong origin (a phishing page) fails verification and uses up the challenge.
    const phished = auth.create(again.options, { origin: 'http://localhost.evil.example' })
    expect(await refusal(webauthn.verifyRegistration(userId, again.challengeId, phished, 'x', ctx))).toMatchObject({ code: 'bad_request', status: 400 })
    expect(await refusal(webauthn.verifyRegistration(userId, again.challengeId, auth.create(again.options, { origin: RP.origin }), 'x', ctx))).toMatchObject({ code: 'code_replayed' })
    // No user verification: refused.
    const noUv = await webauthn.registrationOptions(userId, ctx)
    expect(await refusal(webauthn.verifyRegistration(userId, noUv.challengeId, auth.create(noUv.options, { origin: RP.origin, uv: false }), 'x', ctx))).toMatchObject({ code: 'bad_request' })
    // Another user's challenge is not found for them, and not spent for its owner.
    const other = await newUser()
    clock += 1000
    const mine = await webauthn.registrationOptions(userId, ctx)
    expect(await refusal(webauthn.verifyRegistration(other, mine.challengeId, auth.create(mine.options, { origin: RP.origin }), 'x', ctx))).toMatchObject({ code: 'flow_expired' })
    expect((await webauthn.verifyRegistration(userId, mine.challengeId, auth.create(mine.options, { origin: RP.origin }), 'Phone', ctx)).name).toBe('Phone')

    expect((await webauthn.list(userId)).map((p) => p.name)).toEqual(['Laptop', 'Phone'])
    const hash = keys.userHash(userId)
    const changes = tel.events.filter((e) => e['mfa.user_hash'] === hash && e['event.name'] === 'mfa.enrollment.changed')
    expect(changes.map((e) => e['mfa.reason'])).toEqual(['enrolled', 'activated', 'enrolled', 'verification_failed', 'verification_failed', 'enrolled', 'verification_failed', 'enrolled', 'activated'])
    expect(changes[1]).toMatchObject({ 'mfa.factor': 'webauthn', 'mfa.intent': 'enrollment', 'mfa.user_group': 'workforce', 'mfa.country': 'NL' })
  })

  it('second factor: allow-list of the flow user, latency from the challenge, flow completed', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, auth, passkey } = await withPasskey()
    const flowId = await openFlow(userId)
    const o = await webauthn.loginOptions(flowId, ctx)
    expect(o.flowId).toBe(flowId)
    expect(o.options.allowCredentials?.map((c) => c.id)).toEqual([passkey.id])
    expect(o.options.userVerification).toBe('required')
    clock += 1500
    expect(await webauthn.verifyLogin(o.challengeId, auth.get(o.options, { origin: RP.origin }), ctx)).toEqual({ userId, flowId })
    expect(ofFlow(tel.events, flowId)).toEqual([
      ['mfa.challenge.issued', null, 'login_required'],
      ['mfa.challenge.verified', 'success', 'ok'],
      ['mfa.login.completed', 'success', 'mfa_satisfied'],
    ])
    const v = tel.events.find((e) => e['mfa.flow_id'] === flowId && e['event.name'] === 'mfa.challenge.verified')!
    expect(v).toMatchObject({ 'mfa.factor': 'webauthn', 'mfa.channel': 'platform', 'mfa.latency_ms': 1500, 'mfa.attempt': 1, 'mfa.user_hash': keys.userHash(userId) })
    expect((await repo.flow(flowId))?.state).toBe('completed')
    expect((await webauthn.list(userId))[0]).toMatchObject({ last_used_at: new Date(clock).toISOString() })
    // The flow is over: a new challenge for it is refused.
    expect(await refusal(webauthn.loginOptions(flowId, ctx))).toMatchObject({ code: 'flow_expired' })
  })

  it('refuses a rewound counter, a forged signature, a foreign credential, a replay and an expired challenge', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, auth } = await withPasskey()
    const stranger = await withPasskey()
    const flowId = await openFlow(userId)
    const attempt = async (make: (o: Awaited<ReturnType<WebauthnService['loginOptions']>>) => Parameters<WebauthnService['verifyLogin']>[1], advance = 0) => {
      const o = await webauthn.loginOptions(flowId, ctx)
      clock += advance
      return refusal(webauthn.verifyLogin(o.challengeId, make(o), ctx))
    }
    // An earlier sign-in moved the stored counter to 1 … then a clone presents 1 again.
    const earlier = await webauthn.loginOptions(await openFlow(userId), ctx)
    await webauthn.verifyLogin(earlier.challengeId, auth.get(earlier.options, { origin: RP.origin }), ctx)
    const ok = await webauthn.loginOptions(flowId, ctx)
    const good = auth.get(ok.options, { origin: RP.origin }) // counter 2, presented last
    const cloned = await attempt((o) => auth.get(o.options, { origin: RP.origin, counter: 1 }))
    expect(cloned).toMatchObject({ code: 'invalid_credentials', status: 401, details: { reason: 'counter_regression', attempts_left: 4 } })
    expect(await attempt((o) => auth.get(o.options, { origin: RP.origin, forge: true }))).toMatchObject({ details: { reason: 'signature_invalid', attempts_left: 3 } })
    expect(await attempt((o) => stranger.auth.get({ ...o.options, allowCredentials: [] }, { origin: RP.origin }))).toMatchObject({ details: { reason: 'unknown_credential', attempts_left: 2 } })
    expect(await attempt((o) => auth.get(o.options, { origin: RP.origin }), CHALLENGE_TTL_MS)).toMatchObject({ code: 'flow_expired', details: { reason: 'code_expired', attempts_left: 1 } })
    // The first challenge is still fresh but its flow's attempts are nearly used; it succeeds.
    clock -= CHALLENGE_TTL_MS
    expect(await webauthn.verifyLogin(ok.challengeId, good, ctx)).toEqual({ userId, flowId })
    expect(await refusal(webauthn.verifyLogin(ok.challengeId, good, ctx))).toMatchObject({ code: 'flow_expired' }) // replay on a closed flow
    const verified = tel.events.filter((e) => e['mfa.flow_id'] === flowId && e['event.name'] === 'mfa.challenge.verified')
    expect(verified.map((e) => [e['mfa.outcome'], e['mfa.reason'], e['mfa.attempt']])).toEqual([
      ['failure', 'counter_regression', 1], ['failure', 'signature_invalid', 2], ['failure', 'unknown_credential', 3], ['expired', 'code_expired', 4],
      ['success', 'ok', 5], ['expired', 'code_expired', 5],
    ])
  })

  it('five refused assertions lock the flow and the account like wrong codes', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, auth } = await withPasskey()
    const flowId = await openFlow(userId)
    const codes: string[] = []
    for (let i = 0; i < 5; i++) {
      const o = await webauthn.loginOptions(flowId, ctx)
      codes.push((await refusal(webauthn.verifyLogin(o.challengeId, auth.get(o.options, { origin: RP.origin, forge: true }), ctx))).code)
    }
    expect(codes).toEqual(['invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'locked_out'])
    expect((await repo.flow(flowId))?.state).toBe('locked')
    expect((await repo.userById(userId))?.mfa_locked_until).not.toBeNull()
    expect(ofFlow(tel.events, flowId).filter(([n]) => n !== 'mfa.challenge.issued' && n !== 'mfa.challenge.verified')).toEqual([
      ['mfa.lockout', null, 'too_many_failures'],
      ['mfa.login.completed', 'locked_out', 'locked_out'],
    ])
  })

  it('passwordless: empty allow-list, the passkey names the user; started → verified → completed', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, auth } = await withPasskey(false) // a synced passkey: counter always 0
    for (let round = 0; round < 2; round++) {
      const o = await webauthn.loginOptions(undefined, ctx)
      expect(o.options.allowCredentials).toEqual([])
      clock += 800
      expect(await webauthn.verifyLogin(o.challengeId, auth.get(o.options, { origin: RP.origin }), ctx)).toEqual({ userId, flowId: o.flowId })
      expect(ofFlow(tel.events, o.flowId)).toEqual([
        ['mfa.challenge.issued', null, 'login_required'],
        ['mfa.login.started', null, 'passwordless'],
        ['mfa.challenge.verified', 'success', 'ok'],
        ['mfa.login.completed', 'success', 'passwordless'],
      ])
      const [issued, started, verified, completed] = tel.events.filter((e) => e['mfa.flow_id'] === o.flowId)
      expect(issued['mfa.user_hash']).toBeUndefined() // nobody is known before the assertion
      expect(started['mfa.user_hash']).toBe(keys.userHash(userId))
      expect(verified).toMatchObject({ 'mfa.latency_ms': 800, 'mfa.factor': 'webauthn', 'mfa.channel': 'platform' })
      expect(completed).toMatchObject({ 'mfa.factor': 'webauthn', 'mfa.user_group': 'workforce' })
    }
    // Without user verification, and with a credential nobody registered: refused, flow ended.
    const noUv = await webauthn.loginOptions(undefined, ctx)
    expect(await refusal(webauthn.verifyLogin(noUv.challengeId, auth.get(noUv.options, { origin: RP.origin, uv: false }), ctx))).toMatchObject({ details: { reason: 'signature_invalid' } })
    expect(ofFlow(tel.events, noUv.flowId).slice(1)).toEqual([['mfa.challenge.verified', 'failure', 'signature_invalid'], ['mfa.login.completed', 'failure', 'mfa_failed']])
    const stray = softAuthenticator()
    stray.create({ ...(await webauthn.registrationOptions(userId, ctx)).options }, { origin: RP.origin }) // never verified
    const unknown = await webauthn.loginOptions(undefined, ctx)
    expect(await refusal(webauthn.verifyLogin(unknown.challengeId, stray.get(unknown.options, { origin: RP.origin }), ctx))).toMatchObject({ details: { reason: 'unknown_credential' } })
    expect(ofFlow(tel.events, unknown.flowId).slice(1)).toEqual([['mfa.challenge.verified', 'failure', 'unknown_credential'], ['mfa.login.completed', 'failure', 'mfa_failed']])
  })

  it('lists, renames and removes passkeys of their owner only', async ({ skip: s }) => {
    if (skip) return s()
    const { userId, passkey } = await withPasskey()
    const other = await newUser()
    expect(await refusal(webauthn.rename(other, passkey.id, 'Mine now', ctx))).toMatchObject({ code: 'not_found' })
    expect(await refusal(webauthn.remove(other, passkey.id, ctx))).toMatchObject({ code: 'not_found' })
    await webauthn.rename(userId, passkey.id, 'Work phone', ctx)
    expect((await webauthn.list(userId)).map((p) => p.name)).toEqual(['Work phone'])
    await webauthn.remove(userId, passkey.id, ctx)
    expect(await webauthn.list(userId)).toEqual([])
    expect(await webauthn.count(userId)).toBe(0)
    const reasons = tel.events.filter((e) => e['mfa.user_hash'] === keys.userHash(userId)).map((e) => e['mfa.reason'])
    expect(reasons.slice(-2)).toEqual(['renamed', 'removed'])
    // A second-factor flow of a user without passkeys offers none.
    expect(await refusal(webauthn.loginOptions(await openFlow(userId), ctx))).toMatchObject({ code: 'not_found' })
  })
})
