import { afterEach, describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../reference-idp/config'
import { startIdp, type RunningIdp } from '../reference-idp/server'
import { simulatorIdpEnv } from '../reference-idp/simulator/idp-settings'
import { DEFAULT_CREDENTIALS } from '../reference-idp/simulator/vendors/types'
import { vonageSmsSignature } from '../reference-idp/simulator/vendors/webhook-signing'
import { twilioRequestSignature } from '../reference-idp/subprocessors/adapters'
import { capture } from './support/idp-client'

/**
 * ASVS 4.0.3 2.10.2 / 2.10.4: no vendor secret lives in the IdP's code. Receipts signed with the
 * simulator's test secrets are refused by an IdP configured with other secrets, and by one with
 * none (403 naming the variable, and a start-up warning); only npm start and tests hand the
 * simulator's secrets over (reference-idp/simulator/idp-settings.ts).
 */
const NOWHERE = 'http://127.0.0.1:9' // vendors are never called: only receipts come in
const SIM_TWILIO_TOKEN = DEFAULT_CREDENTIALS.twilio.authToken

let idp: RunningIdp | undefined
afterEach(async () => {
  await idp?.close()
  idp = undefined
})

async function start(env: Record<string, string | undefined>) {
  const lines: string[] = []
  idp = await startIdp(loadIdpConfig(env, { port: 0, dataDir: 'memory://', telemetry: 'off', passwordCost: 14 }), { telemetry: capture().t, log: (l) => void lines.push(l) })
  return { url: idp.url, lines }
}

/** A Vonage SMS delivery receipt as Vonage signs it, with `secret`. */
async function vonageReceipt(url: string, secret: string) {
  const params = { messageId: '0A0000000123ABCD', status: 'delivered', 'message-timestamp': '2026-12-06 12:00:00', timestamp: String(Math.floor(Date.now() / 1000)) }
  const res = await fetch(`${url}/webhooks/vonage`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, sig: vonageSmsSignature(secret, params) }).toString(),
  })
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string; reason?: string } }
}

/** A Twilio delivery receipt as Twilio signs it, with `token`. */
async function twilioReceipt(url: string, token: string) {
  const params: [string, string][] = [['MessageSid', 'SM00000000000000000000000000000001'], ['MessageStatus', 'delivered']]
  const res = await fetch(`${url}/webhooks/twilio`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioRequestSignature(token, `${url}/webhooks/twilio`, params) },
    body: new URLSearchParams(params).toString(),
  })
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string; reason?: string } }
}

describe('vendor receipt secrets come from configuration only', () => {
  it('a receipt signed with the simulator\'s secret is refused by an IdP configured with another one', async () => {
    const { url } = await start({ ...simulatorIdpEnv(NOWHERE), IDP_TWILIO_AUTH_TOKEN: 'a-real-twilio-auth-token-0123456789', IDP_VONAGE_SIGNATURE_SECRET: 'a-real-vonage-signature-secret' })
    const forged = await twilioReceipt(url, SIM_TWILIO_TOKEN)
    expect([forged.status, forged.body.code, forged.body.reason]).toEqual([403, 'forbidden', 'bad_signature'])
    const vonage = await vonageReceipt(url, DEFAULT_CREDENTIALS.vonage.signatureSecret)
    expect([vonage.status, vonage.body.reason]).toEqual([403, 'bad_signature'])
    // The configured secrets are the ones that count.
    expect((await twilioReceipt(url, 'a-real-twilio-auth-token-0123456789')).status).toBe(200)
    expect((await vonageReceipt(url, 'a-real-vonage-signature-secret')).status).toBe(200)
  })

  it('with no secret configured, every receipt is refused (403 naming the variable) and start-up warns', async () => {
    const env = { ...simulatorIdpEnv(NOWHERE), IDP_VONAGE_SIGNATURE_SECRET: undefined, IDP_SENDGRID_WEBHOOK_PUBLIC_KEY: undefined, IDP_SNS_CERT_URL_PREFIXES: undefined }
    const { url, lines } = await start(env)
    const r = await vonageReceipt(url, DEFAULT_CREDENTIALS.vonage.signatureSecret)
    expect([r.status, r.body.reason]).toEqual([403, 'no_credentials'])
    expect(r.body.message).toContain('IDP_VONAGE_SIGNATURE_SECRET')
    const warnings = lines.filter((l) => l.startsWith('warning: vendors:')).join('\n')
    for (const name of ['IDP_VONAGE_SIGNATURE_SECRET', 'IDP_SENDGRID_WEBHOOK_PUBLIC_KEY', 'IDP_SNS_CERT_URL_PREFIXES']) expect(warnings).toContain(name)
    expect(warnings).not.toContain('IDP_TWILIO_AUTH_TOKEN')
    const sns = JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: '{}', Timestamp: new Date().toISOString(), SignatureVersion: '2', Signature: 'eA==', SigningCertURL: `${NOWHERE}/sns/cert.pem` })
    for (const [vendor, body] of [['sendgrid', '[]'], ['ses', sns]]) {
      const res = await fetch(`${url}/webhooks/${vendor}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect([vendor, res.status, ((await res.json()) as { reason?: string }).reason]).toEqual([vendor, 403, 'no_credentials'])
    }
  })

  it('sending through vendors needs IDP_VENDOR_CREDENTIALS: the IdP has none of its own', async () => {
    await expect(start({ ...simulatorIdpEnv(NOWHERE), IDP_VENDOR_CREDENTIALS: undefined })).rejects.toThrow(/IDP_VENDOR_CREDENTIALS/)
    await expect(start({ ...simulatorIdpEnv(NOWHERE), IDP_TWILIO_AUTH_TOKEN: undefined })).rejects.toThrow(/IDP_TWILIO_AUTH_TOKEN is not set/)
    expect(() => loadIdpConfig({ IDP_VENDOR_CREDENTIALS: '{"twilio":{"accountSid":""}}' })).toThrow(/IDP_VENDOR_CREDENTIALS: twilio.accountSid/)
  })
})
