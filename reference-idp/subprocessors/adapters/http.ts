import type { OobChannel, OutboundMessage, SendResult, Subprocessor } from '../types'
import { parseRetryAfter, toSendResult } from './map'
import type { AdapterOptions, VendorOutcome } from './types'

/**
 * The thin I/O shell every vendor adapter shares: one POST with the caller's signal and the
 * vendor's timeout combined, classification of what went wrong on the wire, and the optional
 * single retry when the connection could not be opened. Vendor files only say how to build
 * the request and how to read the answer.
 */

export interface VendorRequest {
  url: string
  headers: Record<string, string>
  body: string
}

export interface VendorReply {
  status: number
  headers: Headers
  body: string
}

export type ReadOutcome = Omit<Extract<VendorOutcome, { kind: 'response' }>, 'kind' | 'status'>

export interface AdapterSpec {
  id: string
  channels: readonly OobChannel[]
  /** Build the vendor-shaped request. Runs per attempt (SigV4 signs the time). */
  request(message: OutboundMessage, region: string): VendorRequest
  /**
   * The `authorization` header of vendors whose credential is a token minted or fetched on the
   * way (APNs provider token, FCM OAuth token, Vonage application JWT); per attempt, so a
   * cached token is renewed when due. Throws VendorAuthError when no token could be had.
   */
  authorize?(signal: AbortSignal): Promise<string>
  /** The message id of an accepted message, or a vendor-level verdict carried in a 2xx body. */
  read(reply: VendorReply): ReadOutcome
}

/**
 * No token for the send: the token endpoint answered `status` (passed on as the send's answer,
 * so a 5xx from Google's token endpoint fails over like one from FCM, a 400 invalid_grant is a
 * client error), or could not be reached (`status` undefined: a network error). The message
 * names the vendor and what went wrong, never a credential.
 */
export class VendorAuthError extends Error {
  constructor(vendor: string, message: string, readonly status?: number) {
    super(`${vendor}: ${message}`)
    this.name = 'VendorAuthError'
  }
}

/** Errors where no byte of the request reached the vendor: only these may be retried. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    // AggregateError (happy eyeballs tried several addresses): judge by the first.
    const errors = (e as { errors?: unknown[] }).errors
    if (Array.isArray(errors) && errors.length) return errorCode(errors[0])
  }
  return undefined
}

export const notConnected = (err: unknown): boolean => NOT_CONNECTED.has(errorCode(err) ?? '')

const isTimeout = (reason: unknown) => reason instanceof Error && reason.name === 'TimeoutError'

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * One vendor exchange, classified. A timeout (ours, or a caller's deadline that is itself a
 * timeout) is an outcome; any other abort by the caller is a cancellation and rethrown.
 */
export async function exchange(o: AdapterOptions<unknown>, spec: AdapterSpec, message: OutboundMessage, signal?: AbortSignal): Promise<VendorOutcome> {
  const f = o.fetch ?? fetch
  const region = o.region ?? message.region
  const deadline = AbortSignal.timeout(o.timeoutMs)
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline
  for (let attempt = 0; ; attempt++) {
    // Outside the try: a bug in building the request must not pass for a network error.
    const req = spec.request(message, region)
    let authorization: string | undefined
    // Only vendors with token auth wait here: the others' request leaves in this same tick.
    if (spec.authorize) {
      try {
        authorization = await spec.authorize(combined)
      } catch (err) {
        if (combined.aborted) {
          if (isTimeout(combined.reason)) return { kind: 'timeout' }
          throw combined.reason
        }
        if (!(err instanceof VendorAuthError)) throw err
        return err.status === undefined ? { kind: 'network_error' } : { kind: 'response', status: err.status }
      }
    }
    try {
      const res = await f(req.url, {
        method: 'POST',
        headers: { 'user-agent': 'factorwatch-reference-idp', 'x-sim-region': region, ...req.headers, ...(authorization ? { authorization } : {}) },
        body: req.body,
        signal: combined,
        redirect: 'manual',
      })
      const reply: VendorReply = { status: res.status, headers: res.headers, body: await res.text() }
      return {
        kind: 'response',
        status: res.status,
        retryAfterSeconds: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        ...spec.read(reply),
      }
    } catch (err) {
      if (combined.aborted) {
        if (isTimeout(combined.reason)) return { kind: 'timeout' }
        throw combined.reason
      }
      // Only when the vendor cannot have seen the request; one retry, inside the same timeout.
      if (attempt === 0 && o.retryConnectOnce && notConnected(err)) {
        try {
          await pause(50 + Math.floor((o.random ?? Math.random)() * 100), combined)
        } catch {
          if (isTimeout(combined.reason)) return { kind: 'timeout' }
          throw combined.reason
        }
        continue
      }
      return { kind: 'network_error' }
    }
  }
}

/** Guard the options every factory shares; messages name the vendor and the field, never a secret. */
export function checkOptions(id: string, o: AdapterOptions<unknown>): void {
  if (!URL.canParse(o.baseUrl)) throw new Error(`${id}: baseUrl: expected an absolute URL, got "${o.baseUrl}"`)
  if (!(o.timeoutMs > 0)) throw new Error(`${id}: timeoutMs: expected a positive number, got ${o.timeoutMs}`)
  if (!(o.costMicros >= 0)) throw new Error(`${id}: costMicros: expected a number >= 0, got ${o.costMicros}`)
  if (o.statusCallbackUrl !== undefined && !URL.canParse(o.statusCallbackUrl))
    throw new Error(`${id}: statusCallbackUrl: expected an absolute URL, got "${o.statusCallbackUrl}"`)
}

export function requireFrom(id: string, o: AdapterOptions<unknown>, what: string): string {
  if (!o.from) throw new Error(`${id}: from: required (${what})`)
  return o.from
}

export const joinUrl = (base: string, path: string) => base.replace(/\/+$/, '') + path

export function defineAdapter(o: AdapterOptions<unknown>, spec: AdapterSpec): Subprocessor {
  checkOptions(spec.id, o)
  const now = o.now ?? (() => performance.now())
  return {
    id: spec.id,
    channels: spec.channels,
    async send(message: OutboundMessage, signal?: AbortSignal): Promise<SendResult> {
      if (!spec.channels.includes(message.channel))
        throw new Error(`${spec.id}: cannot send over channel ${message.channel}; serves ${spec.channels.join(', ')}`)
      const started = now()
      const outcome = await exchange(o, spec, message, signal)
      return toSendResult(spec.id, outcome, { latencyMs: now() - started, costMicros: o.costMicros })
    },
  }
}

/** JSON body or undefined (vendors answer HTML from their edge during outages). */
export function jsonBody(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

export function field(value: unknown, ...path: (string | number)[]): string | undefined {
  let v = value
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string | number, unknown>)[key]
  }
  return typeof v === 'string' && v.length > 0 ? v : undefined
}
