import type { OutboundMessage, Subprocessor } from './types'

/** Delivers every message to an in-memory outbox: the adapter of tests and of an offline IdP. */
export interface LocalOutbox extends Subprocessor {
  /** Messages delivered to an address, oldest first. */
  messagesTo(to: string): OutboundMessage[]
  /** Make the next `n` sends fail as a vendor outage would (tests of error paths). */
  failNext(n: number): void
}

export function createLocalOutbox(id = 'local', maxPerAddress = 50): LocalOutbox {
  const box = new Map<string, OutboundMessage[]>()
  let failures = 0
  return {
    id,
    channels: ['sms', 'voice', 'email'],
    async send(message) {
      const started = performance.now()
      if (failures > 0) {
        failures--
        return { ok: false, provider: id, reason: 'http_5xx', httpStatusClass: '5xx', latencyMs: performance.now() - started, costMicros: 0 }
      }
      const list = box.get(message.to) ?? []
      list.push(message)
      if (list.length > maxPerAddress) list.shift()
      box.set(message.to, list)
      return { ok: true, provider: id, reason: 'ok', httpStatusClass: '2xx', latencyMs: performance.now() - started, costMicros: 0, providerMessageId: message.idempotencyKey }
    },
    messagesTo: (to) => [...(box.get(to) ?? [])],
    failNext: (n) => void (failures = n),
  }
}
