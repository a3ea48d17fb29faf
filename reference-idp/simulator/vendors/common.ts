import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** Helpers shared by the vendor dialects. */

export const E164 = /^\+[1-9]\d{6,14}$/
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

export function bearer(h: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header(h, 'authorization') ?? '')
  return m?.[1]
}

export function basicAuth(h: IncomingHttpHeaders): { user: string; password: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header(h, 'authorization') ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  return i < 0 ? undefined : { user: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

export function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body))
}

/** JSON body or undefined when it is not valid JSON. */
export function json(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** Look up a nested field without trusting the shape. */
export function dig(value: unknown, ...path: (string | number)[]): unknown {
  let v = value
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string | number, unknown>)[key]
  }
  return v
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/**
 * Twilio's webhook signature: base64 HMAC-SHA1 of the URL followed by each POST parameter
 * name and value, sorted by name, keyed with the account's auth token.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('')
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

/** Time inside the receipt timeline for an intermediate status: early, before the final one. */
export function midway(delayMs: number, capMs: number): number {
  return Math.min(capMs, Math.round(delayMs / 2))
}

/** Text of TwiML `<Say>` elements (what a callee hears). */
export function twimlSay(twiml: string): string {
  const said = [...twiml.matchAll(/<Say[^>]*>([\s\S]*?)<\/Say>/gi)].map((m) => m[1].trim())
  return said.length ? said.join(' ') : twiml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
}

/** Constant-time string equality (different lengths are simply unequal). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
