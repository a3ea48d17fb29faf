import type { HttpStatusClass } from '../../../contract'
import type { SendResult } from '../types'
import type { VendorOutcome } from './types'

/**
 * The pure judgement of a vendor call: what an HTTP exchange (or its absence) means for the
 * fallback chain above. Every adapter goes through `toSendResult`, so the six vendors cannot
 * disagree on what a 429 or a timeout is.
 */

export function statusClass(status: number): HttpStatusClass {
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  if (status >= 500 && status < 600) return '5xx'
  return 'none'
}

/**
 * `Retry-After` as whole seconds from `nowMs`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const v = value?.trim()
  if (!v) return undefined
  if (/^\d+$/.test(v)) return Number(v)
  // An HTTP date names its day and month; Date.parse alone would read "-5" as a year.
  const at = /^[A-Za-z]{3},/.test(v) ? Date.parse(v) : NaN
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

export interface Measured {
  latencyMs: number
  /** Cost of the message if the vendor accepted it. */
  costMicros: number
}

function reasonOf(o: Extract<VendorOutcome, { kind: 'response' }>): SendResult['reason'] {
  if (o.status === 429 || o.vendorReason === 'rate_limited') return 'rate_limited'
  if (o.vendorReason === 'server_error') return 'http_5xx'
  if (o.vendorReason === 'client_error') return 'http_4xx'
  if (o.status >= 200 && o.status < 300) return 'ok'
  if (o.status >= 400 && o.status < 500) return 'http_4xx'
  // 5xx, and a redirect or other oddity from a send endpoint: the vendor misbehaves, not the
  // message, so the chain may move on.
  return 'http_5xx'
}

export function toSendResult(provider: string, outcome: VendorOutcome, m: Measured): SendResult {
  const latencyMs = Math.max(0, Math.round(m.latencyMs))
  if (outcome.kind !== 'response')
    return { ok: false, provider, reason: outcome.kind, httpStatusClass: 'none', latencyMs, costMicros: 0 }
  const reason = reasonOf(outcome)
  const ok = reason === 'ok'
  const result: SendResult = { ok, provider, reason, httpStatusClass: statusClass(outcome.status), latencyMs, costMicros: ok ? m.costMicros : 0 }
  if (ok && outcome.providerMessageId) result.providerMessageId = outcome.providerMessageId
  if (reason === 'rate_limited' && outcome.retryAfterSeconds !== undefined) result.retryAfterSeconds = outcome.retryAfterSeconds
  if (outcome.tokenGone) result.tokenGone = true
  return result
}
