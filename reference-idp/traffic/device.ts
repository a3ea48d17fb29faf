import { USER_AGENT } from './client'
import { deviceKind, pickFreshCode, type DeviceMessage } from './oob'
import { parseNotifications, type PhonePush } from './push'
import { newDeviceStats, type DeviceStats } from './summary'

/**
 * The simulated users' phones and mailboxes (and the push notifications on the phones of push
 * users): the provider simulator's device API. A message
 * shows there only once its simulated delivery time has passed (some never do), so a user
 * waiting for its code polls like a person glancing at the phone.
 */

export const DEVICE_TIMEOUT_MS = 5_000
export const POLL_EVERY_MS = 500


/** Where one user's codes arrive. */
export interface Device {
  channel: 'sms' | 'voice' | 'email'
  /** E.164 number or e-mail address. Never printed. */
  address: string
}

function parseMessages(body: unknown): DeviceMessage[] | null {
  const list = (body as { messages?: unknown } | null)?.messages
  if (!Array.isArray(list)) return null
  const out: DeviceMessage[] = []
  for (const m of list as Record<string, unknown>[]) {
    if (!m || typeof m.id !== 'string' || typeof m.receivedAt !== 'string') continue
    out.push({ id: m.id, code: typeof m.code === 'string' ? m.code : null, receivedAt: m.receivedAt })
  }
  return out
}

export class DeviceReader {
  constructor(
    private readonly base: string,
    readonly stats: DeviceStats = newDeviceStats(),
    private readonly timeoutMs = DEVICE_TIMEOUT_MS,
  ) {}

  /** The messages on a device, newest first; null when the simulator could not be read. Never throws. */
  read(device: Device): Promise<DeviceMessage[] | null> {
    return this.getJson(`/devices/${deviceKind(device.channel)}/${encodeURIComponent(device.address)}/messages`, parseMessages)
  }

  /** The push notifications delivered to an app token, oldest first; null when unreadable. Never throws. */
  readPush(token: string): Promise<PhonePush[] | null> {
    return this.getJson(`/devices/push/${encodeURIComponent(token)}/notifications`, parseNotifications)
  }

  private async getJson<T>(path: string, parse: (body: unknown) => T | null): Promise<T | null> {
    this.stats.reads++
    try {
      const res = await fetch(`${this.base}${path}`, { headers: { accept: 'application/json', 'user-agent': USER_AGENT }, signal: AbortSignal.timeout(this.timeoutMs) })
      const text = await res.text()
      const parsed = res.ok ? parse(JSON.parse(text)) : null
      if (parsed === null) this.stats.errors++
      return parsed
    } catch {
      this.stats.errors++
      return null
    }
  }
}

export interface WaitDeps {
  devices: DeviceReader
  sleep: (ms: number) => Promise<void>
  now: () => number
  signal?: AbortSignal
}

/**
 * Poll `device` every POLL_EVERY_MS until a code sent after `sinceMs` (and not in `used`)
 * arrives or `deadlineMs` passes. Reads at least once. Returns the message, or null.
 */
export async function waitForCode(d: WaitDeps, device: Device, sinceMs: number, deadlineMs: number, used?: ReadonlySet<string>): Promise<DeviceMessage | null> {
  for (;;) {
    const messages = await d.devices.read(device)
    const fresh = messages && pickFreshCode(messages, sinceMs, used)
    if (fresh) return fresh
    if (d.signal?.aborted || d.now() + POLL_EVERY_MS > deadlineMs) return null
    await d.sleep(POLL_EVERY_MS)
  }
}
