import type { SimChannel, VendorId } from './profiles'
import type { DeviceKind } from './vendors/types'

/**
 * Simulated user devices: phones (SMS + call transcripts), mailboxes and push tokens. A
 * message becomes visible only once its simulated delivery time has passed, so a client
 * acting as the user waits as long as a real one would. Memory is bounded: the newest
 * `perDevice` messages per device, nothing older than `ttlMs`, at most `maxDevices` devices
 * (least recently written dropped first).
 */

export interface DeviceMessage {
  id: string
  vendor: VendorId
  channel: SimChannel
  from?: string
  subject?: string
  text: string
  data?: Record<string, string>
  deliverAt: number
}

export interface DeviceLimits {
  perDevice: number
  ttlMs: number
  maxDevices: number
}

export const DEFAULT_DEVICE_LIMITS: DeviceLimits = { perDevice: 50, ttlMs: 30 * 60_000, maxDevices: 10_000 }

/** The one-time code in a text: 4–8 digits, allowing the spacing a voice read-out uses. */
export function extractCode(text: string): string | null {
  const m = /(?<!\d)(?:\d[ ,.-]?){3,7}\d(?!\d)/.exec(text)
  return m ? m[0].replace(/\D/g, '') : null
}

export class DeviceStore {
  private readonly devices = new Map<string, DeviceMessage[]>()
  constructor(private readonly limits: DeviceLimits = DEFAULT_DEVICE_LIMITS) {}

  add(kind: DeviceKind, address: string, msg: DeviceMessage, now: number): void {
    const key = `${kind}:${address}`
    const list = (this.devices.get(key) ?? []).filter((m) => !this.expired(m, now))
    list.push(msg)
    if (list.length > this.limits.perDevice) list.splice(0, list.length - this.limits.perDevice)
    this.devices.delete(key)
    this.devices.set(key, list)
    while (this.devices.size > this.limits.maxDevices) this.devices.delete(this.devices.keys().next().value!)
  }

  /** Delivered messages, newest first. */
  visible(kind: DeviceKind, address: string, now: number): DeviceMessage[] {
    return (this.devices.get(`${kind}:${address}`) ?? [])
      .filter((m) => m.deliverAt <= now && !this.expired(m, now))
      .sort((a, b) => b.deliverAt - a.deliverAt)
  }

  sweep(now: number): void {
    for (const [key, list] of this.devices) {
      const kept = list.filter((m) => !this.expired(m, now))
      if (kept.length) this.devices.set(key, kept)
      else this.devices.delete(key)
    }
  }

  get size(): number {
    return this.devices.size
  }

  private expired(m: DeviceMessage, now: number): boolean {
    return m.deliverAt + this.limits.ttlMs < now
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

export function phoneView(m: DeviceMessage) {
  return { id: m.id, vendor: m.vendor, channel: m.channel, from: m.from ?? null, text: m.text, code: extractCode(m.text), receivedAt: iso(m.deliverAt) }
}

export function mailView(m: DeviceMessage) {
  return { id: m.id, vendor: m.vendor, from: m.from ?? null, subject: m.subject ?? null, text: m.text, code: extractCode(`${m.subject ?? ''} ${m.text}`), receivedAt: iso(m.deliverAt) }
}

export function pushView(m: DeviceMessage) {
  return { id: m.id, vendor: m.vendor, title: m.subject ?? null, body: m.text, data: m.data ?? {}, receivedAt: iso(m.deliverAt) }
}
