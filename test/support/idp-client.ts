import { randomBytes } from 'node:crypto'
import type { EventAttributes, EventName } from '../../contract'
import { buildEvent } from '../../contract'
import { loadIdpConfig, type IdpConfig } from '../../reference-idp/config'
import { startIdp, type RunningIdp } from '../../reference-idp/server'
import type { Db } from '../../reference-idp/store/db'
import { createLocalOutbox, type LocalOutbox } from '../../reference-idp/subprocessors/local'
import type { Telemetry } from '../../reference-idp/telemetry/telemetry'
import type { Clock } from '../../contract/clock'
import { newServiceKeyPair, signServiceAssertion } from '../../reference-idp/service-auth/assertion'
import { loadKeys } from '../../reference-idp/keys'
import { msToNextTotpStep, totpAt, totpStep } from './totp'
import { outboxCode, signUp, type ReadCode } from './signup'

/** Telemetry that keeps every event (after the contract check the real one does). */
export function capture() {
  const events: Record<string, string | number>[] = []
  const t: Telemetry = {
    emit: (name: EventName, attrs: EventAttributes) => void events.push(buildEvent(name, attrs)),
    span: (_n, _a, fn) => fn(undefined),
    step: (_p, _n, _a, fn) => fn(),
    flush: async () => {},
    shutdown: async () => {},
  }
  return { t, events, named: (n: string) => events.filter((e) => e['event.name'] === n) }
}

/** A cookie-keeping client; `form` posts urlencoded like a browser. */
export function client(base: string, headers: Record<string, string> = {}) {
  // A cookie jar: the IdP sets a device cookie, a session cookie and a remembered-device cookie.
  const jar = new Map<string, string>()
  const header = () => [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ')
  const call = async (method: string, path: string, body?: unknown, form = false) => {
    const res = await fetch(`${base}${path}`, {
      method, redirect: 'manual',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...(jar.size ? { cookie: header() } : {}), ...headers },
      body: body === undefined ? undefined : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      jar.set(pair.slice(0, i), pair.slice(i + 1))
    }
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : {} }
  }
  return { post: (p: string, b: unknown = {}) => call('POST', p, b), get: (p: string) => call('GET', p), form: (p: string, b: Record<string, string>) => call('POST', p, b, true), cookie: header, setCookie: (c: string) => {
    jar.clear()
    for (const part of c.split('; ')) if (part.includes('=')) jar.set(part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1))
  }, jar }
}


export interface TestIdp { idp: RunningIdp; tel: ReturnType<typeof capture>; box: LocalOutbox }

/**
 * An in-process IdP on the store `open` gives (see testStores), with captured telemetry, an
 * in-memory outbox for SMS/e-mail codes and an injected clock; null when that store is absent
 * outside CI.
 */
export async function startTestIdp(open: () => Promise<Db | null>, now: () => Date, config: Partial<IdpConfig> = {}): Promise<TestIdp | null> {
  const db = await open()
  if (!db) return null
  const tel = capture()
  const box = createLocalOutbox()
  // The IdP reads the test's time and never holds a test up: its waits (the progressive delay
  // after a wrong code) return at once, and its time moves only when the test moves it.
  const clock: Clock = { now: () => now().getTime(), sleep: async () => {} }
  const idp = await startIdp(loadIdpConfig({}, { port: 0, dataDir: 'memory://', telemetry: 'off', rateSignupPerHour: 1_000_000, serviceKeys: TEST_SERVICE_KEYS, passwordCost: 14, ...config }), { db, telemetry: config.telemetry === 'on' ? undefined : tel.t, sender: box, clock, log: () => {} })
  outboxes.set(idp.url, box)
  clocks.set(idp.url, now)
  return { idp, tel, box }
}

/** The outbox of each IdP startTestIdp started, by URL: where helpers read the codes it mails. */
const outboxes = new Map<string, LocalOutbox>()
/** The injected clock of each test IdP: provisioning assertions are signed at the IdP's time. */
const clocks = new Map<string, () => Date>()
/** Reads sign-up codes mailed by the test IdP at `url` (started by startTestIdp). */
export function mailedCode(url: string): ReadCode {
  const box = outboxes.get(url)
  if (!box) throw new Error(`mailedCode: no test IdP with an outbox at ${url}; pass a reader (simulatorCode) instead`)
  return outboxCode(box)
}

/** The provisioning key pair of the tests: test IdPs trust its public half (IDP_SERVICE_KEYS). */
const serviceKey = newServiceKeyPair('tests')
export const TEST_SERVICE_KEYS = JSON.stringify({ keys: [serviceKey.publicJwk] })
/** A fresh single-use assertion signed with the tests' key (what a provisioning service sends); another `audience` for other service APIs (fault control). */
export const serviceAssertion = (nowMs = Date.now(), audience?: string) => signServiceAssertion(serviceKey.privateJwk, nowMs, 'tests', audience)

/** Give an account its type as an operator does (account types are never chosen at sign-up). */
export async function provision(url: string, email: string, group: 'admin' | 'workforce' | 'vendor' | 'customer'): Promise<void> {
  const r = await client(url, { authorization: `Bearer ${serviceAssertion(clocks.get(url)?.().getTime())}` }).post('/api/v1/admin/account-type', { email, user_group: group, reason: 'test provisioning' })
  if (r.status !== 200) throw new Error(`provision: ${email} as ${group} failed: HTTP ${r.status} ${r.text}`)
}

/** The test's clock: read it, move it on (TOTP steps are single-use, so each code needs a new step). */
export interface TestClock { at(): number; advance(ms: number): void }

/** Move the test's clock to the first moment of the next TOTP step: the next code is one no earlier step used. */
export const nextTotpStep = (clock: TestClock): void => clock.advance(msToNextTotpStep(clock.at()))

/**
 * Fail fast when a test IdP's clock is not the helper's: codes taken from one clock and checked
 * on another can land in a step the IdP already accepted (code_replayed) or outside its window.
 */
function sameStep(url: string, clock: TestClock, what: string): void {
  const idpNow = clocks.get(url)?.().getTime()
  if (idpNow !== undefined && totpStep(idpNow) !== totpStep(clock.at()))
    throw new Error(`${what}: the test clock (${new Date(clock.at()).toISOString()}) and the clock of the IdP at ${url} (${new Date(idpNow).toISOString()}) are in different TOTP steps; start the IdP with the same clock`)
}

/**
 * Sign up with an active authenticator app, then sign in with password + TOTP in a new client:
 * an account whose session has a fresh second factor (admin and step-up actions pass).
 */
export async function totpAccount(url: string, email: string, group: 'admin' | 'workforce', clock: TestClock, password = 'correct horse battery', readCode?: ReadCode) {
  const setup = client(url)
  await signUp(setup, email, password, readCode ?? mailedCode(url))
  await provision(url, email, group)
  const e = await setup.post('/api/v1/enroll/totp')
  const secret = new URL(e.body.otpauth_uri).searchParams.get('secret')!
  sameStep(url, clock, 'totpAccount')
  const on = await setup.post('/api/v1/enroll/totp/verify', { credential_id: e.body.credential_id, code: totpAt(secret, clock.at()) })
  if (on.body.status !== 'active') throw new Error(`totpAccount: turning on the app failed: HTTP ${on.status} ${JSON.stringify(on.body)}`)
  // Two codes: the sign-in's comes from the next step on the IdP's own clock, never the enrollment's.
  nextTotpStep(clock)
  sameStep(url, clock, 'totpAccount')
  const api = client(url)
  const flow = (await api.post('/api/v1/login', { email, password })).body.flow_id
  const done = await api.post('/api/v1/login/totp', { flow_id: flow, code: totpAt(secret, clock.at()) })
  if (done.body.status !== 'authenticated') throw new Error(`totpAccount: sign-in failed: ${JSON.stringify(done.body)}`)
  return { email, api, secret, setup, totpId: e.body.credential_id as string }
}

/**
 * Fixed IdP keys for a test (pass `config` to startTestIdp) and the user hash they give, so a
 * test can say whose hash an event carries (the IdP's own userHash, not a copy of it).
 */
export function testKeys() {
  const config = { secretKey: randomBytes(32).toString('hex'), userHashKey: randomBytes(32).toString('hex') }
  const keys = loadKeys({ ...config, dataDir: 'memory://' })
  return { config, userHash: (userId: string) => keys.userHash(userId) }
}
