import { DEFAULT_CREDENTIALS } from './vendors/types'
import { sendgridPublicKey } from './vendors/webhook-keys'

/**
 * What a reference IdP needs to use this simulator's vendors: the credentials the simulated
 * vendors accept and the secrets they sign receipts with. The IdP has no defaults for any of
 * them (ASVS 2.10.2, 2.10.4); only composition points — `npm start` and tests — hand these over.
 */
export function simulatorSendCredentials() {
  const c = DEFAULT_CREDENTIALS
  return {
    twilio: { accountSid: c.twilio.accountSid, authToken: c.twilio.authToken },
    vonage: { apiKey: c.vonage.apiKey, apiSecret: c.vonage.apiSecret, applicationJwt: c.vonage.applicationJwt },
    // The simulator checks SES's key id, not the signature.
    ses: { accessKeyId: c.ses.accessKeyId, secretAccessKey: 'simulator-does-not-verify-signatures' },
    sendgrid: { apiKey: c.sendgrid.apiKey },
  }
}

/** Push credentials the simulated FCM and APNs accept, with a project id and bundle id of our own. */
export function simulatorPushCredentials() {
  return {
    fcm: { accessToken: DEFAULT_CREDENTIALS.fcm.accessToken, projectId: 'factorwatch-sim' },
    apns: { providerToken: DEFAULT_CREDENTIALS.apns.providerToken, topic: 'test.factorwatch.authenticator' },
  }
}

/** The receipt-verification secrets matching what the simulator signs with. */
export function simulatorReceiptSecrets(simulatorUrl: string) {
  const c = DEFAULT_CREDENTIALS
  return {
    twilioAuthToken: c.twilio.authToken,
    vonageSignatureSecret: c.vonage.signatureSecret,
    sendgridPublicKey: sendgridPublicKey(c.sendgrid.webhookSigningKey),
    snsCertificateUrlPrefixes: [`${simulatorUrl.replace(/\/+$/, '')}/sns/`],
  }
}

/** All of it as the IdP's environment variables (README, configuration), for `npm start` and tests. */
export function simulatorIdpEnv(simulatorUrl: string): Record<string, string> {
  const r = simulatorReceiptSecrets(simulatorUrl)
  const { twilio, ...send } = simulatorSendCredentials()
  return {
    IDP_PROVIDER_URL: simulatorUrl,
    IDP_TWILIO_AUTH_TOKEN: r.twilioAuthToken,
    IDP_VONAGE_SIGNATURE_SECRET: r.vonageSignatureSecret,
    IDP_SENDGRID_WEBHOOK_PUBLIC_KEY: r.sendgridPublicKey,
    IDP_SNS_CERT_URL_PREFIXES: r.snsCertificateUrlPrefixes.join(','),
    IDP_VENDOR_CREDENTIALS: JSON.stringify({ twilio: { accountSid: twilio.accountSid }, ...send, ...simulatorPushCredentials() }),
  }
}
