import { ATTR } from '../../contract'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import type { Transition } from '../subprocessors/breaker'
import { createFallbackChain, type ChainDeps } from '../subprocessors/failover'
import type { Registry } from '../../dashboards/schema/registry'
import { fallbackChain } from '../../dashboards/schema/registry-queries'
import type { Subprocessor } from '../subprocessors/types'

const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const

/** Breaker transitions → `mfa.circuit.changed` and the `idp_circuit_state` gauge (SMS, voice, e-mail and push alike). */
export function circuitReporter(o: { registry: Registry; telemetry: Telemetry; metrics: IdpMetrics; region: string }) {
  const vendors = new Map(o.registry.vendors.map((v) => [v.id, v]))
  return (id: string, t: Transition) => {
    o.metrics.circuitState.set({ provider: id }, STATE_VALUE[t.to])
    o.metrics.circuitTransitions.inc({ provider: id, to: t.to })
    o.telemetry.emit('mfa.circuit.changed', {
      [ATTR.provider]: id, [ATTR.channel]: vendors.get(id)?.channels[0], [ATTR.region]: o.region,
      [ATTR.circuitFromState]: t.from, [ATTR.circuitState]: t.to, [ATTR.reason]: t.reason,
    })
  }
}

/**
 * The IdP's sender over real vendors: the registry's fallback chains and breaker thresholds
 * in front of one adapter per vendor. Breaker transitions become `mfa.circuit.changed` events
 * and the `idp_circuit_state` gauge.
 */
export function createVendorSender(o: { registry: Registry; adapters: ReadonlyMap<string, Subprocessor>; telemetry: Telemetry; metrics: IdpMetrics; region: string; now: () => number; drained?: ChainDeps['drained'] }) {
  const vendors = new Map(o.registry.vendors.map((v) => [v.id, v]))
  for (const v of o.registry.vendors) if (o.adapters.has(v.id)) o.metrics.circuitState.set({ provider: v.id }, 0)
  return createFallbackChain({
    chain: (channel, region) => {
      const c = fallbackChain(o.registry, channel, region)
      return { vendors: c.vendors.map((v) => v.id), thenFactors: c.thenFactors }
    },
    adapters: o.adapters,
    breaker: (id) => vendors.get(id)!.breaker,
    now: o.now,
    onTransition: circuitReporter(o),
    drained: o.drained,
  })
}
