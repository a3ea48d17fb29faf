import { SnsCertificateCache } from './receipts-sns'
import type { ReceiptCredentials } from './types'

export interface ReceiptCredentialOptions {
  /** Twilio auth token: verifies X-Twilio-Signature. */
  twilioAuthToken?: string
  /** Vonage signature secret (dashboard → API settings): `sig` of DLRs and the voice events' JWT. */
  vonageSignatureSecret?: string
  /** SendGrid event webhook verification key, base64 DER. */
  sendgridPublicKey?: string
  /** Allowed SNS SigningCertURL prefixes; for AWS `https://sns.<region>.amazonaws.com/` per region used. */
  snsCertificateUrlPrefixes?: readonly string[]
  /** When set, SES notifications of any other SNS topic are refused. */
  sesTopicArn?: string
  fetch?: typeof fetch
}

/** Receipt vendors' account families and the option that verifies each. */
export const RECEIPT_SECRET_OF: Record<string, keyof ReceiptCredentialOptions> = {
  twilio: 'twilioAuthToken', 'twilio-voice': 'twilioAuthToken', vonage: 'vonageSignatureSecret', 'vonage-voice': 'vonageSignatureSecret', sendgrid: 'sendgridPublicKey', ses: 'snsCertificateUrlPrefixes',
}

/**
 * What the IdP verifies receipts with: only what was configured. There is no default (no test
 * secret shipped in code is ever trusted): a vendor whose secret is missing has every receipt
 * refused (`no_credentials`), never accepted unsigned.
 */
export function receiptCredentials(o: ReceiptCredentialOptions): ReceiptCredentials {
  return {
    ...(o.twilioAuthToken ? { twilio: { authToken: o.twilioAuthToken } } : {}),
    ...(o.vonageSignatureSecret ? { vonage: { signatureSecret: o.vonageSignatureSecret } } : {}),
    ...(o.sendgridPublicKey ? { sendgrid: { publicKey: o.sendgridPublicKey } } : {}),
    ...(o.snsCertificateUrlPrefixes?.length ? { ses: { topicArn: o.sesTopicArn, certificates: new SnsCertificateCache({ allow: o.snsCertificateUrlPrefixes, fetch: o.fetch }) } } : {}),
  }
}

/** Receipt vendors among `vendorIds` whose verification secret is not configured (their webhooks refuse everything). */
export function unverifiableReceipts(vendorIds: readonly string[], o: ReceiptCredentialOptions): string[] {
  const set = (v: unknown) => (typeof v === 'string' || Array.isArray(v)) && v.length > 0
  return vendorIds.filter((id) => RECEIPT_SECRET_OF[id] && !set(o[RECEIPT_SECRET_OF[id]]))
}
