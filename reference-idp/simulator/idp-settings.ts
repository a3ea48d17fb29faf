import { TOKEN_PATH } from './vendors/fcm-oauth'
import { simApnsKey, simFcmServiceAccountKey, simVonageApplicationKey } from './vendors/sim-keys'
import { DEFAULT_CREDENTIALS } from './vendors/types'
import { sendgridPublicKey } from './vendors/webhook-keys'

/**
 * What a reference IdP needs to use this simulator's vendors: the credentials the simulated
 * vendors accept (for APNs, FCM and Vonage voice the private keys whose public halves the
 * simulator verifies with, see vendors/sim-keys.ts) and the secrets they sign receipts with.
 * The IdP has no defaults for any of them (ASVS 2.10.2, 2.10.4); only composition points —
 * `npm start` and tests — hand these over.
 */

const base = (simulatorUrl: string) => simulatorUrl.replace(/\/+$/, '')

/** Send credentials of the SMS, voice and e-mail vendors, in the adapters' shape. */
export function simulatorSendCredentials() {
  const c = DEFAULT_CREDENTIALS
  return {
    twilio: { accountSid: c.twilio.accountSid, authToken: c.twilio.authToken },
    vonage: { apiKey: c.vonage.apiKey, apiSecret: c.vonage.apiSecret, applicationId: c.vonage.applicationId, privateKey: simVonageApplicationKey().privatePem },
    // The simulator checks SES's key id, not the signature.
    ses: { accessKeyId: c.ses.accessKeyId, secretAccessKey: 'simulator-does-not-verify-signatures' },
    sendgrid: { apiKey: c.sendgrid.apiKey },
  }
}

/**
 * The simulated Firebase project's service-account key file, as the Firebase console's
 * "Generate new private key" downloads it (fields the IdP does not read are left out).
 */
export function simulatorServiceAccount(simulatorUrl: string) {
  return {
    type: 'service_account',
    project_id: 'factorwatch-sim',
    private_key_id: 'sim-fcm-key-1',
    private_key: simFcmServiceAccountKey().privatePem,
    client_email: DEFAULT_CREDENTIALS.fcm.clientEmail,
    token_uri: `${base(simulatorUrl)}${TOKEN_PATH}`,
  }
}

/** Push credentials the simulated FCM and APNs accept, in the adapters' shape, with a bundle id of our own. */
export function simulatorPushCredentials(simulatorUrl: string) {
  const sa = simulatorServiceAccount(simulatorUrl)
  const a = DEFAULT_CREDENTIALS.apns
  return {
    fcm: { projectId: sa.project_id, serviceAccount: { clientEmail: sa.client_email, privateKey: sa.private_key, privateKeyId: sa.private_key_id, tokenUri: sa.token_uri } },
    apns: { teamId: a.teamId, keyId: a.keyId, privateKey: simApnsKey().privatePem, topic: 'test.factorwatch.authenticator' },
  }
}

/** The receipt-verification secrets matching what the simulator signs with. */
export function simulatorReceiptSecrets(simulatorUrl: string) {
  const c = DEFAULT_CREDENTIALS
  return {
    twilioAuthToken: c.twilio.authToken,
    vonageSignatureSecret: c.vonage.signatureSecret,
    sendgridPublicKey: sendgridPublicKey(c.sendgrid.webhookSigningKey),
    snsCertificateUrlPrefixes: [`${base(simulatorUrl)}/sns/`],
  }
}

/**
 * All of it as the IdP's environment variables (README, Configuration), for `npm start` and
 * tests: IDP_PROVIDER_URL (every vendor's API under the simulator) and IDP_VENDOR_CREDENTIALS
 * in the format a real deployment writes (the FCM service account as its downloaded JSON).
 */
export function simulatorIdpEnv(simulatorUrl: string): Record<string, string> {
  const r = simulatorReceiptSecrets(simulatorUrl)
  const { twilio, ...send } = simulatorSendCredentials()
  const push = simulatorPushCredentials(simulatorUrl)
  return {
    IDP_PROVIDER_URL: simulatorUrl,
    IDP_TWILIO_AUTH_TOKEN: r.twilioAuthToken,
    IDP_VONAGE_SIGNATURE_SECRET: r.vonageSignatureSecret,
    IDP_SENDGRID_WEBHOOK_PUBLIC_KEY: r.sendgridPublicKey,
    IDP_SNS_CERT_URL_PREFIXES: r.snsCertificateUrlPrefixes.join(','),
    IDP_VENDOR_CREDENTIALS: JSON.stringify({
      twilio: { accountSid: twilio.accountSid },
      ...send,
      fcm: { serviceAccount: simulatorServiceAccount(simulatorUrl) },
      apns: push.apns,
    }),
  }
}
