import { readFileSync } from 'node:fs'
import type { IdpConfig } from './config'
import { documentReceiptSecrets, parseVendorCredentials, parseVendorUrls, sendAndPushCredentials } from './subprocessors/adapters/credentials'
import type { ReceiptCredentialOptions } from './subprocessors/adapters/receipts-credentials'
import type { VendorLayerOptions } from './vendors/wiring'

/** Where each receipt secret is configured: named in the start-up warning and in a refusal. */
const SETTING_NAMES = {
  twilioAuthToken: 'IDP_TWILIO_AUTH_TOKEN (or twilio.authToken in IDP_VENDOR_CREDENTIALS)',
  vonageSignatureSecret: 'IDP_VONAGE_SIGNATURE_SECRET (or vonage.signatureSecret in IDP_VENDOR_CREDENTIALS)',
  sendgridPublicKey: 'IDP_SENDGRID_WEBHOOK_PUBLIC_KEY (or sendgrid.webhookPublicKey in IDP_VENDOR_CREDENTIALS)',
  snsCertificateUrlPrefixes: 'IDP_SNS_CERT_URL_PREFIXES (or ses.snsCertUrlPrefixes in IDP_VENDOR_CREDENTIALS)',
} as const

/** The credentials document: IDP_VENDOR_CREDENTIALS, or the file IDP_VENDOR_CREDENTIALS_FILE names (not both). */
function credentialsDocument(config: IdpConfig): string | undefined {
  if (config.vendorCredentials && config.vendorCredentialsFile) throw new Error('IDP_VENDOR_CREDENTIALS and IDP_VENDOR_CREDENTIALS_FILE are both set: use one')
  if (!config.vendorCredentialsFile) return config.vendorCredentials
  try {
    return readFileSync(config.vendorCredentialsFile, 'utf8')
  } catch (e) {
    throw new Error(`IDP_VENDOR_CREDENTIALS_FILE: cannot read ${config.vendorCredentialsFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/**
 * The vendor layer's base URLs, credentials and receipt secrets, from configuration only: the
 * IdP knows no vendor secret of its own (not even the simulator's). Vendors are used when
 * IDP_PROVIDER_URL (one URL for all, the simulator's in `npm start` and tests) or
 * IDP_VENDOR_URLS (each vendor's own API) is set; undefined otherwise (codes go to the outbox).
 * A receipt secret from its own variable wins over the document's.
 */
export function vendorSettings(config: IdpConfig): Pick<VendorLayerOptions, 'providerUrl' | 'baseUrls' | 'registryPath' | 'credentials' | 'receipts' | 'settingNames'> | undefined {
  const baseUrls = config.vendorUrls ? parseVendorUrls(config.vendorUrls) : undefined
  if (!config.providerUrl && !baseUrls) return undefined
  const doc = credentialsDocument(config)
  if (!doc) throw new Error('vendor URLs are set (IDP_PROVIDER_URL / IDP_VENDOR_URLS) but IDP_VENDOR_CREDENTIALS is not: the IdP has no vendor credentials of its own (npm start passes the simulator\'s)')
  let vendors
  try {
    vendors = parseVendorCredentials(doc)
  } catch (e) {
    throw new Error(`${config.vendorCredentialsFile ? 'IDP_VENDOR_CREDENTIALS_FILE' : 'IDP_VENDOR_CREDENTIALS'}: ${(e as Error).message}`)
  }
  const fromEnv: ReceiptCredentialOptions = {
    ...(config.twilioAuthToken ? { twilioAuthToken: config.twilioAuthToken } : {}),
    ...(config.vonageSignatureSecret ? { vonageSignatureSecret: config.vonageSignatureSecret } : {}),
    ...(config.sendgridWebhookPublicKey ? { sendgridPublicKey: config.sendgridWebhookPublicKey } : {}),
    ...(config.snsCertUrlPrefixes ? { snsCertificateUrlPrefixes: config.snsCertUrlPrefixes.split(',').map((x) => x.trim()) } : {}),
  }
  const receipts = { ...documentReceiptSecrets(vendors), ...fromEnv }
  if (vendors.twilio && !receipts.twilioAuthToken) throw new Error('IDP_VENDOR_CREDENTIALS has a Twilio account but IDP_TWILIO_AUTH_TOKEN is not set: Twilio sends and receipts need it')
  return {
    providerUrl: config.providerUrl,
    baseUrls,
    registryPath: config.registryPath,
    credentials: sendAndPushCredentials(vendors, receipts.twilioAuthToken),
    receipts,
    settingNames: SETTING_NAMES,
  }
}
