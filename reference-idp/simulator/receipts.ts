import { setMaxListeners } from 'node:events'
import type { VendorId } from './profiles'
import type { ReceiptEvent } from './vendors/types'
import type { WebhookPost } from './vendors/webhook-signing'
import type { Clock } from '../../contract/clock'

/**
 * Posts delivery receipts to webhooks at their due time, retrying a few times when the
 * webhook is down (as vendors do), and batching JSON-array events per URL (SendGrid). Logs
 * carry the vendor and message id only, never the payload (it holds recipients).
 */

export type ReceiptResult = 'delivered' | 'retried' | 'gave_up'

export interface DispatcherOptions {
  /** Multiplies every delay (tests run the simulator faster than real time). */
  timeScale: number
  retryDelaysMs: number[]
  requestTimeoutMs: number
  batchWindowMs: number
  onResult: (vendor: VendorId, result: ReceiptResult) => void
  log: (line: string) => void
  /** Signs each attempt as it is posted (vendors with timestamped signatures sign every retry afresh). */
  sign?: (vendor: VendorId, post: WebhookPost) => WebhookPost
  /** The simulator's clock: receipt lag, batch windows and retry back-off wait on it. */
  clock: Pick<Clock, 'sleep'>
}

const USER_AGENT: Partial<Record<VendorId, string>> = {
  twilio: 'TwilioProxy/1.1',
  'twilio-voice': 'TwilioProxy/1.1',
  vonage: 'Vonage-DLR/1.0',
  'vonage-voice': 'Vonage-Voice-Events/1.0',
  ses: 'Amazon Simple Notification Service Agent',
  sendgrid: 'SendGrid Event API',
}

interface Post {
  vendor: VendorId
  url: string
  messageIds: string[]
  headers: Record<string, string>
  body: string
}

/**
 * One signal that every pending wait listens to (closing ends them all): hundreds of listeners
 * under demo traffic are normal, not the leak Node's default limit of 10 warns about.
 */
export function quietController(): AbortController {
  const c = new AbortController()
  setMaxListeners(0, c.signal)
  return c
}

export class ReceiptDispatcher {
  /** Ends every pending wait on close. */
  private readonly stop = quietController()
  private readonly inflight = new Set<AbortController>()
  private readonly batches = new Map<string, { vendor: VendorId; items: unknown[]; ids: string[]; headers: Record<string, string> }>()
  private closed = false

  constructor(private readonly opts: DispatcherOptions) {}

  schedule(vendor: VendorId, url: string, messageId: string, events: ReceiptEvent[]): void {
    for (const e of events) this.later(e.offsetMs, () => this.due(vendor, url, messageId, e))
  }

  close(): void {
    this.closed = true
    this.stop.abort()
    for (const c of this.inflight) c.abort()
    this.batches.clear()
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return
    void this.opts.clock.sleep(Math.max(0, Math.round(ms * this.opts.timeScale)), this.stop.signal).then(() => {
      if (!this.closed) fn()
    })
  }

  private due(vendor: VendorId, url: string, messageId: string, e: ReceiptEvent): void {
    const headers = { 'user-agent': USER_AGENT[vendor] ?? 'provider-simulator', ...e.headers }
    if (e.encoding === 'form') {
      const body = new URLSearchParams(e.payload as Record<string, string>).toString()
      return void this.send({ vendor, url, messageIds: [messageId], headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }, 0)
    }
    if (e.encoding === 'json')
      return void this.send({ vendor, url, messageIds: [messageId], headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(e.payload) }, 0)
    const key = `${vendor} ${url}`
    const batch = this.batches.get(key)
    if (batch) {
      batch.items.push(e.payload)
      batch.ids.push(messageId)
      return
    }
    this.batches.set(key, { vendor, items: [e.payload], ids: [messageId], headers })
    this.later(this.opts.batchWindowMs, () => {
      const b = this.batches.get(key)
      this.batches.delete(key)
      if (b)
        void this.send({ vendor, url, messageIds: [...new Set(b.ids)], headers: { 'content-type': 'application/json', ...b.headers }, body: JSON.stringify(b.items) }, 0)
    })
  }

  private async send(post: Post, attempt: number): Promise<void> {
    if (this.closed) return
    const controller = new AbortController()
    this.inflight.add(controller)
    const timer = setTimeout(() => controller.abort(), this.opts.requestTimeoutMs)
    let ok = false
    try {
      const { url, headers, body } = this.opts.sign ? this.opts.sign(post.vendor, post) : post
      const res = await fetch(url, { method: 'POST', headers, body, signal: controller.signal })
      await res.arrayBuffer().catch(() => undefined)
      ok = res.status >= 200 && res.status < 300
    } catch {
      ok = false
    } finally {
      clearTimeout(timer)
      this.inflight.delete(controller)
    }
    if (this.closed) return
    if (ok) return this.opts.onResult(post.vendor, attempt === 0 ? 'delivered' : 'retried')
    const wait = this.opts.retryDelaysMs[attempt]
    if (wait === undefined) {
      this.opts.onResult(post.vendor, 'gave_up')
      this.opts.log(`receipt gave up: vendor=${post.vendor} message=${post.messageIds.join(',')} attempts=${attempt + 1}`)
      return
    }
    this.later(wait, () => void this.send(post, attempt + 1))
  }
}
