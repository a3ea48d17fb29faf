import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadRegistry } from '../dashboards/schema/registry'
import { loadIdpConfig } from './config'
import { simulatorIdpEnv } from './simulator/idp-settings'
import { type Simulator, startSimulator } from './simulator/server'
import { createAdapters, vendorBaseUrl } from './subprocessors/adapters/create'
import { createPushAdapters } from './subprocessors/adapters/push-create'
import { vendorSettings } from './vendor-config'

/**
 * The vendor layer's configuration: per-vendor base URLs, the credentials document from the
 * environment or a secrets file, webhook keys from the document or their own variables.
 */

let sim: Simulator
let dir: string
beforeAll(async () => {
  sim = await startSimulator({ seed: 3, baseline: 'clean', timeScale: 0.01 })
  dir = mkdtempSync(join(tmpdir(), 'fw-vendors-'))
})
afterAll(async () => {
  await sim?.close()
  rmSync(dir, { recursive: true, force: true })
})

const config = (env: Record<string, string | undefined>) => loadIdpConfig(env, { dataDir: 'memory://' })
/** The simulator's settings as a real deployment writes them: each vendor's own URL, the document in a file. */
function realStyle(): Record<string, string | undefined> {
  const env = simulatorIdpEnv(sim.url)
  const file = join(dir, `vendors-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, env.IDP_VENDOR_CREDENTIALS, { mode: 0o600 })
  const urls = Object.fromEntries(['twilio', 'twilio-voice', 'vonage', 'vonage-voice', 'ses', 'sendgrid', 'fcm', 'apns'].map((id) => [id, `${sim.url}/${id.replace('-voice', '')}`]))
  return { ...env, IDP_PROVIDER_URL: undefined, IDP_VENDOR_CREDENTIALS: undefined, IDP_VENDOR_CREDENTIALS_FILE: file, IDP_VENDOR_URLS: JSON.stringify(urls) }
}

describe('vendorSettings', () => {
  it('no vendor URLs: no vendors (codes go to the outbox)', () => {
    expect(vendorSettings(config({ IDP_DEV_KEYS: 'on' }))).toBeUndefined()
  })

  it('per-vendor URLs and a credentials file give the adapters their own roots; an SMS and a push go through', async () => {
    const s = vendorSettings(config(realStyle()))!
    expect(s.providerUrl).toBeUndefined()
    expect(s.baseUrls?.fcm).toBe(`${sim.url}/fcm`)
    expect(s.credentials.push.fcm?.serviceAccount.tokenUri).toBe(`${sim.url}/oauth2/token`)
    expect(s.credentials.send.vonage).toMatchObject({ applicationId: expect.any(String), privateKey: expect.stringContaining('BEGIN PRIVATE KEY') })
    const registry = loadRegistry()
    const sms = createAdapters({ baseUrls: s.baseUrls, registry, credentials: s.credentials.send }).get('twilio')!
    expect(await sms.send({ channel: 'sms', to: '+4915112345678', text: 'Your code is 123456', idempotencyKey: 'k1', region: 'eu-west' })).toMatchObject({ ok: true, provider: 'twilio' })
    const voice = createAdapters({ baseUrls: s.baseUrls, registry, credentials: s.credentials.send }).get('vonage-voice')!
    expect(await voice.send({ channel: 'voice', to: '+4915112345678', text: 'Your code is 1 2 3', idempotencyKey: 'k2', region: 'eu-west' })).toMatchObject({ ok: true, provider: 'vonage-voice' })
    const apns = createPushAdapters(undefined, registry, { baseUrls: s.baseUrls, credentials: s.credentials.push }).get('apns')!
    const push = { platform: 'ios' as const, token: 'ab'.repeat(32), title: 't', body: 'b', data: {}, idempotencyKey: '6f1c2a8e-4d1b-4a43-9a55-6c1f3b0f9e21', region: 'eu-west' }
    expect(await apns.send(push)).toMatchObject({ ok: true, provider: 'apns' })
  })

  it('a webhook key from its own variable wins over the document’s; the document’s serves when the variable is unset', () => {
    const env = realStyle()
    const doc = { ...JSON.parse(simulatorIdpEnv(sim.url).IDP_VENDOR_CREDENTIALS), sendgrid: { apiKey: 'SG.x', webhookPublicKey: 'from-the-document-0123456789' } }
    const withDoc = { ...env, IDP_VENDOR_CREDENTIALS_FILE: undefined, IDP_VENDOR_CREDENTIALS: JSON.stringify(doc) }
    expect(vendorSettings(config(withDoc))!.receipts.sendgridPublicKey).toBe(env.IDP_SENDGRID_WEBHOOK_PUBLIC_KEY)
    expect(vendorSettings(config({ ...withDoc, IDP_SENDGRID_WEBHOOK_PUBLIC_KEY: undefined }))!.receipts.sendgridPublicKey).toBe('from-the-document-0123456789')
  })

  it.each([
    ['both the variable and the file', (e: Record<string, string | undefined>) => ({ ...e, IDP_VENDOR_CREDENTIALS: '{}' }), /both set/],
    ['a file that is not there', (e: Record<string, string | undefined>) => ({ ...e, IDP_VENDOR_CREDENTIALS_FILE: join(dir, 'missing.json') }), /IDP_VENDOR_CREDENTIALS_FILE: cannot read .*ENOENT/],
    ['no credentials at all', (e: Record<string, string | undefined>) => ({ ...e, IDP_VENDOR_CREDENTIALS_FILE: undefined }), /IDP_VENDOR_CREDENTIALS is not/],
  ])('refuses %s', (_n, change, message) => {
    expect(() => vendorSettings(config(change(realStyle())))).toThrow(message)
  })

  it.each([
    ['a voice application without its key', { vonage: { apiKey: 'k', apiSecret: 's', applicationId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' } }, /vonage.privateKey: applicationId and privateKey go together/],
    ['an APNs key that is not PEM', { apns: { teamId: 'ABCDE12345', keyId: 'KEY0000001', privateKey: 'abc', topic: 't' } }, /apns.privateKey: expected a PKCS#8 PEM private key/],
    ['a service account without client_email', { fcm: { serviceAccount: { private_key: '-----BEGIN PRIVATE KEY-----', token_uri: 'https://oauth2.googleapis.com/token' } } }, /fcm.serviceAccount.client_email/],
  ])('refuses a document with %s, naming the field and no value', (_n, doc, message) => {
    const env = { ...realStyle(), IDP_VENDOR_CREDENTIALS_FILE: undefined }
    expect(() => config({ ...env, IDP_VENDOR_CREDENTIALS: JSON.stringify(doc) })).toThrow(message)
  })

  it('IDP_VENDOR_URLS must map vendor ids to http(s) URLs', () => {
    expect(() => config({ ...realStyle(), IDP_VENDOR_URLS: '{"twilio":"ftp://x"}' })).toThrow(/IDP_VENDOR_URLS.*twilio: expected an http\(s\) URL/)
    expect(() => config({ ...realStyle(), IDP_VENDOR_URLS: 'twilio=https://api.twilio.com' })).toThrow(/IDP_VENDOR_URLS.*expected a JSON object/)
  })

  it('a registry vendor with no URL at all stops the adapters, naming it', () => {
    expect(() => vendorBaseUrl({ baseUrls: { twilio: 'https://api.twilio.com' } }, 'sendgrid', '/sendgrid')).toThrow(/no base URL for vendor "sendgrid".*IDP_VENDOR_URLS.*IDP_PROVIDER_URL/)
    expect(vendorBaseUrl({ baseUrls: { twilio: 'https://api.twilio.com/' }, providerUrl: 'http://sim' }, 'twilio', '/twilio')).toBe('https://api.twilio.com')
    expect(vendorBaseUrl({ providerUrl: 'http://sim/' }, 'fcm', '/fcm')).toBe('http://sim/fcm')
  })
})
