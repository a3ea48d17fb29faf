/**
 * Pure parts of the SMS / voice users: their phone numbers, which message on their simulated
 * device holds the code to type, and what a mistyped code looks like.
 */

/** A message as the provider simulator's device API lists it (only the fields used here). */
export interface DeviceMessage {
  id: string
  /** The one-time code the simulator found in the text; null when it found none. */
  code: string | null
  /** ISO time the message reached the device. */
  receivedAt: string
}

/** Phones and mailboxes of the simulator. */
export type DeviceKind = 'phone' | 'mailbox'
export const deviceKind = (channel: 'sms' | 'voice' | 'email'): DeviceKind => (channel === 'email' ? 'mailbox' : 'phone')

const PHONE_PREFIX = '+49151'
const PHONE_SPACE = 100_000_000 // 8 digits
/** Odd and not a multiple of 5, so `index → A·index + B mod 10^8` is a bijection: no two users share a number. */
const PHONE_STRIDE = 61_803_399

/** A 32-bit mix of the seed (murmur3 finaliser), so nearby seeds get unrelated number blocks. */
function mix32(x: number): number {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * The phone number of simulated user `index` of a run with `seed`: `+49151` and 8 digits,
 * E.164 like the IdP expects. The same seed and index always give the same number, and the
 * users of one run never share one (for up to 10^8 users).
 */
export function phoneFor(seed: number, index: number): string {
  const offset = mix32(seed ^ 0x9e3779b9) % PHONE_SPACE
  const n = (((PHONE_STRIDE * index) % PHONE_SPACE) + offset) % PHONE_SPACE
  return `${PHONE_PREFIX}${String(n).padStart(8, '0')}`
}

/**
 * Allowance for the simulator's clock being a little behind ours. Kept far below the IdP's
 * 30-s resend cooldown, so a message of an earlier send can never pass as a new one.
 */
export const CLOCK_SKEW_MS = 2_000

/**
 * The code to type: the newest message with a code that reached the device after `sinceMs`
 * (when the send was asked for, less CLOCK_SKEW_MS) and is not among `used` (ids already
 * typed or known to be stale). Null when no such message is there yet.
 */
export function pickFreshCode(messages: readonly DeviceMessage[], sinceMs: number, used: ReadonlySet<string> = new Set(), skewMs = CLOCK_SKEW_MS): DeviceMessage | null {
  let best: DeviceMessage | null = null
  let bestAt = -Infinity
  for (const m of messages) {
    if (m.code === null || used.has(m.id)) continue
    const at = Date.parse(m.receivedAt)
    if (!(at >= sinceMs - skewMs)) continue // also drops an unreadable time
    if (at > bestAt) {
      best = m
      bestAt = at
    }
  }
  return best
}

/** A plausible typo of a code: one digit changed (position and digit from `rand`). Never the code itself. */
export function mistypeCode(code: string, rand: () => number): string {
  const i = Math.min(code.length - 1, Math.floor(rand() * code.length))
  const d = Number(code[i])
  const other = (d + 1 + Math.floor(rand() * 9)) % 10 // any of the nine other digits
  return code.slice(0, i) + String(other) + code.slice(i + 1)
}

/** Ids a user remembers as used (typed, or found stale), newest last; bounded like a device's list. */
export function remember(used: Set<string>, id: string, max = 50): void {
  used.delete(id)
  used.add(id)
  while (used.size > max) used.delete(used.values().next().value!)
}
