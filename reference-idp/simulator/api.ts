import type { z } from 'zod'
import { mailView, phoneView, pushView } from './devices'
import { FaultRequest, faultJson, isActive, makeFault } from './faults'
import { apiError } from './http'
import { VENDOR_IDS, isVendorId } from './profiles'
import type { SimState } from './state'
import type { Reply } from './vendors/types'

/**
 * The simulator's own control surface (not vendor-shaped): faults, vendors, webhooks and
 * the simulated devices. Each handler takes the parsed request and returns a Reply.
 */

function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') || '(body)'
  return { field, message: issue.message }
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  try {
    return { ok: true, value: JSON.parse(body) }
  } catch {
    return { ok: false, reply: apiError(400, 'invalid_request', 'body: expected a JSON object', 'body') }
  }
}

export function listVendors(s: SimState): Reply {
  const vendors = VENDOR_IDS.map((id) => {
    const p = s.profiles[id]
    return { id, channel: p.channel, regions: p.regions, receipts: p.receipts, webhook: s.webhooks[id] ?? s.defaultWebhook ?? null }
  })
  return { status: 200, body: { vendors } }
}

export function addFault(s: SimState, body: string): Reply {
  const json = parseJson(body)
  if (!json.ok) return json.reply
  const parsed = FaultRequest.safeParse(json.value)
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error)
    const code = field === 'vendor' && typeof (json.value as { vendor?: unknown })?.vendor === 'string' ? 'unknown_vendor' : 'invalid_request'
    return apiError(400, code, `${field}: ${message}`, field)
  }
  const now = s.now()
  const fault = makeFault(parsed.data, `flt_${(s.nextFaultId++).toString().padStart(4, '0')}`, now)
  s.faults.push(fault)
  s.log(`fault added: ${fault.id} ${fault.kind} vendor=${fault.vendor} region=${fault.region} value=${fault.value} for ${fault.durationSeconds}s`)
  return { status: 201, body: faultJson(fault) }
}

export function listFaults(s: SimState): Reply {
  const now = s.now()
  return { status: 200, body: { faults: s.faults.filter((f) => isActive(f, now)).map(faultJson) } }
}

export function deleteFault(s: SimState, id: string): Reply {
  const i = s.faults.findIndex((f) => f.id === id)
  if (i < 0) return apiError(404, 'not_found', `no fault with id "${id}"`)
  s.faults.splice(i, 1)
  s.log(`fault cleared: ${id}`)
  return { status: 204 }
}

export function clearFaults(s: SimState): Reply {
  const cleared = s.faults.filter((f) => isActive(f, s.now())).length
  s.faults.length = 0
  s.log(`faults cleared: ${cleared}`)
  return { status: 200, body: { cleared } }
}

/** Drop expired faults (logged, so a game day's revert shows in the simulator's output). */
export function expireFaults(s: SimState): void {
  const now = s.now()
  for (let i = s.faults.length - 1; i >= 0; i--) {
    const f = s.faults[i]
    if (f.expiresAt <= now) {
      s.faults.splice(i, 1)
      s.log(`fault expired: ${f.id} ${f.kind} vendor=${f.vendor} region=${f.region}`)
    }
  }
}

export function setWebhook(s: SimState, vendor: string, body: string): Reply {
  if (!isVendorId(vendor)) return apiError(400, 'unknown_vendor', `vendor: unknown vendor "${vendor}"; valid vendors: ${VENDOR_IDS.join(', ')}`, 'vendor')
  const json = parseJson(body)
  if (!json.ok) return json.reply
  const url = (json.value as { url?: unknown })?.url
  if (url !== null && (typeof url !== 'string' || !URL.canParse(url) || !/^https?:/.test(url)))
    return apiError(400, 'invalid_request', 'url: expected an http(s) URL or null', 'url')
  if (url === null) delete s.webhooks[vendor]
  else s.webhooks[vendor] = url
  return { status: 200, body: { vendor, url } }
}

export function deviceMessages(s: SimState, kind: string, address: string): Reply {
  const now = s.now()
  if (kind === 'phone') return { status: 200, body: { messages: s.devices.visible('phone', address, now).map(phoneView) } }
  if (kind === 'mailbox') return { status: 200, body: { messages: s.devices.visible('mailbox', address, now).map(mailView) } }
  // APNs tokens are hex and case-insensitive (stored lower-case); FCM tokens are opaque.
  const token = /^[0-9a-f]{64,200}$/i.test(address) ? address.toLowerCase() : address
  return { status: 200, body: { notifications: s.devices.visible('push', token, now).map(pushView) } }
}
