import { DEFAULT_CREDENTIALS } from '../../simulator/vendors/types'
import { sendgridPublicKey } from '../../simulator/vendors/webhook-keys'
import { SnsCertificateCache } from './receipts-sns'
import type { ReceiptCredentials } from './types'

export interface ReceiptCredentialOptions {
  /** Vonage signature secret (dashboard → API settings); default: the simulator's test secret. */
  vonageSignatureSecret?: string
  /** SendGrid event webhook verification key, base64 DER; default: the simulator's test key. */
  sendgridPublicKey?: string
  /**
   * Allowed SigningCertURL prefixes; default: the provider's `/sns/` (where the simulator serves
   * its certificate). For AWS: `https://sns.<region>.amazonaws.com/` per region used.
   */
  snsCertificateUrlPrefixes?: readonly string[]
  /** When set, SES notifications of any other SNS topic are refused. */
  sesTopicArn?: string
  fetch?: typeof fetch
}

/**
 * What the IdP verifies receipts with when its vendors are the provider simulator at
 * `providerUrl`: the simulator's test secrets and public keys (shared in code, as Twilio's
 * auth token is), each replaceable by a configured value for real vendors.
 */
export function simulatorReceiptCredentials(providerUrl: string, o: ReceiptCredentialOptions = {}): ReceiptCredentials {
  const c = DEFAULT_CREDENTIALS
  return {
    twilio: { authToken: c.twilio.authToken },
    vonage: { signatureSecret: o.vonageSignatureSecret ?? c.vonage.signatureSecret },
    sendgrid: { publicKey: o.sendgridPublicKey ?? sendgridPublicKey(c.sendgrid.webhookSigningKey) },
    ses: {
      topicArn: o.sesTopicArn,
      certificates: new SnsCertificateCache({ allow: o.snsCertificateUrlPrefixes ?? [`${providerUrl.replace(/\/+$/, '')}/sns/`], fetch: o.fetch }),
    },
  }
}
