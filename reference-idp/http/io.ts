import type { IncomingMessage, ServerResponse } from 'node:http'
import { MfaError } from '../errors'

const MAX_BODY_BYTES = 64 * 1024

/** The raw body as text, at most 64 KiB (webhooks verify signatures over the exact bytes). */
export async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new MfaError('payload_too_large', `request body over ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Parse a JSON or form body into a plain object of strings and values. */
export function parseBody(req: IncomingMessage, text: string): Record<string, unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type === 'application/json') {
    if (text.trim() === '') return {}
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new MfaError('bad_request', 'request body is not valid JSON')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MfaError('bad_request', 'request body must be a JSON object')
    return value as Record<string, unknown>
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text))
  if (text.length === 0) return {}
  throw new MfaError('unsupported_media_type', `unsupported content-type "${type.slice(0, 64)}": expected application/json or application/x-www-form-urlencoded`)
}

const HOST_PREFIX = '__Host-'

/**
 * The request's cookies by name. A value that is not valid percent-encoding (`x=%`) is
 * ignored like any other junk a browser may carry, never a 500. With `secure` (the IdP sets
 * `__Host-` cookies) only `__Host-` cookies count, under their name without the prefix: an
 * unprefixed one may have been planted by a sibling domain or a plain-http page.
 */
export function parseCookies(header: string | undefined, secure = false): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    let name = part.slice(0, i).trim()
    if (secure) {
      if (!name.startsWith(HOST_PREFIX)) continue
      name = name.slice(HOST_PREFIX.length)
    }
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim())
    } catch {
      // malformed percent-encoding: not our cookie
    }
  }
  return out
}

export interface CookieOptions { maxAgeSeconds?: number; secure: boolean }

/** A cookie's name on the wire: `__Host-` whenever it is Secure (all ours are Path=/ with no Domain). */
export const cookieName = (name: string, secure: boolean): string => (secure ? `${HOST_PREFIX}${name}` : name)

export function cookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${cookieName(name, o.secure)}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`)
  if (o.secure) parts.push('Secure')
  return parts.join('; ')
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts, which the
  // cross-site check must refuse; same-origin still sends nothing to other sites.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

/**
 * writeHead's headers replace ones set earlier with setHeader; cookies must add up instead
 * (the device cookie set for every response plus a session cookie set by a handler).
 */
function withCookies(res: ServerResponse, headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const earlier = res.getHeader('set-cookie')
  if (!earlier || !headers['set-cookie']) return headers
  return { ...headers, 'set-cookie': [...[earlier].flat().map(String), ...[headers['set-cookie']].flat()] }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  headers = withCookies(res, headers)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers })
  res.end(JSON.stringify(body))
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  headers = withCookies(res, headers)
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    ...SECURITY_HEADERS,
    ...headers,
  })
  res.end(html)
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  headers = withCookies(res, headers)
  res.writeHead(303, { location, ...SECURITY_HEADERS, ...headers })
  res.end()
}

/** The error body every JSON endpoint returns: `{ code, message, ...details }`. */
export function sendError(res: ServerResponse, err: MfaError, headers: Record<string, string | string[]> = {}): void {
  const extra: Record<string, string> = err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : {}
  sendJson(res, err.status, { code: err.code, message: err.message, ...err.details }, { ...extra, ...headers })
}

/** HTML-escape a value for text and attribute positions. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * Whether the IdP's cookies can be Secure, and so `__Host-`: when its public URL is https, or
 * plain http on a loopback host (localhost, 127.0.0.0/8, [::1]), which Chromium and Firefox
 * treat as a secure context and accept Secure cookies from (Safari does not: `loopback` off).
 * Over plain http to any other host a browser drops Secure cookies, so there they cannot be. Pure.
 */
export function secureCookiesFor(publicUrl: string, loopback = true): boolean {
  const u = new URL(publicUrl)
  if (u.protocol === 'https:') return true
  const host = u.hostname.replace(/^\[|\]$/g, '')
  return loopback && u.protocol === 'http:' && (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))
}
