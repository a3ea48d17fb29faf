import { randomInt, randomUUID } from 'node:crypto'

/**
 * The SMS / voice half of the fake IdP, with a fake simulator device API on the same server:
 * enroll a phone number (a code is "sent"; e-mail is refused as the IdP does), activate it, send login codes (resend cooldown as
 * a 429 with Retry-After), check them (only the latest code of a flow counts, like the IdP).
 * A sent code shows on the device after `deliveryDelayMs`; faults drop or refuse sends.
 */

export interface FakeOobOptions {
  /** Time until a sent code shows on the device (default 0). */
  deliveryDelayMs?: number
  /** Resend cooldown per user (default 0: none). */
  cooldownMs?: number
  /** Clock of sends and deliveries (default Date.now); tests share a virtual one with the generator. */
  now?: () => number
}

export interface FakeOobFaults {
  /** The next N accepted sends never reach the device (delivery loss). */
  lose: number
  /** The next N sends fail at the "vendor": login answers delivery 'failed', a resend 502. */
  fail: number
  /** The next sends arrive this much later than the others, one entry per send (a delivery tail). */
  lateMs: number[]
}

type Reply = [number, Record<string, unknown>, Record<string, string>?]
interface Factor { email: string; channel: 'sms' | 'voice' | 'email'; address: string; active: boolean; code?: string }
interface Message { id: string; code: string | null; text: string; vendor: string; receivedAt: number }

export function createFakeOob(o: FakeOobOptions = {}) {
  const factors = new Map<string, Factor>()
  const devices = new Map<string, Message[]>()
  const flowCodes = new Map<string, string>()
  const lastSent = new Map<string, number>()
  const faults: FakeOobFaults = { lose: 0, fail: 0, lateMs: [] }
  const log: { email: string; channel: string; delivered: boolean; at: number }[] = []

  const clock = o.now ?? Date.now
  const deviceKey = (channel: string, address: string) => `${channel === 'email' ? 'mailbox' : 'phone'}:${address}`

  /** "Send" a code: false when the vendor refused, or (429) the cooldown is still running. */
  const send = (f: Factor): { ok: true; code: string } | { ok: false; retryAfter?: number } => {
    const now = clock()
    const wait = (lastSent.get(f.email) ?? -Infinity) + (o.cooldownMs ?? 0) - now
    if (wait > 0) return { ok: false, retryAfter: Math.ceil(wait / 1000) }
    if (faults.fail > 0) {
      faults.fail--
      return { ok: false }
    }
    lastSent.set(f.email, now)
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    let delivered = true
    if (faults.lose > 0) {
      faults.lose--
      delivered = false
    }
    log.push({ email: f.email, channel: f.channel, delivered, at: now })
    if (delivered) {
      const key = deviceKey(f.channel, f.address)
      const list = devices.get(key) ?? []
      list.push({ id: randomUUID(), code, text: `${code} is your FactorWatch code.`, vendor: 'fake', receivedAt: now + (o.deliveryDelayMs ?? 0) + (faults.lateMs.shift() ?? 0) })
      devices.set(key, list)
    }
    return { ok: true, code }
  }
  const activeOf = (email: string) => [...factors.values()].find((f) => f.email === email && f.active)

  return {
    faults,
    log,
    factors,
    /** Mail to a mailbox at once (sign-up codes and notices; the faults are the phone vendors'). */
    mail: (address: string, text: string, code: string | null) => {
      const key = deviceKey('email', address)
      devices.set(key, [...(devices.get(key) ?? []), { id: randomUUID(), code, text, vendor: 'fake-mail', receivedAt: clock() + (o.deliveryDelayMs ?? 0) }])
    },
    /** Put an old message on a device (as from an earlier run). */
    plant: (channel: string, address: string, code: string, receivedAt: number) => {
      const key = deviceKey(channel, address)
      devices.set(key, [...(devices.get(key) ?? []), { id: randomUUID(), code, text: code, vendor: 'old', receivedAt }])
    },
    activeChannel: (email: string) => activeOf(email)?.channel,

    enroll(email: string, body: Record<string, any>): Reply {
      if (body.channel === 'email') return [400, { code: 'bad_request', message: 'e-mail codes are not accepted as a second factor (NIST SP 800-63B 5.1.3.1)', field: 'channel' }]
      if (!['sms', 'voice'].includes(body.channel) || typeof body.address !== 'string') return [400, { code: 'bad_request', message: 'channel/address' }]
      if (!/^\+[1-9]\d{7,14}$/.test(body.address)) return [400, { code: 'bad_request', message: 'address: E.164' }]
      const id = randomUUID()
      const f: Factor = { email, channel: body.channel, address: body.address, active: false }
      factors.set(id, f)
      const r = send(f)
      if (!r.ok) return r.retryAfter ? [429, { code: 'rate_limited', reason: 'cooldown' }, { 'retry-after': String(r.retryAfter) }] : [502, { code: 'provider_unavailable', then_factors: [] }]
      f.code = r.code
      return [200, { factor_id: id, hint: '•••• 01', status: 'pending' }]
    },

    verify(email: string, body: Record<string, any>): Reply {
      const f = factors.get(body.factor_id)
      if (!f || f.email !== email) return [404, { code: 'not_found', message: 'no such factor' }]
      if (f.code !== body.code) return [401, { code: 'invalid_code', message: 'wrong' }]
      f.active = true
      return [200, { status: 'active' }]
    },

    /** The password step of a user whose factor is SMS / e-mail: send the code. */
    startLogin(email: string, flowId: string): Reply {
      const f = activeOf(email)!
      const r = send(f)
      if (r.ok) flowCodes.set(flowId, r.code)
      return [200, { flow_id: flowId, next: f.channel, factors: [f.channel], hint: '•••• 01', delivery: r.ok ? 'sent' : 'failed' }]
    },

    resend(email: string, flowId: string, channel: string): Reply {
      const f = activeOf(email)
      if (!f || f.channel !== channel) return [400, { code: 'bad_request', message: `no active ${channel} factor` }]
      const r = send(f)
      if (r.ok) {
        flowCodes.set(flowId, r.code)
        return [200, { status: 'sent', channel, hint: '•••• 01' }]
      }
      if (r.retryAfter) return [429, { code: 'rate_limited', message: 'wait', reason: 'cooldown', retry_after_seconds: r.retryAfter }, { 'retry-after': String(r.retryAfter) }]
      return [502, { code: 'provider_unavailable', message: 'down', then_factors: [] }]
    },

    /** Whether `code` is the latest code sent for the flow. */
    check: (flowId: string, code: unknown) => flowCodes.get(flowId) !== undefined && flowCodes.get(flowId) === code,

    /** GET /devices/{phone|mailbox}/{address}/messages, or undefined for another path. */
    device(url: string): Reply | undefined {
      const m = /^\/devices\/(phone|mailbox)\/([^/]+)\/messages$/.exec(url)
      if (!m) return undefined
      const now = clock()
      const list = (devices.get(`${m[1]}:${decodeURIComponent(m[2])}`) ?? []).filter((x) => x.receivedAt <= now).sort((a, b) => b.receivedAt - a.receivedAt)
      return [200, { messages: list.map((x) => ({ id: x.id, vendor: x.vendor, channel: m[1] === 'phone' ? 'sms' : 'email', text: x.text, code: x.code, receivedAt: new Date(x.receivedAt).toISOString() })) }]
    },
  }
}
export type FakeOob = ReturnType<typeof createFakeOob>
