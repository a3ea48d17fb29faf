import type { IncomingMessage } from 'node:http'
import { isIP, isIPv4 } from 'node:net'
import type { Client } from '../../contract'

const CLIENTS: readonly Client[] = ['web', 'ios', 'android', 'api']

/**
 * Country and client of a request. In production these come from a trusted edge (geo-IP,
 * app attestation); here the traffic generator sets X-Demo-Country / X-Demo-Client, honoured
 * only when IDP_DEMO_HEADERS=on and the peer is on this machine. Anything malformed is ignored, never echoed.
 */
export function requestOrigin(req: IncomingMessage, demoHeaders: boolean, fallback: Client): { country?: string; client: Client } {
  // A page's own fetch() to the JSON API is the web client, not an API integration; page
  // scripts cannot forge Sec-Fetch-Site.
  if (fallback === 'api' && req.headers['sec-fetch-site'] === 'same-origin') fallback = 'web'
  if (!demoHeadersTrusted(req.socket.remoteAddress, demoHeaders)) return { client: fallback }
  const country = String(req.headers['x-demo-country'] ?? '').toUpperCase()
  const client = String(req.headers['x-demo-client'] ?? '').toLowerCase() as Client
  return { country: /^[A-Z]{2}$/.test(country) ? country : undefined, client: CLIENTS.includes(client) ? client : fallback }
}

/**
 * Whether X-Demo-* headers may speak for the client: only when turned on, and only from a
 * loopback peer (the traffic generator on this machine). Anyone reaching the IdP over the
 * network could otherwise pick their own address and country and walk past per-address
 * limits and risk signals. Pure.
 */
export function demoHeadersTrusted(remoteAddress: string | undefined, on: boolean): boolean {
  if (!on || !remoteAddress) return false
  const a = remoteAddress.replace(/^::ffff:/i, '')
  return a === '::1' || (isIPv4(a) && a.startsWith('127.'))
}

/**
 * Cross-site form posts are refused: a browser sends Origin on POST, and it must be ours:
 * the whole origin (scheme, host and port), so an http:// page cannot post to the https://
 * IdP. `publicOrigin` is the configured public URL's origin; without one the IdP serves plain
 * HTTP at whatever host the browser used. (Session cookies are SameSite=Lax as a second
 * line.) Non-browser clients send no Origin.
 */
export function sameOrigin(req: IncomingMessage, publicOrigin?: string): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  try {
    const expected = publicOrigin ?? `http://${req.headers.host ?? ''}`
    return new URL(origin).origin === new URL(expected).origin
  } catch {
    return false // "null", garbage, or no Host
  }
}

/** Client address for limits and risk signals: X-Demo-IP from the local traffic generator when demo headers are trusted, else the socket peer. */
export function requestIp(req: IncomingMessage, demoHeaders: boolean): string | undefined {
  const demo = String(req.headers['x-demo-ip'] ?? '')
  if (demoHeadersTrusted(req.socket.remoteAddress, demoHeaders) && isIP(demo)) return demo
  return req.socket.remoteAddress?.replace(/^::ffff:/, '')
}
