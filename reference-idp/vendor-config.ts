import type { IdpConfig } from './config'
import { parseVendorCredentials, sendAndPushCredentials } from './subprocessors/adapters/credentials'
import type { VendorLayerOptions } from './vendors/wiring'

/** Where each receipt secret is configured: named in the start-up warning and in a refusal. */
const SETTING_NAMES = {
  twilioAuthToken: 'IDP_TWILIO_AUTH_TOKEN', vonageSignatureSecret: 'IDP_VONAGE_SIGNATURE_SECRET',
  sendgridPublicKey: 'IDP_SENDGRID_WEBHOOK_PUBLIC_KEY', snsCertificateUrlPrefixes: 'IDP_SNS_CERT_URL_PREFIXES',
} as const

/**
 * The vendor layer's credentials and receipt secrets, from configuration only: the IdP knows no
 * vendor secret of its own (not even the simulator's), so sending through vendors needs
 * IDP_VENDOR_CREDENTIALS, and each receipt webhook its own secret.
 */
export function vendorSettings(config: IdpConfig & { providerUrl: string }): Pick<VendorLayerOptions, 'providerUrl' | 'registryPath' | 'credentials' | 'receipts' | 'settingNames'> {
  if (!config.vendorCredentials) throw new Error('IDP_PROVIDER_URL is set but IDP_VENDOR_CREDENTIALS is not: the IdP has no vendor credentials of its own (npm start passes the simulator\'s)')
  const vendors = parseVendorCredentials(config.vendorCredentials)
  if (vendors.twilio && !config.twilioAuthToken) throw new Error('IDP_VENDOR_CREDENTIALS has a Twilio account but IDP_TWILIO_AUTH_TOKEN is not set: Twilio sends and receipts need it')
  return {
    providerUrl: config.providerUrl,
    registryPath: config.registryPath,
    credentials: sendAndPushCredentials(vendors, config.twilioAuthToken),
    receipts: {
      twilioAuthToken: config.twilioAuthToken,
      vonageSignatureSecret: config.vonageSignatureSecret,
      sendgridPublicKey: config.sendgridWebhookPublicKey,
      snsCertificateUrlPrefixes: config.snsCertUrlPrefixes?.split(',').map((x) => x.trim()),
    },
    settingNames: SETTING_NAMES,
  }
}
