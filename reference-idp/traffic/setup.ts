import { randomBytes } from 'node:crypto'
import { CookieJar, isTransport, userIp, type ApiResult, type IdpClient } from './client'
import { waitForCode, type DeviceReader } from './device'
import { phoneFor, remember } from './oob'
import { recordSend } from './pacing'
import { assignOobFactors, planUser, type OobFactor, type OobShares, type UserProfile } from './plan'
import { chooseStep, markStep } from './steps'
import type { RunStats } from './summary'
import { codeForStep, keyFromOtpauth } from './totp'
import type { OobUser, SimUser } from './users'

/**
 * Setup phase: sign up each simulated user, a few at a time, and enroll and activate its
 * second factor: TOTP, or an SMS / e-mail address activated with the code read off the
 * simulator's device.
 */

export interface SetupDeps {
  client: IdpClient
  stats: RunStats
  seed: number
  /** Seeded source of user profiles (group, country, client, TOTP or not). */
  rand: () => number
  concurrency: number
  signal: AbortSignal
  sleep: (ms: number) => Promise<void>
  /** A progress / problem line (stderr); never given secrets. */
  log: (line: string) => void
  /** The simulator's phones and mailboxes; needed for SMS / e-mail users. */
  devices?: DeviceReader | null
  /** Seeded source of which users get SMS / e-mail, and the shares of all users that do. */
  factorRand?: () => number
  shares?: OobShares
  now?: () => number
}

const token = () => randomBytes(4).toString('hex')
const MAX_TRIES = 5
const MAX_FAILURE_TRIES = 3

class SetupError extends Error {
  /** True when an SMS / e-mail code never reached the device (the IdP may not send through the simulator). */
  constructor(message: string, readonly undelivered = false) {
    super(message)
  }
}

/** How long a user waits for its enrollment code before enrolling the address again (once). */
export const ENROLL_CODE_WAIT_MS = 25_000 // SMS p99 in the simulator's realistic profiles is well under this; a lost one is retried
const ENROLL_TRIES = 2
const channelName = (c: OobFactor) => (c === 'sms' ? 'SMS' : 'e-mail')
const undelivered = (name: string) =>
  `no ${name} enrollment code reached the simulator's device within ${ENROLL_CODE_WAIT_MS / 1000} s (${ENROLL_TRIES} tries); does the IdP send through the simulator (IDP_PROVIDER_URL)?`
/** After this many SMS / e-mail users whose codes never arrived, and none whose did, the rest fail at once. */
const UNDELIVERED_GIVE_UP = 2

/** Describe a failed call without anything secret. */
const what = (r: ApiResult) => (isTransport(r) ? r.error : `HTTP ${r.status}${r.code ? ` ${r.code}` : ''}`)

/**
 * POST with the retries setup deserves: honour Retry-After on 429/503 (up to 5 tries), retry
 * transport errors and 5xx twice. Returns the last answer (which may still be a failure).
 */
async function call(d: SetupDeps, path: string, body: Record<string, unknown>, user: { jar: CookieJar; country: string; client: string }): Promise<ApiResult> {
  let r: ApiResult = { status: 0, error: 'not tried', ms: 0 }
  let failures = 0
  for (let i = 0; i < MAX_TRIES && !d.signal.aborted; i++) {
    r = await d.client.post(path, body, user)
    if (r.status === 429 || r.status === 503) await d.sleep(Math.min(30_000, !isTransport(r) && r.retryAfterMs !== null ? r.retryAfterMs : 1_000))
    else if (isTransport(r) || r.status >= 500) {
      if (++failures >= MAX_FAILURE_TRIES) return r
      await d.sleep(500 * failures)
    } else return r
  }
  return r
}

async function createUser(d: SetupDeps, index: number, profile: UserProfile, runId: string): Promise<SimUser> {
  const caller = { jar: new CookieJar(), country: profile.country, client: profile.client, ip: userIp(index) }
  const password = randomBytes(15).toString('base64url') // 20 characters
  let email = ''
  for (let attempt = 0; ; attempt++) {
    email = `traffic-${d.seed}-${attempt === 0 ? runId : token()}-${index}@example.test`
    const r = await call(d, '/api/v1/signup', { email, password, user_group: profile.group }, caller)
    if (r.status === 201) break
    if (r.status === 409 && !isTransport(r) && r.code === 'email_taken' && attempt < MAX_TRIES) continue
    throw new SetupError(`sign-up failed: ${what(r)}`)
  }
  const user: SimUser = { index, email, password, profile, jar: caller.jar, key: null, oob: null, lastStep: null, busy: false, notBefore: 0 }
  if (profile.second === 'none') return user
  if (profile.second !== 'totp') {
    const address = profile.second === 'sms' ? phoneFor(d.seed, index) : email
    return { ...user, oob: await enrollOob(d, caller, profile.second, address) }
  }

  const enroll = await call(d, '/api/v1/enroll/totp', {}, caller)
  if (enroll.status !== 200 || isTransport(enroll)) throw new SetupError(`TOTP enrollment failed: ${what(enroll)}`)
  const { credential_id: credentialId, otpauth_uri: uri } = enroll.body
  if (typeof credentialId !== 'string' || typeof uri !== 'string') throw new SetupError('TOTP enrollment answered without credential_id / otpauth_uri')
  let key
  try {
    key = keyFromOtpauth(uri)
  } catch (err) {
    throw new SetupError((err as Error).message)
  }
  // Activation consumes a step like a login does; a second try takes the next step.
  for (let i = 0; i < 2; i++) {
    const choice = chooseStep(user.lastStep, Date.now(), key.periodSeconds)
    if (!choice) break
    user.lastStep = markStep(user.lastStep, choice.step)
    const r = await call(d, '/api/v1/enroll/totp/verify', { credential_id: credentialId, code: codeForStep(key, choice.step) }, caller)
    if (r.status === 200) return { ...user, key }
    if (r.status !== 401) throw new SetupError(`TOTP activation failed: ${what(r)}`)
  }
  throw new SetupError('TOTP activation refused the code twice (is the IdP clock off?)')
}

/** Add an SMS number or e-mail address and activate it with the code the simulated device receives. */
async function enrollOob(d: SetupDeps, caller: { jar: CookieJar; country: string; client: string }, channel: OobFactor, address: string): Promise<OobUser> {
  const name = channelName(channel)
  if (!d.devices) throw new SetupError(`${name} users need --simulator to read their codes`)
  const now = d.now ?? Date.now
  const oob: OobUser = { channel, address, used: new Set(), lastLoginAt: null, sends: [] }
  for (let i = 0; i < ENROLL_TRIES && !d.signal.aborted; i++) {
    const since = now()
    const enroll = await call(d, '/api/v1/enroll/oob', { channel, address }, caller)
    if (enroll.status !== 200 || isTransport(enroll)) throw new SetupError(`${name} enrollment failed: ${what(enroll)}`)
    const factorId = enroll.body.factor_id
    if (typeof factorId !== 'string') throw new SetupError(`${name} enrollment answered without factor_id`)
    recordSend(oob, since)
    // Codes arrive after a simulated delivery delay, and some never do: then enroll again.
    const msg = await waitForCode({ devices: d.devices, sleep: d.sleep, now, signal: d.signal }, { channel, address }, since, since + ENROLL_CODE_WAIT_MS, oob.used)
    if (!msg) continue
    remember(oob.used, msg.id)
    const r = await call(d, '/api/v1/enroll/oob/verify', { factor_id: factorId, code: msg.code }, caller)
    if (r.status === 200) return oob
    throw new SetupError(`${name} activation failed: ${what(r)}`)
  }
  throw new SetupError(undelivered(name), true)
}

/**
 * Create up to `count` users, SMS / e-mail users first (their enrollment code starts the IdP's
 * resend cooldown, which should be over when the load starts). Users that fail are counted and
 * reported once per distinct reason.
 */
export async function createUsers(d: SetupDeps, count: number): Promise<SimUser[]> {
  const oob = d.factorRand && d.shares ? assignOobFactors(count, d.shares, d.factorRand) : []
  const profiles = Array.from({ length: count }, (_, i) => planUser(d.rand, oob[i] ?? null)) // drawn in order: same seed, same users
  const isOob = (i: number) => (oob[i] ? 1 : 0)
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => isOob(b) - isOob(a) || a - b)
  const runId = token()
  const ready: SimUser[] = []
  const reasons = new Map<string, number>()
  let next = 0
  let hardFailures = 0
  const codes = { delivered: 0, undelivered: 0 }
  const worker = async () => {
    while (next < count && !d.signal.aborted) {
      // Nothing works at all: stop instead of grinding through every user's retries.
      if (d.stats.users.ready === 0 && hardFailures >= Math.min(count, 8)) return
      const i = order[next++]
      const second = profiles[i].second
      try {
        // No code has reached a device yet, and several never did: the IdP does not send through the simulator.
        if ((second === 'sms' || second === 'email') && codes.delivered === 0 && codes.undelivered >= UNDELIVERED_GIVE_UP)
          throw new SetupError(undelivered(channelName(second)), true)
        const user = await createUser(d, i, profiles[i], runId)
        ready.push(user)
        d.stats.users.ready++
        if (user.key) d.stats.users.totp++
        else if (user.oob) {
          d.stats.users[user.oob.channel]++
          codes.delivered++
        } else d.stats.users.passwordOnly++
      } catch (err) {
        if (!(err instanceof SetupError)) throw err
        d.stats.users.failed++
        if (err.undelivered) codes.undelivered++
        else hardFailures++
        const n = (reasons.get(err.message) ?? 0) + 1
        reasons.set(err.message, n)
        if (n === 1) d.log(`traffic: setup: user ${i}: ${err.message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(d.concurrency, count) }, worker))
  return ready.sort((a, b) => a.index - b.index)
}
