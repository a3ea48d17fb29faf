import { MfaError } from './errors'
import { parseInput } from './http/inputs'
import { sendJson } from './http/io'
import { LoginPushInput, PairingStatusInput, PushRespondInput, RegisterPushDeviceInput, VerifyPushDeviceInput } from './http/push-inputs'
import type { Exchange, Route } from './http/types'
import { assertDeviceKey, type PushService } from './login/push'

async function requireUser(x: Exchange): Promise<string> {
  const id = await x.userId()
  if (!id) throw new MfaError('unauthenticated', 'sign in first: no valid session cookie')
  return id
}

/**
 * The push JSON API. `requireFresh` guards adding a device like any other factor (step-up);
 * without it a plain session suffices. The device's answer carries no session: its signature
 * with the key registered for the device is the credential.
 */
export function pushRoutes(push: PushService, requireFresh?: (x: Exchange, action: string) => Promise<string>, publicUrl: () => string = () => ''): Route[] {
  const api = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path, kind: 'api', handler })
  const fresh = (x: Exchange, action: string) => (requireFresh ? requireFresh(x, action) : requireUser(x))
  return [
    api('POST', '/api/v1/push/pairings', async (x) => {
      const r = await push.pair(await fresh(x, 'adding a push device'))
      const uri = `factorwatch://push-pair?code=${r.code}&idp=${encodeURIComponent(publicUrl())}`
      sendJson(x.res, 201, { pairing_id: r.pairingId, code: r.code, uri, expires_in_seconds: r.expiresInSeconds })
    }),
    api('GET', '/api/v1/push/pairings', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(PairingStatusInput, Object.fromEntries(x.url.searchParams))
      const r = await push.pairingStatus(userId, input.pairing_id)
      sendJson(x.res, 200, { status: r.status, ...('deviceId' in r ? { device_id: r.deviceId } : {}), ...('number' in r ? { number: r.number, expires_in_seconds: r.expiresInSeconds } : {}), ...(r.status === 'waiting' ? { expires_in_seconds: r.expiresInSeconds } : {}) })
    }),
    api('POST', '/api/v1/push/devices', async (x) => {
      const input = parseInput(RegisterPushDeviceInput, await x.body())
      // From the phone's app with a pairing code (no session there), or from a signed-in client.
      // A bad key must not spend the pairing code.
      assertDeviceKey(input.public_key)
      const paired = input.pairing_code ? await push.usePairing(input.pairing_code) : undefined
      const userId = paired?.userId ?? (await fresh(x, 'adding a push device'))
      const r = await push.registerDevice(userId, { platform: input.platform, token: input.token, publicKey: input.public_key, name: input.name }, x.ctx, paired?.pairingId)
      // Number matching: a paired phone must not be told the number, the web page shows it.
      sendJson(x.res, 201, { device_id: r.deviceId, ...(paired ? {} : { number: r.number }), expires_in_seconds: r.expiresInSeconds, status: 'pending' })
    }),
    api('POST', '/api/v1/push/devices/verify', async (x) => {
      const userId = await requireUser(x)
      const input = parseInput(VerifyPushDeviceInput, await x.body())
      const r = await push.verifyDevice(userId, input.device_id, x.ctx)
      sendJson(x.res, 200, r.status === 'active' ? r : { status: r.status, expires_in_seconds: r.expiresInSeconds })
    }),
    api('POST', '/api/v1/login/push', async (x) => {
      const input = parseInput(LoginPushInput, await x.body())
      const r = await push.send(input.flow_id, x.ctx)
      sendJson(x.res, 200, { status: 'sent', number: r.number, expires_in_seconds: r.expiresInSeconds })
    }),
    api('GET', '/api/v1/login/push', async (x) => {
      const input = parseInput(LoginPushInput, Object.fromEntries(x.url.searchParams))
      const r = await push.poll(input.flow_id, x.ctx)
      if (r.status === 'approved') return sendJson(x.res, 200, { status: 'approved' }, { 'set-cookie': await x.signIn(r.userId, true) })
      sendJson(x.res, 200, r.status === 'pending' ? { status: 'pending', expires_in_seconds: r.expiresInSeconds } : r)
    }),
    api('POST', '/api/v1/push/respond', async (x) => {
      const input = parseInput(PushRespondInput, await x.body())
      sendJson(x.res, 200, await push.respond(input.challenge_id, { number: input.number, decision: input.decision, signature: input.signature }, x.ctx))
    }),
  ]
}
