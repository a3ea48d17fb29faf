import { admit, initialBreaker, record, type BreakerState, type Transition } from '../breaker'
import { breakerFailure, fallbackReason } from '../failover'
import type { PushCredentials, PushMessage, PushSender } from '../push-types'
import type { Registry } from '../../../dashboards/schema/registry'
import { fallbackChain } from '../../../dashboards/schema/registry-queries'
import type { FallbackStep, SendResult } from '../types'
import { createApns } from './apns'
import { createFcm } from './fcm'
import { vendorBaseUrl, type VendorUrls } from './create'
import type { AdapterOptions } from './types'

type BaseOptions = Omit<AdapterOptions<unknown>, 'credentials'>

/** Push vendors by registry id; the simulator serves each under `/{id}`. */
const PUSH_ADAPTERS: Record<string, (o: BaseOptions, c: PushCredentials) => PushSender> = {
  fcm: (o, c) => createFcm({ ...o, credentials: need(c, 'fcm') }),
  apns: (o, c) => createApns({ ...o, credentials: need(c, 'apns') }),
}

function need<K extends keyof PushCredentials>(c: PushCredentials, key: K): NonNullable<PushCredentials[K]> {
  const v = c[key]
  if (!v) throw new Error(`createPushAdapters: vendor "${key}" needs credentials.${key}`)
  return v as NonNullable<PushCredentials[K]>
}

export interface PushAdapterOptions {
  /** Injected by the caller (configuration, or the simulator's in npm start and tests); no defaults. */
  credentials: PushCredentials
  fetch?: typeof fetch
  /** Per-vendor API roots (e.g. fcm: https://fcm.googleapis.com), over `providerUrl`. */
  baseUrls?: VendorUrls['baseUrls']
  /** The caller's clock (epoch ms): APNs provider tokens and FCM access tokens are minted and renewed on it. */
  clock?: AdapterOptions<unknown>['clock']
}

/** One adapter per registry vendor of the push channel, at its base URL or under `providerUrl` (the simulator serves each under `/{id}`). */
export function createPushAdapters(providerUrl: string | undefined, registry: Registry, o: PushAdapterOptions): Map<string, PushSender> {
  const credentials = o.credentials
  const adapters = new Map<string, PushSender>()
  for (const v of registry.vendors.filter((x) => x.channels.includes('push'))) {
    const build = PUSH_ADAPTERS[v.id]
    if (!build) throw new Error(`createPushAdapters: no adapter for registry push vendor "${v.id}"; known: ${Object.keys(PUSH_ADAPTERS).join(', ')}`)
    adapters.set(v.id, build({
      baseUrl: vendorBaseUrl({ providerUrl, baseUrls: o.baseUrls }, v.id, `/${v.id}`),
      timeoutMs: v.timeoutMs,
      costMicros: v.costMicrosPerMessage,
      // Duplicates are harmless (the app deduplicates by challenge id): see fcm.ts, apns.ts.
      retryConnectOnce: v.retryable,
      fetch: o.fetch,
      clock: o.clock,
    }, credentials))
  }
  return adapters
}

export interface PushChainDeps {
  registry: Registry
  adapters: ReadonlyMap<string, PushSender>
  /** The process's clock (breaker windows and cool-downs), handed in by the caller. */
  now: () => number
  /** Every breaker transition, for `mfa.circuit.changed` and the metrics. */
  onTransition?(vendorId: string, t: Transition): void
  /** An operator holds this vendor's circuit open (runbook "drain"): skipped like an open breaker. */
  drained?(vendorId: string, channel: string, region: string): boolean
}

const skipped = (provider: string): SendResult => ({ ok: false, provider, reason: 'circuit_open', httpStatusClass: 'none', latencyMs: 0, costMicros: 0 })

/**
 * A PushSender over the registry's push chain for the message's platform and region, with a
 * breaker per vendor: the same pure breaker and fallback judgement as `createFallbackChain`,
 * which is typed for OOB messages and chains without a platform.
 */
export function createPushChain(d: PushChainDeps): PushSender & { circuit(id: string): string } {
  const now = d.now
  const states = new Map<string, BreakerState>()
  const state = (id: string) => states.get(id) ?? initialBreaker()
  const apply = (id: string, next: BreakerState, t: Transition | undefined) => {
    states.set(id, next)
    if (t) d.onTransition?.(id, t)
  }
  return {
    id: 'push-chain',
    platforms: ['ios', 'android'],
    circuit: (id) => state(id).state,
    async send(message: PushMessage, signal?: AbortSignal): Promise<SendResult> {
      const { vendors, thenFactors } = fallbackChain(d.registry, 'push', message.region, message.platform)
      const attempts: SendResult[] = []
      const fallbacks: FallbackStep[] = []
      for (const [i, v] of vendors.entries()) {
        const adapter = d.adapters.get(v.id)
        const gate = adapter && !d.drained?.(v.id, 'push', message.region) ? admit(state(v.id), now(), v.breaker) : { allow: false, next: state(v.id) }
        apply(v.id, gate.next, 'transition' in gate ? gate.transition : undefined)
        const r = gate.allow && adapter ? await adapter.send(message, signal) : skipped(v.id)
        if (gate.allow) {
          const rec = record(state(v.id), !breakerFailure(r), now(), v.breaker)
          apply(v.id, rec.next, rec.transition)
        }
        attempts.push(r)
        const why = fallbackReason(r)
        if (!why) return { ...r, attempts, fallbacks }
        if (vendors[i + 1]) fallbacks.push({ from: v.id, to: vendors[i + 1].id, reason: why })
      }
      return { ...(attempts.at(-1) ?? skipped('none')), ok: false, attempts, fallbacks, thenFactors }
    },
  }
}
