import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IdpFault, RunbookAction } from '../contract'
import { loadIdpConfig } from '../reference-idp/config'
import { FAULT_AUDIENCE } from '../reference-idp/fault-routes'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { startSimulator, type Simulator } from '../reference-idp/simulator'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { registryWithBreaker } from './support/registry'
import { capture, client, provision, serviceAssertion, TEST_SERVICE_KEYS, totpAccount } from './support/idp-client'
import { eventually } from './support/processes'
import { signUp, simulatorCode } from './support/signup'

/**
 * The IdP's game-day API against a real in-process IdP sending through the provider simulator:
 * auth, validation, faults that make the real breaker and fallback chain act, scope, expiry
 * by the injected clock alone, DELETE, idp_unavailable (F1), drain_vendor, audit and telemetry.
 */
const PASSWORD = 'correct horse battery'
const STEP = 500_000
let skew = 0 // the IdP's clock runs ahead of real time by this much
const idpNow = () => Date.now() + skew
const clock = { at: idpNow, advance: (ms: number) => void (skew += ms) }

/**
 * The shipped registry with a twilio breaker that opens on its first failure and stays open for
 * an hour: the breaker reads the IdP's clock, which each sign-in here moves 500 s (past per-user
 * send limits), so a 60-s window never holds more than one call.
 */
function fastBreakerRegistry(): string {
  return registryWithBreaker('twilio', { failureRatio: 0.5, minimumRequests: 1, openSeconds: 3600, halfOpenProbes: 1 })
}

let sim: Simulator
let idp: RunningIdp
let tel: ReturnType<typeof capture>
beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 13, timeScale: 0.02, baseline: 'clean' })
  tel = capture()
  idp = await startIdp(loadIdpConfig(simulatorIdpEnv(sim.url), {
    port: 0, dataDir: 'memory://', passwordCost: 14, telemetry: 'off', registryPath: fastBreakerRegistry(), rateSignupPerHour: 600,
    rateLoginPerMinute: 10_000, rateCodePerMinute: 10_000, serviceKeys: TEST_SERVICE_KEYS,
  }), { telemetry: tel.t, now: () => new Date(idpNow()), log: () => {} })
})
afterAll(async () => {
  await idp?.close()
  await sim?.close()
})

/** A call to the fault API as the collector's controller makes it: a new assertion per call, at the IdP's time. */
async function service(method: string, path: string, body?: unknown, audience = FAULT_AUDIENCE) {
  const res = await fetch(`${idp.url}${path}`, {
    method, headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceAssertion(idpNow(), audience)}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: await res.json() }
}
const addFault = async (body: object) => {
  const r = await service('POST', '/api/v1/admin/faults', { duration_seconds: 4 * 3600, ...body })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return IdpFault.parse(r.body)
}

/** An account with an active phone factor (enrolled through the vendors), of `group`. */
async function phoneUser(email: string, phone: string, group: 'customer' | 'workforce', channel: 'sms' | 'voice') {
  const api = client(idp.url)
  await signUp(api, email, PASSWORD, simulatorCode(sim.url))
  if (group !== 'customer') await provision(idp.url, email, group) // sign-ups are customers
  const e = await api.post('/api/v1/enroll/oob', { channel, address: phone })
  expect(e.status).toBe(200)
  expect((await api.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code: await lastCode(phone) })).body.status).toBe('active')
  return email
}

/** The code of the newest message on a simulated phone. */
const lastCode = (phone: string) => eventually(async () => {
  const r = await (await fetch(`${sim.url}/devices/phone/${encodeURIComponent(phone)}/messages`)).json()
  return (r.messages as { code: string }[]).at(-1)?.code
}, 15_000, 100)

/** Start a sign-in (the code goes out) and say which vendor took it; the IdP's clock moves 500 s first (past per-user send limits). */
async function signInVendor(email: string): Promise<{ vendor: string; flowId: string }> {
  skew += STEP
  const r = await client(idp.url).post('/api/v1/login', { email, password: PASSWORD })
  expect([r.status, r.body.delivery], JSON.stringify(r.body)).toEqual([200, 'sent'])
  const sent = tel.events.filter((e) => e['event.name'] === 'mfa.provider.request' && e['mfa.flow_id'] === r.body.flow_id && e['mfa.outcome'] === 'success')
  expect(sent).toHaveLength(1)
  return { vendor: String(sent[0]['mfa.provider']), flowId: r.body.flow_id }
}
const ofFlow = (name: string, flowId: string) => tel.named(name).filter((e) => e['mfa.flow_id'] === flowId)
const auditRows = async () => idp.db.query<{ action: string; request_id: string; detail: string }>("SELECT action, request_id, detail FROM audit_log WHERE action LIKE 'gameday.%' ORDER BY id")

describe('IdP game-day faults (real IdP + provider simulator)', () => {
  let customer: string
  let workforce: string
  let synthetic: string
  let smsOnly: string
  let admin: Awaited<ReturnType<typeof totpAccount>>
  let promote: Awaited<ReturnType<typeof totpAccount>>
  // Voice users for scope, expiry, drain; one SMS user for the breaker (twilio's fast breaker then sees that test's calls only).
  it('sets up an admin and phone users in two groups, one of them synthetic', async () => {
    admin = await totpAccount(idp.url, 'faults-admin@example.test', 'admin', clock, PASSWORD, simulatorCode(sim.url))
    customer = await phoneUser('faults-customer@example.test', '+4915100001301', 'customer', 'voice')
    workforce = await phoneUser('faults-workforce@example.test', '+4915100001302', 'workforce', 'voice')
    synthetic = await phoneUser('traffic-13-run-1@example.test', '+4915100001303', 'customer', 'voice')
    smsOnly = await phoneUser('faults-sms@example.test', '+4915100001304', 'customer', 'sms')
    // An authenticator app (offered first) and a phone: for promote_fallback.
    promote = await totpAccount(idp.url, 'faults-promote@example.test', 'workforce', clock, PASSWORD, simulatorCode(sim.url))
    const e = await promote.api.post('/api/v1/enroll/oob', { channel: 'voice', address: '+4915100001305' })
    expect((await promote.api.post('/api/v1/enroll/oob/verify', { factor_id: e.body.factor_id, code: await lastCode('+4915100001305') })).body.status).toBe('active')
  })

  it('refuses callers that are neither a fresh admin nor a fault-control service: 401/403', async () => {
    expect((await fetch(`${idp.url}/api/v1/admin/faults`)).status).toBe(401)
    expect((await client(idp.url).post('/api/v1/admin/faults', { kind: 'error', vendor: 'twilio', duration_seconds: 60 })).status).toBe(401)
    // A signed-in non-admin (a workforce account with a fresh second factor).
    const worker = await totpAccount(idp.url, 'faults-worker@example.test', 'workforce', clock, PASSWORD, simulatorCode(sim.url))
    const w = await worker.api.post('/api/v1/admin/faults', { kind: 'error', vendor: 'twilio', duration_seconds: 60 })
    expect([w.status, w.body.code]).toEqual([403, 'forbidden'])
    // A provisioning assertion is not a fault-control one (audience), and an assertion is single-use.
    expect((await service('GET', '/api/v1/admin/faults', undefined, 'factorwatch-idp-provisioning')).status).toBe(401)
    const token = serviceAssertion(idpNow(), FAULT_AUDIENCE)
    const once = () => fetch(`${idp.url}/api/v1/admin/faults`, { headers: { authorization: `Bearer ${token}` } })
    expect((await once()).status).toBe(200)
    expect((await once()).status).toBe(401)
    // The admin with a fresh second factor may.
    const a = await admin.api.get('/api/v1/admin/faults')
    expect([a.status, a.body]).toEqual([200, { faults: [] }])
    const doc = await (await fetch(`${idp.url}/openapi.json`)).json()
    expect(Object.keys(doc.paths['/api/v1/admin/faults/{id}'])).toEqual(['delete'])
    expect(Object.keys(doc.paths['/api/v1/admin/runbook-actions']).sort()).toEqual(['get', 'post'])
  })

  it('a bad body is a 400 naming the field, and changes nothing', async () => {
    const cases: [object, string][] = [
      [{ kind: 'error', duration_seconds: 60 }, 'vendor'],
      [{ kind: 'error', vendor: 'twilio', duration_seconds: 4 * 3600 + 1 }, 'duration_seconds'],
      [{ kind: 'error', vendor: 'twilio' }, 'duration_seconds'],
      [{ kind: 'error', vendor: 'twilio', duration_seconds: 60, share: 1.5 }, 'share'],
      [{ kind: 'latency', vendor: 'twilio', duration_seconds: 60 }, 'latency_ms'],
      [{ kind: 'idp_unavailable', vendor: 'twilio', duration_seconds: 60 }, 'vendor'],
      [{ kind: 'error', vendor: 'twilio', duration_seconds: 60, scope: { user_group: 'robots' } }, 'scope.user_group'],
      [{ kind: 'error', vendor: 'twillio', duration_seconds: 60 }, 'vendor'],
      [{ kind: 'error', vendor: 'twilio', channel: 'voice', duration_seconds: 60 }, 'channel'],
      [{ kind: 'meteor', vendor: 'twilio', duration_seconds: 60 }, 'kind'],
      [{ kind: 'error', vendor: 'twilio', region: 'ap-south', duration_seconds: 60 }, 'region'],
      [{ kind: 'error', vendor: 'twilio', duration_seconds: 60, colour: 'red' }, 'body'],
    ]
    for (const [body, field] of cases) {
      const r = await service('POST', '/api/v1/admin/faults', body)
      expect([r.status, r.body.field, r.body.code], JSON.stringify(body)).toEqual([400, field, 'bad_request'])
      expect(r.body.message).toContain(field === 'body' ? '' : field)
    }
    const bad = await service('POST', '/api/v1/admin/runbook-actions', { action: 'promote_fallback', factor: 'password', duration_seconds: 60 })
    expect([bad.status, bad.body.field]).toEqual([400, 'factor'])
    expect((await service('POST', '/api/v1/admin/runbook-actions', { action: 'drain_vendor', duration_seconds: 60 })).body.field).toBe('vendor')
    expect((await service('GET', '/api/v1/admin/faults')).body.faults).toEqual([])
    expect((await service('GET', '/api/v1/admin/runbook-actions')).body.actions).toEqual([])
    expect((await service('DELETE', '/api/v1/admin/faults/no-such-fault')).status).toBe(404)
  })

  it('a fault scoped to a user group touches that group only, and expires by the clock alone', async () => {
    expect((await signInVendor(workforce)).vendor).toBe('twilio-voice')
    const f = await addFault({ kind: 'error', vendor: 'twilio-voice', channel: 'voice', duration_seconds: 60, scope: { user_group: 'workforce' }, gameday_id: 'gd-scope', reason: 'drill: workforce calls' })
    expect(f).toMatchObject({ kind: 'error', vendor: 'twilio-voice', channel: 'voice', region: '*', share: 1, active: true, scope: { user_group: 'workforce', synthetic_only: false }, gameday_id: 'gd-scope' })
    expect(Date.parse(f.expires_at) - Date.parse(f.created_at)).toBe(60_000)
    skew -= STEP - 35_000 // the next two sign-ins 35 s later: inside the fault, past the resend cool-down
    const hit = await signInVendor(workforce)
    expect(hit.vendor).toBe('vonage-voice')
    expect(ofFlow('mfa.provider.request', hit.flowId).map((e) => [e['mfa.provider'], e['mfa.reason'], e['mfa.gameday_id']])).toEqual([['twilio-voice', 'http_5xx', 'gd-scope'], ['vonage-voice', 'ok', 'gd-scope']])
    expect(ofFlow('mfa.fallback', hit.flowId)).toMatchObject([{ 'mfa.fallback_from': 'twilio-voice', 'mfa.fallback_to': 'vonage-voice', 'mfa.reason': 'provider_error', 'mfa.gameday_id': 'gd-scope' }])
    skew -= STEP
    const other = await signInVendor(customer)
    expect(other.vendor).toBe('twilio-voice')
    expect(ofFlow('mfa.provider.request', other.flowId)[0]['mfa.gameday_id']).toBeUndefined()
    // 500 s pass on the IdP's clock; nobody calls the fault API.
    expect((await signInVendor(workforce)).vendor).toBe('twilio-voice')
    const rows = await eventually(async () => {
      const r = (await auditRows()).filter((x) => x.request_id === f.id)
      return r.length === 2 ? r : undefined
    }, 10_000, 100)
    expect(rows.map((r) => r.action)).toEqual(['gameday.fault.applied', 'gameday.fault.expired'])
    expect(rows[0].detail).toMatch(/^error twilio-voice voice\/\* 100% user_group:workforce until .* gameday gd-scope by service tests\/tests: drill: workforce calls$/)
    expect(tel.named('gameday.fault').filter((e) => e['mfa.fault_id'] === f.id).map((e) => e['mfa.reason'])).toEqual(['applied', 'expired'])
    expect(tel.named('gameday.fault').find((e) => e['mfa.fault_id'] === f.id)).toMatchObject({ 'mfa.fault_kind': 'error', 'mfa.provider': 'twilio-voice', 'mfa.channel': 'voice', 'mfa.fault_share': 1, 'mfa.fault_scope': 'user_group:workforce', 'mfa.gameday_id': 'gd-scope' })
    expect((await service('GET', '/api/v1/admin/faults')).body.faults.find((x: IdpFault) => x.id === f.id)).toMatchObject({ active: false, revoked_at: null })
  })

  it('synthetic_only touches the traffic generator\'s accounts only; DELETE reverts at once', async () => {
    const f = await addFault({ kind: 'rate_limit', vendor: 'twilio-voice', scope: { synthetic_only: true } })
    const hit = await signInVendor(synthetic)
    expect(hit.vendor).toBe('vonage-voice')
    expect(ofFlow('mfa.provider.request', hit.flowId)[0]).toMatchObject({ 'mfa.provider': 'twilio-voice', 'mfa.outcome': 'rate_limited', 'mfa.http_status_class': '4xx' })
    expect((await signInVendor(customer)).vendor).toBe('twilio-voice')
    // The admin's second factor is stale on the IdP's clock by now: a step-up is needed, the fault API says so.
    const stale = await admin.api.get('/api/v1/admin/faults')
    expect(stale.status).toBe(401) // the session idled out on the IdP's clock
    const r = await service('DELETE', `/api/v1/admin/faults/${f.id}`)
    expect(r.status).toBe(200)
    expect(IdpFault.parse(r.body)).toMatchObject({ id: f.id, active: false, revoked_at: expect.any(String) })
    expect((await signInVendor(synthetic)).vendor).toBe('twilio-voice')
    expect((await service('DELETE', `/api/v1/admin/faults/${f.id}`)).body.revoked_at).toBe(r.body.revoked_at) // idempotent
    expect((await auditRows()).filter((x) => x.request_id === f.id).map((x) => x.action)).toEqual(['gameday.fault.applied', 'gameday.fault.revoked'])
  })

  it('idp_unavailable (F1) answers sign-ins 503 with Retry-After, and only sign-ins', async () => {
    const f = await addFault({ kind: 'idp_unavailable', share: 1, gameday_id: 'gd-f1' })
    const api = client(idp.url)
    const r = await api.post('/api/v1/login', { email: customer, password: PASSWORD })
    expect([r.status, r.body.code, r.headers.get('retry-after')]).toEqual([503, 'overloaded', '5'])
    const verify = await api.post('/api/v1/login/code', { flow_id: '00000000-0000-4000-8000-000000000000', channel: 'sms', code: '123456' })
    expect([verify.status, verify.headers.get('retry-after')]).toEqual([503, '5'])
    const page = await api.form('/login', { email: customer, password: PASSWORD })
    expect([page.status, page.headers.get('retry-after')]).toEqual([503, '5'])
    expect(tel.named('mfa.login.completed').filter((e) => e['mfa.reason'] === 'idp_unavailable').at(-1)).toMatchObject({ 'mfa.outcome': 'error', 'mfa.gameday_id': 'gd-f1' })
    expect(tel.named('mfa.challenge.verified').at(-1)).toMatchObject({ 'mfa.outcome': 'error', 'mfa.reason': 'internal_error', 'mfa.factor': 'sms', 'mfa.gameday_id': 'gd-f1' })
    // The rest of the IdP answers (and the fault API, to end it).
    expect((await fetch(`${idp.url}/healthz`)).status).toBe(200)
    expect((await service('DELETE', `/api/v1/admin/faults/${f.id}`)).status).toBe(200)
    expect((await api.post('/api/v1/login', { email: customer, password: PASSWORD })).status).toBe(200)
  })

  it('idp_unavailable scoped to a group leaves another group signing in', async () => {
    const f = await addFault({ kind: 'idp_unavailable', scope: { user_group: 'workforce' } })
    skew += STEP
    expect((await client(idp.url).post('/api/v1/login', { email: workforce, password: PASSWORD })).status).toBe(503)
    expect((await client(idp.url).post('/api/v1/login', { email: customer, password: PASSWORD })).status).toBe(200)
    expect(tel.named('mfa.login.completed').filter((e) => e['mfa.reason'] === 'idp_unavailable').at(-1)).toMatchObject({ 'mfa.user_group': 'workforce' })
    await service('DELETE', `/api/v1/admin/faults/${f.id}`)
  })

  it('drain_vendor holds twilio-voice\'s circuit open: calls go down the chain, and come back when the action ends', async () => {
    const r = await service('POST', '/api/v1/admin/runbook-actions', { action: 'drain_vendor', vendor: 'twilio-voice', channel: 'voice', duration_seconds: 900, gameday_id: 'gd-drain', reason: 'runbook: twilio degraded' })
    expect(r.status).toBe(201)
    const a = RunbookAction.parse(r.body)
    const drained = await signInVendor(customer)
    expect(drained.vendor).toBe('vonage-voice')
    expect(ofFlow('mfa.fallback', drained.flowId)).toMatchObject([{ 'mfa.fallback_from': 'twilio-voice', 'mfa.fallback_to': 'vonage-voice', 'mfa.reason': 'circuit_open', 'mfa.gameday_id': 'gd-drain' }])
    expect(ofFlow('mfa.provider.request', drained.flowId)[0]).toMatchObject({ 'mfa.provider': 'twilio-voice', 'mfa.reason': 'circuit_open' })
    expect(await (await fetch(`${idp.url}/metrics`)).text()).toMatch(/idp_circuit_state\{provider="twilio-voice"\} 2/)
    // Ends by itself: the action lasted 900 s, the next sign-in is 1000 s in.
    expect((await signInVendor(customer)).vendor).toBe('twilio-voice')
    await eventually(async () => (await auditRows()).some((x) => x.request_id === a.id && x.action === 'gameday.action.expired') || undefined, 10_000, 100)
    expect(tel.named('mfa.circuit.changed').filter((e) => e['mfa.provider'] === 'twilio-voice' && e['mfa.reason'] === 'manual').map((e) => `${e['mfa.circuit_from_state']}→${e['mfa.circuit_state']}:${e['mfa.gameday_id']}`)).toEqual(['closed→open:gd-drain', 'open→closed:gd-drain'])
    expect(tel.named('gameday.fault').filter((e) => e['mfa.fault_id'] === a.id)).toMatchObject([{ 'mfa.fault_kind': 'drain_vendor', 'mfa.reason': 'applied' }, { 'mfa.reason': 'expired' }])
  })

  it('an SMS error fault on twilio makes codes fail over to vonage and opens the real breaker', async () => {
    const f = await addFault({ kind: 'error', vendor: 'twilio', channel: 'sms', gameday_id: 'gd-sms' })
    const vendors: string[] = []
    for (let i = 0; i < 6 && !tel.named('mfa.circuit.changed').some((e) => e['mfa.provider'] === 'twilio' && e['mfa.reason'] === 'failure_threshold'); i++) vendors.push((await signInVendor(smsOnly)).vendor)
    expect(vendors.length).toBeGreaterThan(0)
    expect(vendors.every((v) => v === 'vonage')).toBe(true)
    const opened = tel.named('mfa.circuit.changed').filter((e) => e['mfa.provider'] === 'twilio' && e['mfa.reason'] === 'failure_threshold')
    expect(opened).toMatchObject([{ 'mfa.circuit_from_state': 'closed', 'mfa.circuit_state': 'open', 'mfa.gameday_id': 'gd-sms' }])
    // Once open, twilio is skipped without a call.
    const next = await signInVendor(smsOnly)
    expect(next.vendor).toBe('vonage')
    expect(ofFlow('mfa.provider.request', next.flowId)[0]).toMatchObject({ 'mfa.provider': 'twilio', 'mfa.reason': 'circuit_open' })
    const failed = tel.named('mfa.provider.request').filter((e) => e['mfa.provider'] === 'twilio' && e['mfa.reason'] === 'http_5xx' && e['mfa.gameday_id'] === 'gd-sms')
    expect(failed.length).toBe(vendors.length)
    expect((await service('DELETE', `/api/v1/admin/faults/${f.id}`)).body.active).toBe(false)
    const list = (await service('GET', '/api/v1/admin/faults')).body.faults.map((x: unknown) => IdpFault.parse(x))
    expect(list.filter((x: IdpFault) => x.active).map((x: IdpFault) => `${x.kind} ${x.vendor} ${x.expires_at}`)).toEqual([])
  })

  it('promote_fallback offers the promoted factor first to users who have it, and reverts on DELETE', async () => {
    const u = promote
    const next = async () => {
      skew += STEP
      return (await client(idp.url).post('/api/v1/login', { email: u.email, password: PASSWORD })).body
    }
    expect((await next()).next).toBe('totp')
    const r = await service('POST', '/api/v1/admin/runbook-actions', { action: 'promote_fallback', factor: 'voice', instead_of: 'totp', duration_seconds: 3600, gameday_id: 'gd-promote' })
    expect([r.status, r.body.active, r.body.factor, r.body.instead_of]).toEqual([201, true, 'voice', 'totp'])
    const promoted = await next()
    expect([promoted.next, promoted.delivery]).toEqual(['voice', 'sent'])
    expect(tel.named('mfa.login.started').filter((x) => x['mfa.flow_id'] === promoted.flow_id)).toMatchObject([{ 'mfa.gameday_id': 'gd-promote' }])
    // Someone without the promoted factor keeps their order.
    expect((await client(idp.url).post('/api/v1/login', { email: admin.email, password: PASSWORD })).body.next).toBe('totp')
    expect((await service('DELETE', `/api/v1/admin/runbook-actions/${r.body.id}`)).body.active).toBe(false)
    expect((await next()).next).toBe('totp')
    expect((await auditRows()).filter((x) => x.request_id === r.body.id).map((x) => x.action)).toEqual(['gameday.action.applied', 'gameday.action.revoked'])
    expect(tel.named('gameday.fault').filter((x) => x['mfa.fault_id'] === r.body.id)).toMatchObject([{ 'mfa.fault_kind': 'promote_fallback', 'mfa.factor': 'voice', 'mfa.fallback_from': 'totp', 'mfa.reason': 'applied' }, { 'mfa.reason': 'revoked' }])
  })
})
