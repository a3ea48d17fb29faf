import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { LoginPushInput, PairingStatusInput, PushRespondInput, RegisterPushDeviceInput, VerifyPushDeviceInput } from './http/push-inputs'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route } from './http/types'
import { assertDeviceKey, type PushService } from './login/push'

async function requireUser(x: Exchange): Promise<string> {
  const id = await x.userId()
  if (!id) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
  return id
}

/** The push JSON API: each route's facts (path, body schema, docs, rate bucket). */
export const PUSH_ROUTES = routeTable({
  pushPairings: {
    method: 'POST', path: '/api/v1/push/pairings', kind: 'api',
    docs: { summary: 'Make a one-time pairing code (10 min) for the phone app to register with, shown as a QR code of `uri`', ok: [201, '`{pairing_id, code, uri, expires_in_seconds}`'], errors: ['stepup_required', 'unauthenticated', 'locked_out'], session: true },
  },
  getPushPairings: {
    method: 'GET', path: '/api/v1/push/pairings', kind: 'api',
    docs: { summary: "A pairing's progress (`?pairing_id=`): waiting, registered (with the test push's number to type into the app), active or expired", ok: [200, '`{status, device_id?, number?, expires_in_seconds?}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  },
  pushDevices: {
    method: 'POST', path: '/api/v1/push/devices', kind: 'api', body: RegisterPushDeviceInput, rate: 'code',
    docs: { summary: 'Add a phone for push approval (pending), from a signed-in client or from the phone app with `pairing_code` (no session); a test push goes to it. Without a pairing the number to type is returned; with one, the web page shows it', ok: [201, '`{device_id, number?, expires_in_seconds, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'invalid_credentials', 'bad_request', 'locked_out', 'rate_limited', 'provider_unavailable'], session: true },
  },
  pushDevicesVerify: {
    method: 'POST', path: '/api/v1/push/devices/verify', kind: 'api', body: VerifyPushDeviceInput,
    docs: { summary: 'Activate a push device once it approved its test push with the number shown', ok: [200, '`{status: "active"}` or `{status: "pending", expires_in_seconds}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'flow_expired'], session: true },
  },
  loginPush: {
    method: 'POST', path: '/api/v1/login/push', kind: 'api', body: LoginPushInput, rate: 'code',
    docs: { summary: 'Send (or resend) a push approval for an open login flow; returns the number to show on the sign-in page', ok: [200, '`{status: "sent", number, expires_in_seconds}`'], errors: ['bad_request', 'forbidden', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited', 'provider_unavailable'] },
  },
  getLoginPush: {
    method: 'GET', path: '/api/v1/login/push', kind: 'api',
    docs: { summary: "Poll a login flow's push (`?flow_id=`): pending, approved (signs in), denied or expired", ok: [200, '`{status: "pending", expires_in_seconds}`, `{status: "approved"}` with the session cookie, `{status: "denied", reason}` or `{status: "expired"}`'], errors: ['bad_request', 'forbidden', 'flow_not_found', 'flow_expired'] },
  },
  pushRespond: {
    method: 'POST', path: '/api/v1/push/respond', kind: 'api', body: PushRespondInput, rate: 'code',
    docs: { summary: "The device's answer to a push: approve with the number typed, deny, or report fraud; no session, authenticated by the device's ECDSA P-256 signature over `${challenge_id}.${number}.${decision}` (DER, base64url)", ok: [200, '`{status: "approved" | "denied" | "fraud_reported"}`'], errors: ['bad_request', 'not_found', 'invalid_credentials', 'invalid_code', 'code_replayed', 'flow_expired'] },
  },
})

/**
 * The push JSON API. `requireFresh` guards adding a device like any other factor (step-up);
 * without it a plain session suffices. The device's answer carries no session: its signature
 * with the key registered for the device is the credential.
 */
export function pushRoutes(push: PushService, requireFresh?: (x: Exchange, action: string) => Promise<string>, publicUrl: () => string = () => ''): Route[] {
  const fresh = (x: Exchange, action: string) => (requireFresh ? requireFresh(x, action) : requireUser(x))
  return [
    route(PUSH_ROUTES.pushPairings, async (x) => {
      const r = await push.pair(await fresh(x, 'adding a push device'))
      const uri = `factorwatch://push-pair?code=${r.code}&idp=${encodeURIComponent(publicUrl())}`
      sendJson(x.res, 201, { pairing_id: r.pairingId, code: r.code, uri, expires_in_seconds: r.expiresInSeconds })
    }),
    route(PUSH_ROUTES.getPushPairings, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(PairingStatusInput, Object.fromEntries(x.url.searchParams))
      const r = await push.pairingStatus(userId, input.pairing_id)
      sendJson(x.res, 200, { status: r.status, ...('deviceId' in r ? { device_id: r.deviceId } : {}), ...('number' in r ? { number: r.number, expires_in_seconds: r.expiresInSeconds } : {}), ...(r.status === 'waiting' ? { expires_in_seconds: r.expiresInSeconds } : {}) })
    }),
    route(PUSH_ROUTES.pushDevices, async (x) => {
      const input = parseInput(PUSH_ROUTES.pushDevices.body, await x.body())
      // From the phone's app with a pairing code (no session there), or from a signed-in client.
      // A bad key must not spend the pairing code.
      assertDeviceKey(input.public_key)
      const paired = input.pairing_code ? await push.usePairing(input.pairing_code) : undefined
      const userId = paired?.userId ?? (await fresh(x, 'adding a push device'))
      const r = await push.registerDevice(userId, { platform: input.platform, token: input.token, publicKey: input.public_key, name: input.name }, x.ctx, paired?.pairingId)
      // Number matching: a paired phone must not be told the number, the web page shows it.
      sendJson(x.res, 201, { device_id: r.deviceId, ...(paired ? {} : { number: r.number }), expires_in_seconds: r.expiresInSeconds, status: 'pending' })
    }),
    route(PUSH_ROUTES.pushDevicesVerify, async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(PUSH_ROUTES.pushDevicesVerify.body, await x.body())
      const r = await push.verifyDevice(userId, input.device_id, x.ctx)
      sendJson(x.res, 200, r.status === 'active' ? r : { status: r.status, expires_in_seconds: r.expiresInSeconds })
    }),
    route(PUSH_ROUTES.loginPush, async (x) => {
      const input = parseInput(PUSH_ROUTES.loginPush.body, await x.body())
      const r = await push.send(input.flow_id, x.ctx)
      sendJson(x.res, 200, { status: 'sent', number: r.number, expires_in_seconds: r.expiresInSeconds })
    }),
    route(PUSH_ROUTES.getLoginPush, async (x) => {
      const input = parseInput(LoginPushInput, Object.fromEntries(x.url.searchParams))
      const r = await push.poll(input.flow_id, x.ctx)
      if (r.status === 'approved') return sendJson(x.res, 200, { status: 'approved' }, { 'set-cookie': await x.signIn(r.userId, true) })
      sendJson(x.res, 200, r.status === 'pending' ? { status: 'pending', expires_in_seconds: r.expiresInSeconds } : r)
    }),
    route(PUSH_ROUTES.pushRespond, async (x) => {
      const input = parseInput(PUSH_ROUTES.pushRespond.body, await x.body())
      sendJson(x.res, 200, await push.respond(input.challenge_id, { number: input.number, decision: input.decision, signature: input.signature }, x.ctx))
    }),
  ]
}
