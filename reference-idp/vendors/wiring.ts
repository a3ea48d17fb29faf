import { MfaError } from '../errors'
import { sendJson } from '../http/io'
import type { Route } from '../http/types'
import type { ReceiptService } from '../login/receipts'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import { ADAPTERS, createAdapters, readReceipt, receiptCredentials, ReceiptError, RECEIPT_SECRET_OF, unverifiableReceipts, webhookUrl, type AdapterCredentials, type ReceiptCredentialOptions } from '../subprocessors/adapters'
import type { PushCredentials } from '../subprocessors/push-types'
import { loadRegistry } from '../../dashboards/schema/registry'
import type { Subprocessor } from '../subprocessors/types'
import { createPushAdapters, createPushChain } from '../subprocessors/adapters/push-create'
import { circuitReporter, createVendorSender } from './vendor-sender'
import type { VendorFaults } from '../faults/inject'

/**
 * Real vendors for the IdP: one adapter per registry vendor at its base URL (`baseUrls`, the
 * vendors' own APIs) or under `providerUrl` (the provider simulator), behind breakers and
 * fallback chains, with receipt webhooks at /webhooks/{vendor}. The webhook base is the IdP's
 * own URL, known only once it listens, hence `start(publicUrl)`.
 */
export interface VendorLayerOptions {
  providerUrl?: string; baseUrls?: Readonly<Record<string, string>>; registryPath?: string; telemetry: Telemetry; metrics: IdpMetrics; region: string; log: (line: string) => void
  /** The IdP's clock: breaker windows and cool-downs run on it (tests move it instead of waiting). */
  now: () => number
  /** Send credentials per vendor account (configuration; the simulator's only in npm start and tests). */
  credentials: { send: AdapterCredentials; push: PushCredentials }
  /** Receipt-verification secrets: a vendor without one has its receipts refused. */
  receipts: ReceiptCredentialOptions
  /** Where each receipt secret is configured (e.g. twilioAuthToken → IDP_TWILIO_AUTH_TOKEN), named in warnings and refusals. */
  settingNames?: Partial<Record<keyof ReceiptCredentialOptions, string>>
  /** Game-day fault injection in front of every adapter, and runbook drains (faults/); absent: none. */
  faults?: VendorFaults
}

export function vendorLayer(o: VendorLayerOptions) {
  const registry = loadRegistry(o.registryPath) // an invalid registry stops start-up, naming the field
  const creds = o.credentials.send
  // Receipts are judged by the wall clock (a signed timestamp from the vendor), not the IdP's injectable one.
  const receiptCreds = receiptCredentials(o.receipts)
  const setting = (vendor: string) => o.settingNames?.[RECEIPT_SECRET_OF[vendor]] ?? RECEIPT_SECRET_OF[vendor]
  let sender: (Subprocessor & { circuit(id: string): string }) | undefined
  let publicUrl = ''
  const vendorIds = registry.vendors.map((v) => v.id).filter((id) => ADAPTERS[id])
  const timeoutOf = (id: string) => registry.vendors.find((v) => v.id === id)?.timeoutMs ?? 0
  const faulty = <A>(adapters: ReadonlyMap<string, A>, wrap: (a: A, id: string, timeoutMs: number) => A) => new Map([...adapters].map(([id, a]) => [id, o.faults ? wrap(a, id, timeoutOf(id)) : a]))
  const drained = o.faults && ((id: string, channel: string, region: string) => o.faults!.drained(id, channel, region))
  // Minted tokens (APNs, FCM, Vonage) carry the IdP's time: a test that moves its clock sees them renewed.
  const clock = { now: o.now }
  const pushAdapters = faulty(createPushAdapters(o.providerUrl, registry, { credentials: o.credentials.push, baseUrls: o.baseUrls, clock }), (a, id, t) => o.faults!.push(a, id, t))
  const push = createPushChain({ registry, adapters: pushAdapters, drained, now: o.now, onTransition: circuitReporter({ registry, telemetry: o.telemetry, metrics: o.metrics, region: o.region }) })
  for (const v of registry.vendors) if (v.channels.includes('push')) o.metrics.circuitState.set({ provider: v.id }, 0)
  const unverifiable = unverifiableReceipts(vendorIds, o.receipts)
  for (const id of unverifiable) o.log(`warning: vendors: ${id} receipts will be refused (403): ${setting(id)} is not set`)

  const deferred: Subprocessor = {
    id: 'vendors',
    channels: ['sms', 'voice', 'email'],
    send: (m, signal) => {
      if (!sender) throw new Error('vendor layer used before the IdP listens')
      return sender.send(m, signal)
    },
  }

  return {
    registry,
    push,
    sender: deferred,
    receiptingProviders: () => vendorIds,
    circuit: (id: string) => sender?.circuit(id) ?? 'closed',
    /** Build the adapters with the webhook base, and register account-level webhooks with the simulator. */
    async start(url: string): Promise<void> {
      publicUrl = url
      const adapters = createAdapters({ providerUrl: o.providerUrl, baseUrls: o.baseUrls, registry, webhookBaseUrl: url, credentials: creds, clock })
      sender = createVendorSender({ registry, adapters: faulty(adapters, (a, id, t) => o.faults!.subprocessor(a, id, t)), telemetry: o.telemetry, metrics: o.metrics, region: o.region, now: o.now, drained })
      const accountLevel = vendorIds.filter((v) => !ADAPTERS[v].perMessageCallback)
      // A real vendor's account-level webhook (SES via SNS, SendGrid's event webhook) is set in its console.
      const simulatorUrl = o.providerUrl
      for (const id of simulatorUrl ? accountLevel : []) {
        const res = await fetch(`${simulatorUrl!.replace(/\/+$/, '')}/webhooks/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: webhookUrl(url, id) }) }).catch((e: Error) => e)
        if (res instanceof Error || !res.ok) o.log(`vendors: could not register the ${id} receipt webhook at ${o.providerUrl} (${res instanceof Error ? res.message : `HTTP ${res.status}`}); its deliveries will show as never receipted`)
      }
      if (!o.providerUrl) for (const id of accountLevel) o.log(`vendors: point ${id}'s event webhook at ${webhookUrl(url, id)} in its console`)
      o.log(`vendors: ${vendorIds.join(', ')} at ${o.providerUrl ?? 'their own APIs'}${o.baseUrls ? ` (own URLs: ${Object.keys(o.baseUrls).join(', ')})` : ''}, receipts at ${url}/webhooks/{vendor}`)
    },
    /** POST /webhooks/{vendor}: verify, parse, record once; refuse forgeries without changing anything. */
    routes(receipts: ReceiptService): Route[] {
      return vendorIds.map((id) => ({
        method: 'POST' as const, path: `/webhooks/${id}`, kind: 'api' as const,
        async handler(x) {
          const body = await x.raw()
          const headers = Object.fromEntries(Object.entries(x.req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]))
          let parsed
          try {
            parsed = await readReceipt(id, { url: `${publicUrl}${x.url.pathname}${x.url.search}`, headers, body }, receiptCreds)
          } catch (e) {
            if (!(e instanceof ReceiptError)) throw e
            o.metrics.receiptsRefused.inc({ provider: id, reason: e.code })
            throw new MfaError(e.code === 'malformed' ? 'bad_request' : 'forbidden', e.code === 'no_credentials' ? `${e.message}: this IdP has no ${setting(id)}` : e.message, { reason: e.code })
          }
          sendJson(x.res, 200, { accepted: parsed.length, new: await receipts.handle(parsed) })
        },
      }))
    },
  }
}
