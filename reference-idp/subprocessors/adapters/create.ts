import type { Registry } from '../../../dashboards/schema/registry'
import type { Subprocessor } from '../types'
import { createSes } from './ses'
import { createSendGrid } from './sendgrid'
import { createTwilioSms, createTwilioVoice } from './twilio'
import type { AdapterCredentials, AdapterOptions } from './types'
import { createVonageSms, createVonageVoice } from './vonage'

/**
 * One adapter per registry vendor of the sms, voice and email channels, pointed at the
 * vendor's API root (`baseUrls`, or the provider simulator's path for it), with the registry's
 * timeout and cost. Push vendors are skipped: they sit behind the push factor, not the
 * Subprocessor interface.
 */

type BaseOptions = Omit<AdapterOptions<unknown>, 'credentials'>
type Builder = (o: BaseOptions, c: AdapterCredentials) => Subprocessor

interface AdapterDef {
  /** Path of the vendor's API root on the simulator. */
  root: string
  /** Takes a per-message receipt URL (SES and SendGrid: per account only). */
  perMessageCallback: boolean
  /**
   * Whether the send API deduplicates a repeated request. None of ours does, so no adapter
   * retries, even on a refused connection: Twilio documents message and call creation as not
   * idempotent (errors/20500); Vonage SMS and Voice have no idempotency key (`client-ref` is
   * only echoed); SES v2 SendEmail takes no ClientToken; SendGrid Mail Send delivers every POST.
   */
  idempotent: boolean
  defaultFrom: string
  build: Builder
}

function need<K extends keyof AdapterCredentials>(c: AdapterCredentials, key: K, vendor: string): NonNullable<AdapterCredentials[K]> {
  const v = c[key]
  if (!v) throw new Error(`createAdapters: vendor "${vendor}" needs credentials.${key}`)
  return v as NonNullable<AdapterCredentials[K]>
}

export const ADAPTERS: Record<string, AdapterDef> = {
  twilio: { root: '/twilio', perMessageCallback: true, idempotent: false, defaultFrom: '+15005550006', build: (o, c) => createTwilioSms({ ...o, credentials: need(c, 'twilio', 'twilio') }) },
  'twilio-voice': { root: '/twilio', perMessageCallback: true, idempotent: false, defaultFrom: '+15005550006', build: (o, c) => createTwilioVoice({ ...o, credentials: need(c, 'twilio', 'twilio-voice') }) },
  vonage: { root: '/vonage', perMessageCallback: true, idempotent: false, defaultFrom: 'FactorWatch', build: (o, c) => createVonageSms({ ...o, credentials: need(c, 'vonage', 'vonage') }) },
  'vonage-voice': {
    root: '/vonage',
    perMessageCallback: true,
    idempotent: false,
    defaultFrom: '+15005550007',
    build: (o, c) => {
      const { applicationId, privateKey } = need(c, 'vonage', 'vonage-voice')
      if (!applicationId || !privateKey) throw new Error('createAdapters: vendor "vonage-voice" needs credentials.vonage.applicationId and credentials.vonage.privateKey')
      return createVonageVoice({ ...o, credentials: { applicationId, privateKey } })
    },
  },
  ses: { root: '/ses', perMessageCallback: false, idempotent: false, defaultFrom: 'no-reply@factorwatch.test', build: (o, c) => createSes({ ...o, credentials: need(c, 'ses', 'ses') }) },
  sendgrid: { root: '/sendgrid', perMessageCallback: false, idempotent: false, defaultFrom: 'no-reply@factorwatch.test', build: (o, c) => createSendGrid({ ...o, credentials: need(c, 'sendgrid', 'sendgrid') }) },
}

/**
 * Where each vendor's API is: `baseUrls[vendorId]` (e.g. `https://api.twilio.com`) or else
 * `providerUrl` with the vendor's path on the provider simulator (`${providerUrl}/twilio`).
 */
export interface VendorUrls {
  providerUrl?: string
  baseUrls?: Readonly<Partial<Record<string, string>>>
}

/** The API root of `vendorId` (`root`: its path on the simulator); throws naming the vendor when neither is configured. */
export function vendorBaseUrl(urls: VendorUrls, vendorId: string, root: string): string {
  const own = urls.baseUrls?.[vendorId]
  if (own) return own.replace(/\/+$/, '')
  if (urls.providerUrl) return urls.providerUrl.replace(/\/+$/, '') + root
  throw new Error(`no base URL for vendor "${vendorId}": give it one (IDP_VENDOR_URLS) or a provider URL for every vendor (IDP_PROVIDER_URL)`)
}

export interface CreateAdaptersOptions extends VendorUrls {
  registry: Registry
  /** Base of the IdP's receipt webhooks: `${webhookBaseUrl}/webhooks/${vendorId}`. */
  webhookBaseUrl?: string
  /** Injected by the caller (configuration, or the simulator's in npm start and tests); no defaults. */
  credentials: AdapterCredentials
  /** Sender per vendor id (number, sender id or address); test senders by default. */
  senders?: Partial<Record<string, string>>
  fetch?: typeof fetch
  /** The caller's clock (epoch ms), for SigV4 dates and minted tokens; default the system clock. */
  clock?: AdapterOptions<unknown>['clock']
}

/** Receipt webhook URL of a vendor, as createAdapters hands it to the vendor. */
export const webhookUrl = (webhookBaseUrl: string, vendorId: string) => `${webhookBaseUrl.replace(/\/+$/, '')}/webhooks/${vendorId}`

export function createAdapters(o: CreateAdaptersOptions): Map<string, Subprocessor> {
  const credentials = o.credentials
  const adapters = new Map<string, Subprocessor>()
  for (const v of o.registry.vendors) {
    if (!v.channels.some((c) => c !== 'push')) continue
    const def = ADAPTERS[v.id]
    if (!def) throw new Error(`createAdapters: no adapter for registry vendor "${v.id}" (${v.channels.join(', ')}); known: ${Object.keys(ADAPTERS).join(', ')}`)
    const options: BaseOptions = {
      baseUrl: vendorBaseUrl(o, v.id, def.root),
      timeoutMs: v.timeoutMs,
      costMicros: v.costMicrosPerMessage,
      from: o.senders?.[v.id] ?? def.defaultFrom,
      retryConnectOnce: v.retryable && def.idempotent,
      fetch: o.fetch,
      clock: o.clock,
    }
    if (def.perMessageCallback && o.webhookBaseUrl) options.statusCallbackUrl = webhookUrl(o.webhookBaseUrl, v.id)
    adapters.set(v.id, def.build(options, credentials))
  }
  return adapters
}
