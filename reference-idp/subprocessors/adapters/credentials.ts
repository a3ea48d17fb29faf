import { z } from 'zod'
import type { PushCredentials } from '../push-types'
import type { ReceiptCredentialOptions } from './receipts-credentials'
import type { AdapterCredentials } from './types'

const text = z.string().min(1)
const pem = z.string().regex(/-----BEGIN PRIVATE KEY-----/, 'expected a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----, newlines as \\n in JSON)')
const urlPrefixes = z.array(z.string().url()).min(1)

/**
 * A Google service-account key file as the Firebase console downloads it ("Project settings →
 * Service accounts → Generate new private key"); fields the exchange does not read may be there.
 */
const ServiceAccountJson = z.looseObject({
  type: z.literal('service_account').optional(),
  project_id: text.optional(),
  private_key_id: text.optional(),
  private_key: pem,
  client_email: z.string().email(),
  token_uri: z.string().url(),
})

/**
 * The vendor accounts' credentials and receipt-verification keys, as one JSON document (the
 * IdP's IDP_VENDOR_CREDENTIALS, or the file IDP_VENDOR_CREDENTIALS_FILE names). Each vendor's
 * webhook key may also come from its own variable (IDP_TWILIO_AUTH_TOKEN…), which wins. No
 * defaults: a vendor without credentials here is one the IdP cannot send through.
 */
export const VendorCredentials = z.strictObject({
  /** Twilio console → Account info: Account SID; Auth Token (sends, and X-Twilio-Signature of receipts). */
  twilio: z.strictObject({ accountSid: text, authToken: text.optional() }).optional(),
  /**
   * Vonage dashboard → API settings: API key and secret (SMS), signature secret (signed DLRs and
   * voice events); Applications → your voice application: its id and private.key (Voice API JWTs).
   */
  vonage: z
    .strictObject({ apiKey: text, apiSecret: text, signatureSecret: text.optional(), applicationId: z.string().uuid().optional(), privateKey: pem.optional() })
    .refine((v) => !v.applicationId === !v.privateKey, { message: 'applicationId and privateKey go together (the voice application)', path: ['privateKey'] })
    .optional(),
  /** IAM access key for SES v2; the SNS topic and certificate URL prefixes that verify its notifications. */
  ses: z.strictObject({ accessKeyId: text, secretAccessKey: text, sessionToken: text.optional(), topicArn: text.optional(), snsCertUrlPrefixes: urlPrefixes.optional() }).optional(),
  /** SendGrid API key (Mail Send); the signed event webhook's verification key (base64 DER, as SendGrid shows it). */
  sendgrid: z.strictObject({ apiKey: text, webhookPublicKey: text.optional() }).optional(),
  /** The Firebase project's service account key file (JSON); `projectId` defaults to its project_id. */
  fcm: z.strictObject({ serviceAccount: ServiceAccountJson, projectId: text.optional() }).optional(),
  /** Apple developer account → Keys: the APNs key's id and .p8 file, your team id; the app's bundle id (apns-topic). */
  apns: z.strictObject({ teamId: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character team id'), keyId: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character key id'), privateKey: pem, topic: text }).optional(),
})
export type VendorCredentials = z.infer<typeof VendorCredentials>

function issueText(e: z.ZodError, what: string): string {
  const i = e.issues[0]
  return `${i.path.join('.') || what}: ${i.message}`
}

/** Parse the JSON document; the error names the field, never a value (these are secrets). */
export function parseVendorCredentials(json: string): VendorCredentials {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON object such as {"twilio":{"accountSid":"AC…"},"sendgrid":{"apiKey":"SG.…"}}')
  }
  const r = VendorCredentials.safeParse(raw)
  if (!r.success) throw new Error(issueText(r.error, 'credentials'))
  return r.data
}

/** Per-vendor API roots by registry vendor id: `{"twilio":"https://api.twilio.com","fcm":"https://fcm.googleapis.com"}`. */
export const VendorUrlMap = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a registry vendor id'), z.string().url().refine((u) => /^https?:/.test(u), 'expected an http(s) URL'))

export function parseVendorUrls(json: string): Record<string, string> {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new Error('expected a JSON object such as {"twilio":"https://api.twilio.com","sendgrid":"https://api.sendgrid.com"}')
  }
  const r = VendorUrlMap.safeParse(raw)
  if (!r.success) throw new Error(issueText(r.error, 'urls'))
  return r.data
}

/** What createAdapters and createPushAdapters take; Twilio only when both its account SID and auth token are there. */
export function sendAndPushCredentials(c: VendorCredentials, twilioAuthToken = c.twilio?.authToken): { send: AdapterCredentials; push: PushCredentials } {
  const { twilio, vonage, ses, sendgrid, fcm, apns } = c
  const sa = fcm?.serviceAccount
  return {
    send: {
      ...(twilio && twilioAuthToken ? { twilio: { accountSid: twilio.accountSid, authToken: twilioAuthToken } } : {}),
      ...(vonage ? { vonage: { apiKey: vonage.apiKey, apiSecret: vonage.apiSecret, ...(vonage.applicationId && vonage.privateKey ? { applicationId: vonage.applicationId, privateKey: vonage.privateKey } : {}) } } : {}),
      ...(ses ? { ses: { accessKeyId: ses.accessKeyId, secretAccessKey: ses.secretAccessKey, ...(ses.sessionToken ? { sessionToken: ses.sessionToken } : {}) } } : {}),
      ...(sendgrid ? { sendgrid: { apiKey: sendgrid.apiKey } } : {}),
    },
    push: {
      ...(fcm && sa
        ? { fcm: { projectId: fcm.projectId ?? sa.project_id ?? '', serviceAccount: { clientEmail: sa.client_email, privateKey: sa.private_key, privateKeyId: sa.private_key_id, tokenUri: sa.token_uri } } }
        : {}),
      ...(apns ? { apns: { teamId: apns.teamId, keyId: apns.keyId, privateKey: apns.privateKey, topic: apns.topic } } : {}),
    },
  }
}

/** The receipt-verification keys the document holds (each vendor's own variable, when set, is laid over these by the caller). */
export function documentReceiptSecrets(c: VendorCredentials): ReceiptCredentialOptions {
  return {
    ...(c.twilio?.authToken ? { twilioAuthToken: c.twilio.authToken } : {}),
    ...(c.vonage?.signatureSecret ? { vonageSignatureSecret: c.vonage.signatureSecret } : {}),
    ...(c.sendgrid?.webhookPublicKey ? { sendgridPublicKey: c.sendgrid.webhookPublicKey } : {}),
    ...(c.ses?.snsCertUrlPrefixes ? { snsCertificateUrlPrefixes: c.ses.snsCertUrlPrefixes } : {}),
    ...(c.ses?.topicArn ? { sesTopicArn: c.ses.topicArn } : {}),
  }
}
