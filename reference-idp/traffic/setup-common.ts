import { isTransport, type ApiResult, type Caller, type IdpApi } from './client'
import type { DeviceReader } from './device'
import type { FactorShares } from './plan'
import { chooseStep, markStep } from './steps'
import type { RunStats } from './summary'
import { codeForStep, type TotpKey } from './totp'

/** What the setup of every kind of user shares: its dependencies, its error, its patient POST. */

export interface SetupDeps {
  client: IdpApi
  stats: RunStats
  seed: number
  /** Seeded source of user profiles (group, country, client, TOTP or not). */
  rand: () => number
  concurrency: number
  signal: AbortSignal
  sleep: (ms: number) => Promise<void>
  /** A progress / problem line (stderr); never given secrets. */
  log: (line: string) => void
  /** The simulator's phones and mailboxes; needed for SMS / voice and push users. */
  devices?: DeviceReader | null
  /** Seeded source of which users get SMS / voice / push / a passkey, and the shares of all users that do. */
  factorRand?: () => number
  shares?: FactorShares
  now?: () => number
  /** Makes a fresh signed provisioning assertion (IDP_SERVICE_SIGNING_KEY): admins and workforce accounts are provisioned with it. */
  serviceAuth?: () => string
}

export class SetupError extends Error {
  /** True when an SMS / voice code or a test push never reached the device (the IdP may not send through the simulator). */
  constructor(message: string, readonly undelivered = false) {
    super(message)
  }
}

const MAX_TRIES = 5
const MAX_FAILURE_TRIES = 3

/** Describe a failed call without anything secret. */
export const what = (r: ApiResult) => (isTransport(r) ? r.error : `HTTP ${r.status}${r.code ? ` ${r.code}` : ''}`)

/**
 * POST with the retries setup deserves: honour Retry-After on 429/503 (up to 5 tries), retry
 * transport errors and 5xx twice. Returns the last answer (which may still be a failure).
 */
export async function call(d: SetupDeps, path: string, body: Record<string, unknown>, user: Caller): Promise<ApiResult> {
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

/**
 * Send an app code with `send`, taking the TOTP step current at `now` (or the next one when it is
 * used); a 401 is tried once more with the next step. Every step sent counts as used. Returns
 * the IdP's last answer, or null when no unused step was in reach.
 */
export async function sendTotp(user: { lastStep: number | null }, key: TotpKey, now: () => number, send: (code: string) => Promise<ApiResult>): Promise<ApiResult | null> {
  let r: ApiResult | null = null
  for (let i = 0; i < 2; i++) {
    const choice = chooseStep(user.lastStep, now(), key.periodSeconds)
    if (!choice) break
    user.lastStep = markStep(user.lastStep, choice.step)
    r = await send(codeForStep(key, choice.step))
    if (r.status !== 401) return r
  }
  return r
}

/**
 * Give a new account its type the way an operator would: a provisioning call with a signed
 * assertion (account types are never chosen at sign-up). Customers need nothing.
 */
export async function provisionGroup(d: SetupDeps, email: string, group: string, user: Caller): Promise<void> {
  if (group === 'customer') return
  if (!d.serviceAuth) throw new SetupError(`a ${group} account needs a provisioning key to be set up (IDP_SERVICE_SIGNING_KEY)`)
  const r = await call(d, '/api/v1/admin/account-type', { email, user_group: group, reason: 'demo traffic provisioning' }, { ...user, bearer: d.serviceAuth() })
  if (r.status !== 200 || isTransport(r)) throw new SetupError(`provisioning a ${group} account failed: ${what(r)}`)
}
