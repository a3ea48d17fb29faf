import { CookieJar, isTransport, type Caller } from './client'
import type { Client } from './plan'
import { newPushDevice, pushAnswer, type PhonePush, type PushDevice, type PushPlatform } from './push'
import { call, sendTotp, SetupError, what, type SetupDeps } from './setup-common'
import type { PushUser, SimUser } from './users'

/**
 * Setup of a push user, after its TOTP app is active: step up with the app (adding a factor
 * needs a fresh second factor), register the phone with its own P-256 key, read the test push
 * off the simulator's device, approve it with the number the IdP showed, and activate.
 */

/** How long a phone waits for its test push before the user adds it again (once). */
export const ENROLL_PUSH_WAIT_MS = 20_000
const ENROLL_TRIES = 2
const POLL_MS = 250

export const undeliveredPush = `no test push reached the simulator's phone within ${ENROLL_PUSH_WAIT_MS / 1000} s (${ENROLL_TRIES} tries); does the IdP send through the simulator (IDP_PROVIDER_URL)?`
const noPushApi = 'the IdP has no push API (POST /api/v1/push/devices: 404); it offers push only when it sends through vendors (IDP_PROVIDER_URL)'

/** The phone's platform: the user's own client when it is a phone, else alternating. */
export const platformFor = (client: Client, index: number): PushPlatform => (client === 'ios' || client === 'android' ? client : index % 2 ? 'ios' : 'android')

/** What the app sends the IdP with: no cookies, the user's address, its platform as the client. */
export const phoneCaller = (user: Pick<SimUser, 'profile'>, ip: string | undefined, platform: PushPlatform): Caller => ({ jar: new CookieJar(), country: user.profile.country, client: platform, ip })

/** Make the session fresh with an app code, as adding a factor to an account with one requires. */
async function stepUp(d: SetupDeps, who: Caller, user: SimUser): Promise<void> {
  const s = await call(d, '/api/v1/stepup', {}, who)
  const flowId = !isTransport(s) && s.status === 200 && s.body.next === 'totp' ? s.body.flow_id : undefined
  if (typeof flowId !== 'string') throw new SetupError(`step-up before adding the push phone failed: ${what(s)}${!isTransport(s) && s.status === 200 ? ` (next ${String(s.body.next)})` : ''}`)
  const r = await sendTotp(user, user.key!, d.now ?? Date.now, (code) => call(d, '/api/v1/login/totp', { flow_id: flowId, code }, who))
  if (r?.status !== 200) throw new SetupError(`step-up before adding the push phone refused the app code: ${r ? what(r) : 'no unused step'}`)
}

/** The first enrollment push that reached the phone after `since`, polling until `deadline`. */
async function testPush(d: SetupDeps, device: PushDevice, since: number, deadline: number): Promise<PhonePush | null> {
  const now = d.now ?? Date.now
  for (;;) {
    const list = await d.devices!.readPush(device.token)
    const n = list?.find((x) => x.kind === 'enrollment' && x.receivedAt >= since - 2_000)
    if (n) return n
    if (d.signal.aborted || now() + POLL_MS > deadline) return null
    await d.sleep(POLL_MS)
  }
}

export async function enrollPush(d: SetupDeps, who: Caller, user: SimUser, platform: PushPlatform): Promise<PushUser> {
  if (!d.devices) throw new SetupError('push users need --simulator to read their pushes')
  const now = d.now ?? Date.now
  await stepUp(d, who, user)
  for (let i = 0; i < ENROLL_TRIES && !d.signal.aborted; i++) {
    const device = newPushDevice(platform) // a lost test push: the user adds the phone again (a new install)
    const since = now()
    // A test push still waiting (the one lost before) answers 429 until it expires: `call` waits that out.
    const reg = await call(d, '/api/v1/push/devices', { platform, token: device.token, public_key: device.publicKey, name: platform === 'ios' ? 'iPhone' : 'Android phone' }, who)
    if (reg.status === 404) throw new SetupError(noPushApi, true)
    if (reg.status !== 201 || isTransport(reg)) throw new SetupError(`push phone registration failed: ${what(reg)}`)
    const { device_id: deviceId, number } = reg.body
    if (typeof deviceId !== 'string' || typeof number !== 'number') throw new SetupError('push phone registration answered without device_id / number')
    const n = await testPush(d, device, since, since + ENROLL_PUSH_WAIT_MS)
    if (!n) continue
    const a = await call(d, '/api/v1/push/respond', pushAnswer(device, n.challengeId, 'approved', number), phoneCaller(user, who.ip, platform))
    if (a.status !== 200) throw new SetupError(`the test push answer was refused: ${what(a)}`)
    const v = await call(d, '/api/v1/push/devices/verify', { device_id: deviceId }, who)
    if (v.status !== 200 || isTransport(v) || v.body.status !== 'active') throw new SetupError(`push phone activation failed: ${what(v)}${!isTransport(v) && v.status === 200 ? ` (status ${String(v.body.status)})` : ''}`)
    return { device, lastLoginAt: null, seen: new Set([n.id]), noticed: new Map(), pending: null, watchUntil: 0 }
  }
  throw new SetupError(undeliveredPush, true)
}
