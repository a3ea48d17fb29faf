import { randomBytes } from 'node:crypto'
import { CookieJar, isTransport, type ApiResult, type IdpClient } from './client'
import { planUser, type UserProfile } from './plan'
import { chooseStep, markStep } from './steps'
import type { RunStats } from './summary'
import { codeForStep, keyFromOtpauth } from './totp'
import type { SimUser } from './users'

/** Setup phase: sign up, enroll and activate TOTP for each simulated user, a few at a time. */

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
}

const token = () => randomBytes(4).toString('hex')
const MAX_TRIES = 5
const MAX_FAILURE_TRIES = 3

class SetupError extends Error {}

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
  const caller = { jar: new CookieJar(), country: profile.country, client: profile.client }
  const password = randomBytes(15).toString('base64url') // 20 characters
  let email = ''
  for (let attempt = 0; ; attempt++) {
    email = `traffic-${d.seed}-${attempt === 0 ? runId : token()}-${index}@example.test`
    const r = await call(d, '/api/v1/signup', { email, password, user_group: profile.group }, caller)
    if (r.status === 201) break
    if (r.status === 409 && !isTransport(r) && r.code === 'email_taken' && attempt < MAX_TRIES) continue
    throw new SetupError(`sign-up failed: ${what(r)}`)
  }
  const user: SimUser = { index, email, password, profile, jar: caller.jar, key: null, lastStep: null, busy: false, notBefore: 0 }
  if (!profile.totp) return user

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

/** Create up to `count` users. Users that fail are counted and reported once per distinct reason. */
export async function createUsers(d: SetupDeps, count: number): Promise<SimUser[]> {
  const profiles = Array.from({ length: count }, () => planUser(d.rand)) // drawn in order: same seed, same users
  const runId = token()
  const ready: SimUser[] = []
  const reasons = new Map<string, number>()
  let next = 0
  const worker = async () => {
    while (next < count && !d.signal.aborted) {
      // Nothing works at all: stop instead of grinding through every user's retries.
      if (d.stats.users.ready === 0 && d.stats.users.failed >= Math.min(count, 8)) return
      const i = next++
      try {
        const user = await createUser(d, i, profiles[i], runId)
        ready.push(user)
        d.stats.users.ready++
        if (user.key) d.stats.users.totp++
        else d.stats.users.passwordOnly++
      } catch (err) {
        if (!(err instanceof SetupError)) throw err
        d.stats.users.failed++
        const n = (reasons.get(err.message) ?? 0) + 1
        reasons.set(err.message, n)
        if (n === 1) d.log(`traffic: setup: user ${i}: ${err.message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(d.concurrency, count) }, worker))
  return ready.sort((a, b) => a.index - b.index)
}
