import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { Client } from '../../contract'

const CLIENTS: readonly Client[] = ['web', 'ios', 'android', 'api']

/**
 * Country and client of a request. In production these come from a trusted edge (geo-IP,
 * app attestation); here the traffic generator sets X-Demo-Country / X-Demo-Client, honoured
 * only when IDP_DEMO_HEADERS=on. Anything malformed is ignored, never echoed.
 */
export function requestOrigin(req: IncomingMessage, demoHeaders: boolean, fallback: Client): { country?: string; client: Client } {
  // A page's own fetch() to the JSON API is the web client, not an API integration; page
  // scripts cannot forge Sec-Fetch-Site.
  if (fallback === 'api' && req.headers['sec-fetch-site'] === 'same-origin') fallback = 'web'
  if (!demoHeaders) return { client: fallback }
  const country = String(req.headers['x-demo-country'] ?? '').toUpperCase()
  const client = String(req.headers['x-demo-client'] ?? '').toLowerCase() as Client
  return { country: /^[A-Z]{2}$/.test(country) ? country : undefined, client: CLIENTS.includes(client) ? client : fallback }
}

/**
 * Cross-site form posts are refused: a browser sends Origin on POST, and it must be ours.
 * (Session cookies are SameSite=Lax as a second line.) Non-browser clients send no Origin.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

/** Client address for risk signals: X-Demo-IP from the traffic generator when demo headers are on, else the socket peer. */
export function requestIp(req: IncomingMessage, demoHeaders: boolean): string | undefined {
  const demo = String(req.headers['x-demo-ip'] ?? '')
  if (demoHeaders && isIP(demo)) return demo
  return req.socket.remoteAddress?.replace(/^::ffff:/, '')
}
