import type { PushMessage, PushPlatform, PushSender } from '../push-types'
import type { OutboundMessage } from '../types'
import { checkOptions, exchange, type AdapterSpec, type ReadOutcome, type VendorReply, type VendorRequest } from './http'
import { toSendResult } from './map'
import type { AdapterOptions } from './types'

/**
 * The push side of http.ts: same exchange (timeouts, cancellation, wire-error classes, the
 * single not-connected retry) and the same judgement (`toSendResult`), so a push vendor's 429
 * or timeout means what an SMS vendor's does. Vendor files only build the request and read
 * the answer.
 */

export interface PushAdapterSpec {
  id: string
  platforms: readonly PushPlatform[]
  request(message: PushMessage, region: string): VendorRequest
  read(reply: VendorReply): ReadOutcome
  /** As AdapterSpec's: the token-based authorization header, per attempt. */
  authorize?(signal: AbortSignal): Promise<string>
}

/**
 * `exchange` is typed for OOB messages but reads only `region` from one and hands it back to
 * `spec.request`; the carrier gives it that, and the per-call spec builds from the push
 * message itself. (Making `exchange` generic over `{ region }` would remove the carrier.)
 */
const carrier = (m: PushMessage): OutboundMessage => ({ channel: 'sms', to: '', text: '', idempotencyKey: m.idempotencyKey, region: m.region })

export function definePushAdapter(o: AdapterOptions<unknown>, spec: PushAdapterSpec): PushSender {
  checkOptions(spec.id, o)
  const now = o.now ?? (() => performance.now())
  return {
    id: spec.id,
    platforms: spec.platforms,
    async send(message, signal) {
      if (!spec.platforms.includes(message.platform))
        throw new Error(`${spec.id}: cannot send to platform ${message.platform}; serves ${spec.platforms.join(', ')}`)
      const perCall: AdapterSpec = { id: spec.id, channels: [], request: (_m, region) => spec.request(message, region), read: spec.read, authorize: spec.authorize }
      const started = now()
      const outcome = await exchange(o, perCall, carrier(message), signal)
      return toSendResult(spec.id, outcome, { latencyMs: now() - started, costMicros: o.costMicros })
    },
  }
}
