import { recordRequest, type RequestStats } from './summary'

/** The IdP's JSON API as the simulated users call it: one cookie jar per user, a timeout per call. */

export const USER_AGENT = 'factorwatch-traffic/1'
export const REQUEST_TIMEOUT_MS = 10_000

/** Session cookies of one simulated user: just the `name=value` part of each Set-Cookie. */
export class CookieJar {
  private readonly cookies = new Map<string, string>()

  /** Take every Set-Cookie of a response; an empty value or Max-Age=0 deletes the cookie. */
  absorb(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a))
      if (value === '' || expired) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined
  }

  has(name: string): boolean {
    return this.cookies.has(name)
  }
}

/** Retry-After (delta seconds or HTTP date) in ms, or null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined || value.trim() === '') return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

export type ApiResult =
  | { status: number; body: Record<string, unknown>; code: string | undefined; retryAfterMs: number | null; ms: number }
  /** status 0: no HTTP response (refused, reset, timed out). `error` is safe to print. */
  | { status: 0; error: string; ms: number }

export const isTransport = (r: ApiResult): r is { status: 0; error: string; ms: number } => r.status === 0

/** Who is calling: the user's jar and the demo headers it sends. */
export interface Caller {
  jar: CookieJar
  country: string
  client?: string
  /** The user's own address (X-Demo-IP): per-address limits and risk see each user apart. */
  ip?: string
  /** A bearer token (the IdP's service token, for provisioning calls only). */
  bearer?: string
}

/** Home networks the simulated users are spread over (/24s), so by-network views have more than one row of legit traffic. */
export const USER_NETWORKS = 6
/**
 * A stable address per simulated user in 100.64.0.0/10 (shared address space: never a real
 * host, never on a block list), unique per user, users taking turns among USER_NETWORKS /24s.
 */
export const userIp = (index: number): string => {
  const k = Math.floor(index / USER_NETWORKS)
  const block = (index % USER_NETWORKS) + USER_NETWORKS * (k >> 8) // which /24 of the /10
  return `100.${64 + ((block >> 8) & 63)}.${block & 255}.${k & 255}`
}

/** A short, secret-free description of a fetch failure. */
export function describeFetchError(err: unknown, timeoutMs = REQUEST_TIMEOUT_MS): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError') return `timed out after ${timeoutMs / 1000} s`
  if (e?.name === 'AbortError') return 'aborted'
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)
}

export class IdpClient {
  constructor(
    /** Base URL of the IdP (no trailing slash). */
    readonly base: string,
    private readonly stats: RequestStats,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /** POST a JSON body as `caller`. Never throws: failures come back as status 0. */
  post(path: string, body: Record<string, unknown>, caller: Caller): Promise<ApiResult> {
    return this.request('POST', path, body, caller)
  }

  /**
   * GET as `caller` (a sign-in page polling, say). `path` may carry a query; the latency is
   * recorded under the path without it. Never throws.
   */
  get(path: string, caller: Caller): Promise<ApiResult> {
    return this.request('GET', path, undefined, caller)
  }

  private async request(method: 'GET' | 'POST', path: string, body: Record<string, unknown> | undefined, caller: Caller): Promise<ApiResult> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      'x-demo-country': caller.country,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(caller.ip ? { 'x-demo-ip': caller.ip } : {}),
    }
    if (caller.client) headers['x-demo-client'] = caller.client
    if (caller.bearer) headers.authorization = `Bearer ${caller.bearer}`
    const cookie = caller.jar.header()
    if (cookie) headers.cookie = cookie
    const endpoint = path.split('?')[0]
    const t0 = performance.now()
    try {
      const res = await fetch(`${this.base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(this.timeoutMs) })
      const text = await res.text()
      const ms = performance.now() - t0
      caller.jar.absorb(res.headers.getSetCookie())
      let parsed: Record<string, unknown> = {}
      try {
        const v: unknown = text ? JSON.parse(text) : {}
        if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v as Record<string, unknown>
      } catch {
        // Not JSON (a proxy's error page, say): keep the status, drop the body.
      }
      recordRequest(this.stats, endpoint, res.status, ms)
      const code = typeof parsed.code === 'string' ? parsed.code : undefined
      let retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now())
      if (retryAfterMs === null && typeof parsed.retry_after_seconds === 'number') retryAfterMs = parsed.retry_after_seconds * 1000
      return { status: res.status, body: parsed, code, retryAfterMs, ms }
    } catch (err) {
      const ms = performance.now() - t0
      recordRequest(this.stats, endpoint, 0, ms)
      return { status: 0, error: describeFetchError(err, this.timeoutMs), ms }
    }
  }
}

/** What the flows use of the client: tests script its answers with a plain object. */
export type IdpApi = Pick<IdpClient, 'base' | 'post' | 'get'>

/**
 * Wait until the IdP (or another server: `what`) answers HTTP at all (any status counts: it is
 * up). Tries every second for up to `timeoutMs`; throws with the last failure when it never answered.
 */
export async function waitForIdp(base: string, timeoutMs = 30_000, signal?: AbortSignal, onRetry?: (error: string) => void, what = 'the IdP'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/`, { headers: { 'user-agent': USER_AGENT }, signal: AbortSignal.timeout(Math.min(5_000, Math.max(500, deadline - Date.now()))) })
      await res.arrayBuffer()
      return
    } catch (err) {
      last = describeFetchError(err)
    }
    if (signal?.aborted) throw new Error(`stopped while waiting for ${what} (${last})`)
    if (Date.now() + 1_000 > deadline) throw new Error(`${what} at ${base} is unreachable after ${Math.round(timeoutMs / 1000)} s (${last})`)
    if (i === 0) onRetry?.(last)
    await new Promise((r) => setTimeout(r, 1_000))
  }
}
