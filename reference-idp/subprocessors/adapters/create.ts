import type { Registry } from '../../../dashboards/schema/registry'
import type { Subprocessor } from '../types'
import { createSes } from './ses'
import { createSendGrid } from './sendgrid'
import { createTwilioSms, createTwilioVoice } from './twilio'
import type { AdapterCredentials, AdapterOptions } from './types'
import { createVonageSms, createVonageVoice } from './vonage'

/**
 * One adapter per registry vendor of the sms, voice and email channels, pointed at the
 * provider simulator, with the registry's timeout and cost. Push vendors are skipped: they sit
 * behind the push factor, not the Subprocessor interface.
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
      const jwt = need(c, 'vonage', 'vonage-voice').applicationJwt
      if (!jwt) throw new Error('createAdapters: vendor "vonage-voice" needs credentials.vonage.applicationJwt')
      return createVonageVoice({ ...o, credentials: { applicationJwt: jwt } })
    },
  },
  ses: { root: '/ses', perMessageCallback: false, idempotent: false, defaultFrom: 'no-reply@factorwatch.test', build: (o, c) => createSes({ ...o, credentials: need(c, 'ses', 'ses') }) },
  sendgrid: { root: '/sendgrid', perMessageCallback: false, idempotent: false, defaultFrom: 'no-reply@factorwatch.test', build: (o, c) => createSendGrid({ ...o, credentials: need(c, 'sendgrid', 'sendgrid') }) },
}

export interface CreateAdaptersOptions {
  simulatorUrl: string
  registry: Registry
  /** Base of the IdP's receipt webhooks: `${webhookBaseUrl}/webhooks/${vendorId}`. */
  webhookBaseUrl?: string
  /** Injected by the caller (configuration, or the simulator's in npm start and tests); no defaults. */
  credentials: AdapterCredentials
  /** Sender per vendor id (number, sender id or address); test senders by default. */
  senders?: Partial<Record<string, string>>
  fetch?: typeof fetch
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
      baseUrl: o.simulatorUrl.replace(/\/+$/, '') + def.root,
      timeoutMs: v.timeoutMs,
      costMicros: v.costMicrosPerMessage,
      from: o.senders?.[v.id] ?? def.defaultFrom,
      retryConnectOnce: v.retryable && def.idempotent,
      fetch: o.fetch,
    }
    if (def.perMessageCallback && o.webhookBaseUrl) options.statusCallbackUrl = webhookUrl(o.webhookBaseUrl, v.id)
    adapters.set(v.id, def.build(options, credentials))
  }
  return adapters
}
