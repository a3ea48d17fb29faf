import type { CircuitState, ReasonOf } from '../../contract'
import { admit, initialBreaker, record, type BreakerConfig, type BreakerState, type Transition } from './breaker'
import type { FallbackStep, OutboundMessage, SendResult, Subprocessor } from './types'

/** Why a flow moves on from a vendor's result; undefined when it must not (the message, not the vendor, is at fault). */
export function fallbackReason(r: SendResult): ReasonOf<'mfa.fallback'> | undefined {
  switch (r.reason) {
    case 'ok':
    case 'http_4xx':
      return undefined
    case 'timeout':
      return 'provider_timeout'
    case 'rate_limited':
      return 'rate_limited'
    case 'circuit_open':
      return 'circuit_open'
    default:
      return 'provider_error'
  }
}

/** Whether a result counts against the vendor's breaker: its own failures, not our bad input. */
export const breakerFailure = (r: SendResult): boolean => r.reason !== 'ok' && r.reason !== 'http_4xx'

export interface ChainDeps {
  /** Vendor ids to try for a channel and region, in order, and the factors to offer when all fail. */
  chain(channel: OutboundMessage['channel'], region: string): { vendors: string[]; thenFactors: string[] }
  adapters: ReadonlyMap<string, Subprocessor>
  breaker(vendorId: string): BreakerConfig
  now: () => number
  /** Every breaker transition, for `mfa.circuit.changed` and the metrics. */
  onTransition(vendorId: string, t: Transition): void
  /** An operator holds this vendor's circuit open (runbook "drain"): skipped like an open breaker. */
  drained?(vendorId: string, channel: string, region: string): boolean
}

const skipped = (provider: string): SendResult => ({ ok: false, provider, reason: 'circuit_open', httpStatusClass: 'none', latencyMs: 0, costMicros: 0 })

/**
 * A Subprocessor that sends through a channel's fallback chain: vendors whose breaker is open
 * are skipped, a vendor failure moves on to the next one, and the result lists every attempt
 * and fallback so the caller can emit them with the flow's context.
 */
export function createFallbackChain(d: ChainDeps) {
  const states = new Map<string, BreakerState>()
  const state = (id: string) => states.get(id) ?? initialBreaker()
  const apply = (id: string, next: BreakerState, t: Transition | undefined) => {
    states.set(id, next)
    if (t) d.onTransition(id, t)
  }

  const sender: Subprocessor & { circuit(id: string): CircuitState } = {
    id: 'fallback-chain',
    channels: ['sms', 'voice', 'email'],
    circuit: (id) => state(id).state,
    async send(message, signal) {
      const { vendors, thenFactors } = d.chain(message.channel, message.region)
      const attempts: SendResult[] = []
      const fallbacks: FallbackStep[] = []
      for (let i = 0; i < vendors.length; i++) {
        const id = vendors[i]
        const adapter = d.adapters.get(id)
        const cfg = d.breaker(id)
        const gate = adapter && !d.drained?.(id, message.channel, message.region) ? admit(state(id), d.now(), cfg) : { allow: false, next: state(id) }
        apply(id, gate.next, 'transition' in gate ? gate.transition : undefined)
        const r = gate.allow && adapter ? await adapter.send(message, signal) : skipped(id)
        if (gate.allow) {
          const rec = record(state(id), !breakerFailure(r), d.now(), cfg)
          apply(id, rec.next, rec.transition)
        }
        attempts.push(r)
        const why = fallbackReason(r)
        if (!why) return { ...r, attempts, fallbacks }
        const next = vendors[i + 1]
        if (next) fallbacks.push({ from: id, to: next, reason: why })
      }
      const last = attempts.at(-1) ?? skipped('none')
      return { ...last, ok: false, attempts, fallbacks, thenFactors }
    },
  }
  return sender
}
