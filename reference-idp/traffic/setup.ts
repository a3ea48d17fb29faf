import { randomBytes } from 'node:crypto'
import { CookieJar, isTransport, userIp } from './client'
import { waitForCode } from './device'
import { enrollPush, platformFor, undeliveredPush } from './enroll-push'
import { phoneFor, remember } from './oob'
import { recordSend } from './pacing'
import { enrollPasskey, passkeyOrigin } from './passkey-flow'
import { SIGNUP_UNDELIVERED, signUpUser } from './signup-flow'
import { assignFactors, planUser, type OobFactor, type SecondFactor, type UserProfile } from './plan'
import { call, provisionGroup, sendTotp, SetupError, what, type SetupDeps } from './setup-common'
import { keyFromOtpauth } from './totp'
import type { OobUser, SimUser } from './users'

export type { SetupDeps }

/**
 * Setup phase: sign up each simulated user, a few at a time, and enroll and activate its
 * second factor: TOTP, an SMS / voice number activated with the code read off the
 * simulator's device, TOTP and then a push phone (push users), or a passkey.
 */

const token = () => randomBytes(4).toString('hex')

/** How long a user waits for its enrollment code before enrolling the address again (once). */
export const ENROLL_CODE_WAIT_MS = 25_000 // SMS p99 in the simulator's realistic profiles is well under this; a lost one is retried
const ENROLL_TRIES = 2
const channelName = (c: OobFactor) => (c === 'sms' ? 'SMS' : 'voice')
const undelivered = (name: string) =>
  `no ${name} enrollment code reached the simulator's device within ${ENROLL_CODE_WAIT_MS / 1000} s (${ENROLL_TRIES} tries); does the IdP send through the simulator (IDP_PROVIDER_URL)?`
const needsDevice = (f: SecondFactor) => f === 'sms' || f === 'voice' || f === 'push'
/** After this many users whose codes (sign-up, SMS / voice, push) never arrived, and none whose did, the rest fail at once. */
const UNDELIVERED_GIVE_UP = 2

async function createUser(d: SetupDeps, index: number, profile: UserProfile, runId: string, origin: () => Promise<string>): Promise<SimUser> {
  const caller = { jar: new CookieJar(), country: profile.country, client: profile.client, ip: userIp(index) }
  const password = randomBytes(15).toString('base64url') // 20 characters
  // The run id keeps addresses of earlier runs apart (sign-up never says an address is taken).
  const email = `traffic-${d.seed}-${runId}-${index}@example.test`
  await signUpUser(d, caller, email, password)
  await provisionGroup(d, email, profile.group, { jar: new CookieJar(), country: profile.country, ip: caller.ip })
  const user: SimUser = { index, email, password, profile, jar: caller.jar, key: null, oob: null, lastStep: null, busy: false, notBefore: 0 }
  if (profile.second === 'none') return user
  if (profile.second === 'passkey') return { ...user, passkey: await enrollPasskey(d, caller, await origin()) }
  if (profile.second === 'sms' || profile.second === 'voice') return { ...user, oob: await enrollOob(d, caller, profile.second, phoneFor(d.seed, index)) }

  // TOTP users, and push users (the app is their backup factor, enrolled first).
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
  const r = await sendTotp(user, key, d.now ?? Date.now, (code) => call(d, '/api/v1/enroll/totp/verify', { credential_id: credentialId, code }, caller))
  if (r && r.status !== 200 && r.status !== 401) throw new SetupError(`TOTP activation failed: ${what(r)}`)
  if (r?.status !== 200) throw new SetupError('TOTP activation refused the code twice (is the IdP clock off?)')
  const withTotp = { ...user, key }
  if (profile.second !== 'push') return withTotp
  const push = await enrollPush(d, caller, withTotp, platformFor(profile.client, index)) // spends a step (step-up): spread after it
  return { ...withTotp, push }
}

/** Add an SMS / voice number and activate it with the code the simulated phone receives. */
async function enrollOob(d: SetupDeps, caller: { jar: CookieJar; country: string; client: string; ip: string }, channel: OobFactor, address: string): Promise<OobUser> {
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
    // Codes arrive after a simulated delivery delay, and some never do: then enroll again. The
    // late code of an earlier try can arrive first: a wrong code means waiting for the next one.
    for (let code = 0; code < 3; code++) {
      const msg = await waitForCode({ devices: d.devices, sleep: d.sleep, now, signal: d.signal }, { channel, address }, since, since + ENROLL_CODE_WAIT_MS, oob.used)
      if (!msg) break
      remember(oob.used, msg.id)
      const r = await call(d, '/api/v1/enroll/oob/verify', { factor_id: factorId, code: msg.code }, caller)
      if (r.status === 200) return oob
      if (i === 0 || isTransport(r) || r.body.code !== 'invalid_code') throw new SetupError(`${name} activation failed: ${what(r)}`)
    }
  }
  throw new SetupError(undelivered(name), true)
}

/**
 * Create up to `count` users, SMS / voice and push users first (an SMS / voice enrollment
 * code starts the IdP's resend cooldown, which should be over when the load starts). Users that
 * fail are counted and reported once per distinct reason.
 */
export async function createUsers(d: SetupDeps, count: number): Promise<SimUser[]> {
  const assigned = d.factorRand && d.shares ? assignFactors(count, d.shares, d.factorRand) : []
  const profiles = Array.from({ length: count }, (_, i) => planUser(d.rand, assigned[i] ?? null)) // drawn in order: same seed, same users
    // Without a provisioning key no account can be anything but a customer (types are provisioned).
    .map((p) => (d.serviceAuth ? p : { ...p, group: 'customer' as const }))
  const first = (i: number) => (needsDevice(profiles[i].second) ? 1 : 0)
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => first(b) - first(a) || a - b)
  const runId = token()
  let origin: Promise<string> | undefined
  const originOnce = () => (origin ??= passkeyOrigin(d.client))
  const ready: SimUser[] = []
  const reasons = new Map<string, number>()
  let next = 0
  let hardFailures = 0
  const codes = { delivered: 0, undelivered: 0, signupLost: 0 }
  let lastUndelivered: string | undefined
  const worker = async () => {
    while (next < count && !d.signal.aborted) {
      // Nothing works at all: stop instead of grinding through every user's retries.
      if (d.stats.users.ready === 0 && hardFailures >= Math.min(count, 8)) return
      const i = order[next++]
      const second = profiles[i].second
      try {
        // No code has reached a device yet, and several never did: the IdP does not send through the simulator.
        // Sign-up codes that never came hold for every user, phone codes for SMS / voice / push users.
        if (codes.delivered === 0 && (codes.signupLost >= UNDELIVERED_GIVE_UP || (needsDevice(second) && codes.undelivered >= UNDELIVERED_GIVE_UP)))
          throw new SetupError(codes.signupLost >= UNDELIVERED_GIVE_UP ? SIGNUP_UNDELIVERED : second === 'push' ? (lastUndelivered ?? undeliveredPush) : undelivered(channelName(second as OobFactor)), true)
        const user = await createUser(d, i, profiles[i], runId, originOnce)
        ready.push(user)
        d.stats.users.ready++
        codes.delivered++ // every user read its sign-up code off the simulator's mailbox
        if (user.push) d.stats.users.push++
        else if (user.passkey) d.stats.users.passkey++
        else if (user.key) d.stats.users.totp++
        else if (user.oob) d.stats.users[user.oob.channel]++
        else d.stats.users.passwordOnly++
      } catch (err) {
        if (!(err instanceof SetupError)) throw err
        d.stats.users.failed++
        if (err.undelivered) {
          codes.undelivered++
          if (err.message === SIGNUP_UNDELIVERED) codes.signupLost++
          else if (second === 'push') lastUndelivered = err.message
        } else hardFailures++
        const n = (reasons.get(err.message) ?? 0) + 1
        reasons.set(err.message, n)
        if (n === 1) d.log(`traffic: setup: user ${i}: ${err.message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(d.concurrency, count) }, worker))
  return ready.sort((a, b) => a.index - b.index)
}
