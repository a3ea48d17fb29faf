import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { addFault, clearFaults, deleteFault, deviceMessages, expireFaults, listFaults, listVendors, setWebhook } from './api'
import { DEFAULT_DEVICE_LIMITS, type DeviceLimits, DeviceStore } from './devices'
import { BodyTooLarge, apiError, readBody, send } from './http'
import { createMetrics } from './metrics'
import { DEFAULT_PROFILES, type ProfileOverride, VENDOR_IDS, type VendorId, type VendorProfile, applyOverride, cleanProfile } from './profiles'
import { seededRand } from './random'
import { quietController, ReceiptDispatcher } from './receipts'
import { handleSend } from './send'
import { RateWindows, type SimState } from './state'
import { apns, fcm, sendgrid, ses, twilioSms, twilioVoice, vonageSms, vonageVoice } from './vendors'
import { type Credentials, DEFAULT_CREDENTIALS, type Dialect } from './vendors/types'
import { TOKEN_PATH, exchangeAssertion } from './vendors/fcm-oauth'
import { sendgridPublicKey } from './vendors/webhook-keys'
import { WebhookSigner } from './vendors/webhook-signing'
import { systemClock, type Clock } from '../../contract/clock'

/**
 * The provider simulator's shell: one HTTP server serving every vendor's send API (regions
 * chosen by a `/r/{region}` path prefix or the `X-Sim-Region` header), the fault API, the
 * simulated devices, /vendors, /healthz and /metrics.
 */

export interface SimulatorOptions {
  host?: string
  port?: number
  /** Seed for every random draw (latency, errors, fates, ids). */
  seed?: number
  /** The simulator's one clock (timestamps, rates, fault expiry, simulated latency and receipt lag); default the system clock. */
  clock?: Clock
  /** Multiplies every simulated delay: 0.01 runs a 4 s SMS delivery in 40 ms. */
  timeScale?: number
  /** 'clean' removes random trouble (base 5xx, failures, losses): only faults cause errors. */
  baseline?: 'realistic' | 'clean'
  profiles?: Partial<Record<VendorId, ProfileOverride>>
  credentials?: Partial<Credentials>
  /** Receipt webhook per vendor when the request names none (SES, SendGrid always use these). */
  webhooks?: Partial<Record<VendorId, string>>
  defaultWebhook?: string
  /**
   * The simulator's URL as receivers reach it (e.g. http://simulator:8090 in compose), for the
   * SigningCertURL of SES notifications; default the URL it listens on.
   */
  publicUrl?: string
  receiptRetryDelaysMs?: number[]
  receiptBatchWindowMs?: number
  receiptTimeoutMs?: number
  deviceLimits?: Partial<DeviceLimits>
  log?: (line: string) => void
}

export interface Simulator {
  url: string
  port: number
  profiles: Readonly<Record<VendorId, VendorProfile>>
  credentials: Credentials
  /** What a receiver needs to verify this simulator's signed receipts (no secrets). */
  webhookKeys: {
    /** SendGrid event webhook verification key: base64 DER SubjectPublicKeyInfo. */
    sendgridPublicKey: string
    /** Where the SNS signing certificate is served (the SigningCertURL of SES notifications). */
    readonly snsSigningCertUrl: string
  }
  close(): Promise<void>
}

const DIALECTS: Dialect[] = [twilioSms, twilioVoice, vonageSms, vonageVoice, ses, sendgrid, fcm, apns]
const MAX_BODY_BYTES = 1024 * 1024
const REGION_PREFIX = /^\/r\/([^/]+)(\/.*)$/

function buildState(opts: SimulatorOptions): SimState {
  const seed = opts.seed ?? Date.now()
  const clock = opts.clock ?? systemClock
  const now = () => clock.now()
  const timeScale = opts.timeScale ?? 1
  const log = opts.log ?? (() => {})
  const profiles = Object.fromEntries(
    VENDOR_IDS.map((id) => {
      const p = opts.baseline === 'clean' ? cleanProfile(DEFAULT_PROFILES[id]) : DEFAULT_PROFILES[id]
      return [id, applyOverride(p, opts.profiles?.[id])]
    }),
  ) as Record<VendorId, VendorProfile>
  const faults: SimState['faults'] = []
  const metrics = createMetrics(() => faults, now)
  const creds = { ...DEFAULT_CREDENTIALS, ...opts.credentials }
  const signer = new WebhookSigner(creds, now)
  return {
    now,
    rand: seededRand(seed),
    idRand: seededRand(seed ^ 0x5bd1e995),
    timeScale,
    profiles,
    creds,
    signer,
    faults,
    nextFaultId: 1,
    devices: new DeviceStore({ ...DEFAULT_DEVICE_LIMITS, ...opts.deviceLimits }),
    webhooks: { ...opts.webhooks },
    defaultWebhook: opts.defaultWebhook,
    rate: new RateWindows(),
    metrics,
    log,
    clock,
    closing: quietController(),
    receipts: new ReceiptDispatcher({
      clock,
      timeScale,
      retryDelaysMs: opts.receiptRetryDelaysMs ?? [1_000, 5_000, 30_000],
      requestTimeoutMs: opts.receiptTimeoutMs ?? 5_000,
      batchWindowMs: opts.receiptBatchWindowMs ?? 1_000,
      onResult: (vendor, result) => metrics.receipts.inc({ vendor, result }),
      log,
      sign: (vendor, post) => signer.sign(vendor, post),
    }),
  }
}

async function route(s: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator')
  const method = req.method ?? 'GET'
  let path = url.pathname
  let region = req.headers['x-sim-region'] as string | undefined
  const prefixed = REGION_PREFIX.exec(path)
  if (prefixed) [, region, path] = prefixed

  const body = method === 'POST' || method === 'PUT' ? await readBody(req, MAX_BODY_BYTES) : ''

  for (const dialect of DIALECTS) {
    const m = dialect.pattern.exec(path)
    if (!m) continue
    if (method !== 'POST') return send(res, apiError(405, 'method_not_allowed', `${method} ${path}: only POST`))
    const regions = s.profiles[dialect.vendor].regions
    const r = region ?? regions[0]
    if (!regions.includes(r))
      return send(res, apiError(404, 'unknown_region', `vendor ${dialect.vendor} does not serve region "${r}"; valid: ${regions.join(', ')}`))
    return handleSend(s, req, res, { dialect, region: r, params: m.slice(1).map(decodeURIComponent), body })
  }

  const seg = path.split('/').filter(Boolean).map(decodeURIComponent)
  const is = (m: string, ...parts: (string | null)[]) =>
    method === m && seg.length === parts.length && parts.every((p, i) => p === null || p === seg[i])

  if (is('GET', 'healthz')) return send(res, { status: 200, body: { status: 'ok' } })
  if (is('GET', 'metrics')) {
    const text = await s.metrics.registry.metrics()
    return send(res, { status: 200, headers: { 'content-type': s.metrics.registry.contentType }, body: text })
  }
  if (is('GET', 'vendors')) return send(res, listVendors(s))
  // startsWith first: the certificate (an RSA key generation) is made only when asked for.
  if (method === 'GET' && path.startsWith('/sns/') && path === s.signer.snsCertPath)
    return send(res, { status: 200, headers: { 'content-type': 'application/x-x509-ca-cert' }, body: s.signer.snsIdentity.certificatePem })
  if (is('GET', 'sendgrid', 'v3', 'user', 'webhooks', 'event', 'settings', 'signed') || is('GET', 'sendgrid', 'v3', 'user', 'webhooks', 'event', 'settings', 'signed', null))
    return send(res, sendgridSignedSettings(s, req.headers.authorization))
  // Google's OAuth token endpoint for the simulated FCM's service account (vendors/fcm-oauth.ts).
  if (is('POST', 'oauth2', 'token')) return send(res, exchangeAssertion(s.creds.fcm, body, `http://${req.headers.host ?? 'simulator'}${TOKEN_PATH}`, s.now()))
  if (is('GET', 'faults')) return send(res, listFaults(s))
  if (is('POST', 'faults')) return send(res, addFault(s, body))
  if (is('DELETE', 'faults')) return send(res, clearFaults(s))
  if (is('DELETE', 'faults', null)) return send(res, deleteFault(s, seg[1]))
  if (is('PUT', 'webhooks', null)) return send(res, setWebhook(s, seg[1], body))
  if (is('GET', 'devices', 'phone', null, 'messages') || is('GET', 'devices', 'mailbox', null, 'messages') || is('GET', 'devices', 'push', null, 'notifications'))
    return send(res, deviceMessages(s, seg[1], seg[2]))
  send(res, apiError(404, 'not_found', `no route for ${method} ${path}`))
}

/** SendGrid's "Get Signed Event Webhook's Public Key" (GET /v3/user/webhooks/event/settings/signed/{id}). */
function sendgridSignedSettings(s: SimState, authorization: string | undefined) {
  if (authorization !== `Bearer ${s.creds.sendgrid.apiKey}`)
    return { status: 401, body: { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked' }] } }
  return { status: 200, body: { id: 'sim-event-webhook', enabled: true, public_key: sendgridPublicKey(s.creds.sendgrid.webhookSigningKey) } }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = buildState(opts)
  const server = createServer((req, res) => {
    route(s, req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) return send(res, apiError(413, 'payload_too_large', err.message))
      s.log(`simulator error: ${(err as Error).message}`)
      send(res, { status: 500, body: { error: { code: 'internal', message: 'internal simulator error' } } })
    })
  })
  // Blackholed requests hang on purpose; keep-alive must not hold close() either.
  server.keepAliveTimeout = 1_000
  const sweeper = setInterval(() => {
    expireFaults(s)
    s.devices.sweep(s.now())
  }, 1_000)
  sweeper.unref()

  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  s.signer.baseUrl = (opts.publicUrl ?? url).replace(/\/+$/, '')
  let closing: Promise<void> | undefined
  return {
    url,
    port,
    profiles: s.profiles,
    credentials: s.creds,
    webhookKeys: {
      sendgridPublicKey: sendgridPublicKey(s.creds.sendgrid.webhookSigningKey),
      get snsSigningCertUrl() {
        return s.signer.baseUrl + s.signer.snsCertPath
      },
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper)
        s.closing.abort()
        s.receipts.close()
        server.close(() => resolve())
        // Hanging (blackholed / latency-delayed) requests and idle keep-alive sockets.
        server.closeAllConnections()
      })
      return closing
    },
  }
}
