import { isTransport, type ApiResult } from './client'
import { waitForCode, type Device } from './device'
import { backOff, bruteForceFlow, caller, finish, refused, type FlowDeps } from './flow-common'
import { mistypeCode, pickFreshCode, remember } from './oob'
import { recordSend } from './pacing'
import type { AttemptPlan, ScenarioKind } from './plan'
import type { Outcome } from './summary'
import type { OobUser, SimUser } from './users'

/**
 * The code step of an SMS / voice user, after the password: the IdP has sent a code (or says
 * it could not). The user thinks, reads the code off its simulated phone or mailbox and types
 * it. When nothing arrives, it asks once for another code; when that fails too, the attempt
 * ends as `failed_delivery`. Which vendor delivered (or whether the IdP failed over) is not
 * visible here and not guessed at.
 */

/** How long a user waits for a code after asking for it. */
export const CODE_WAIT_MS = 45_000
/** Longest Retry-After a user waits out before its one resend. */
export const RESEND_WAIT_MAX_MS = 35_000
const RATE_LIMIT_FALLBACK_MS = 5_000

const submit = (d: FlowDeps, user: SimUser, flowId: string, channel: string, code: string) =>
  d.client.post('/api/v1/login/code', { flow_id: flowId, channel, code }, caller(user))

const randomCode = (rand: () => number) => String(Math.floor(rand() * 1_000_000)).padStart(6, '0')

/** Ask for another code once, waiting out a short Retry-After (the resend cooldown) first. */
async function resend(d: FlowDeps, user: SimUser, oob: OobUser, flowId: string): Promise<{ at: number } | Outcome> {
  for (let waited = false; ; waited = true) {
    const at = d.now()
    const r = await d.client.post('/api/v1/login/send', { flow_id: flowId, channel: oob.channel }, caller(user))
    if (r.status === 200) {
      recordSend(oob, at)
      return { at }
    }
    if (isTransport(r)) return 'error'
    if (r.status === 429) {
      if (!waited && r.retryAfterMs !== null && r.retryAfterMs <= RESEND_WAIT_MAX_MS) {
        await d.sleep(r.retryAfterMs + 250)
        continue
      }
      backOff(d, user, r.retryAfterMs ?? RATE_LIMIT_FALLBACK_MS) // quota: this user rests
      return 'failed_delivery'
    }
    if (r.status === 502 && r.code === 'provider_unavailable') return 'failed_delivery'
    return refused(d, user, r)
  }
}

const bruteForce = (d: FlowDeps, user: SimUser, flowId: string, channel: string) =>
  bruteForceFlow(d, user, () => submit(d, user, flowId, channel, randomCode(d.rand)))

const authenticated = (r: ApiResult) => r.status === 200 && !isTransport(r) && r.body.status === 'authenticated'

export async function oobCodeStep(
  d: FlowDeps,
  user: SimUser,
  plan: AttemptPlan,
  kind: ScenarioKind,
  flowId: string,
  body: Record<string, unknown>,
  loginAt: number,
): Promise<Outcome> {
  const oob = user.oob!
  const sent = body.delivery !== 'failed' // 'sent' (an IdP without the field sends too)
  if (sent) recordSend(oob, loginAt)
  if (kind === 'abandon') return 'abandoned'
  if (kind === 'brute_force') return bruteForce(d, user, flowId, oob.channel)
  const devices = d.devices
  if (!devices) {
    d.stats.requests.unexpected++ // an SMS / voice user without a simulator: setup should not have made one
    return 'error'
  }
  const device: Device = { channel: oob.channel, address: oob.address }
  const wait = { devices, sleep: d.sleep, now: d.now }

  await d.sleep(plan.thinkMs)
  let since = loginAt
  let msg = sent ? await waitForCode(wait, device, since, loginAt + CODE_WAIT_MS, oob.used) : null
  if (!msg) {
    const again = await resend(d, user, oob, flowId)
    if (typeof again === 'string') return again
    since = again.at
    msg = await waitForCode(wait, device, since, since + CODE_WAIT_MS, oob.used)
    if (!msg) return 'failed_delivery'
  }
  const code = msg.code!

  if (kind === 'totp_typo') {
    const w = await submit(d, user, flowId, oob.channel, mistypeCode(code, d.rand))
    if (w.status !== 401) return refused(d, user, w)
    await d.sleep(plan.retypeMs)
  }

  remember(oob.used, msg.id)
  let ok = await submit(d, user, flowId, oob.channel, code)
  // After a resend, a late message of the first send can pass for the newest: the IdP takes
  // only the latest code. Look once more for another fresh message, as a person would.
  if (ok.status === 401 && !isTransport(ok) && ok.body.reason === 'invalid_code') {
    const other = pickFreshCode((await devices.read(device)) ?? [], since, oob.used)
    if (other) {
      remember(oob.used, other.id)
      ok = await submit(d, user, flowId, oob.channel, other.code!)
    }
  }
  if (authenticated(ok)) return finish(d, user, plan)
  return refused(d, user, ok)
}
