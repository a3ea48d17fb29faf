import { z } from 'zod'
import type { PushCredentials } from '../push-types'
import type { AdapterCredentials } from './types'

const text = z.string().min(1)

/**
 * The vendor accounts' send credentials, as one JSON document (the IdP's IDP_VENDOR_CREDENTIALS).
 * Twilio's auth token is not in it: it also verifies Twilio's receipts, so it is configured on
 * its own (IDP_TWILIO_AUTH_TOKEN) and joined in `sendAndPushCredentials`. No defaults: a vendor
 * without credentials here is one the IdP cannot send through.
 */
export const VendorCredentials = z.strictObject({
  twilio: z.strictObject({ accountSid: text }).optional(),
  vonage: z.strictObject({ apiKey: text, apiSecret: text, applicationJwt: text.optional() }).optional(),
  ses: z.strictObject({ accessKeyId: text, secretAccessKey: text, sessionToken: text.optional() }).optional(),
  sendgrid: z.strictObject({ apiKey: text }).optional(),
  fcm: z.strictObject({ accessToken: text, projectId: text }).optional(),
  apns: z.strictObject({ providerToken: text, topic: text }).optional(),
})
export type VendorCredentials = z.infer<typeof VendorCredentials>

/** Parse the JSON document; the error names the field, never a value (these are secrets). */
export function parseVendorCredentials(json: string): VendorCredentials {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON object such as {"twilio":{"accountSid":"AC…"},"sendgrid":{"apiKey":"SG.…"}}')
  }
  const r = VendorCredentials.safeParse(raw)
  if (!r.success) throw new Error(`${r.error.issues[0].path.join('.') || 'credentials'}: ${r.error.issues[0].message}`)
  return r.data
}

/** What createAdapters and createPushAdapters take; Twilio only when both its account SID and auth token are there. */
export function sendAndPushCredentials(c: VendorCredentials, twilioAuthToken?: string): { send: AdapterCredentials; push: PushCredentials } {
  const { twilio, fcm, apns, ...rest } = c
  return {
    send: { ...rest, ...(twilio && twilioAuthToken ? { twilio: { accountSid: twilio.accountSid, authToken: twilioAuthToken } } : {}) },
    push: { fcm, apns },
  }
}
