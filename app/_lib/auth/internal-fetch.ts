import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { CustomFetch } from 'openid-client'

/**
 * OIDC_ISSUER_INTERNAL_URL: the console's server-to-server calls to the provider (discovery, token,
 * JWKS, userinfo) that address the issuer's origin go to this origin instead — the IdP's address on
 * a container network, say, while browsers use the public one. The issuer value and every URL the
 * browser is sent to stay the public ones. The request keeps the public origin's Host header, so a
 * provider that names its endpoints after the request's host (oidc-provider does) still answers
 * with its public endpoints. Requests to any other origin go to `passthrough` unchanged. Node only.
 */
export function internalOriginFetch(issuer: string, internalUrl: string, passthrough: typeof fetch = fetch): CustomFetch {
  const pub = new URL(issuer)
  const internal = new URL(internalUrl)
  return async (url, options) => {
    const target = new URL(url)
    if (target.origin !== pub.origin) return passthrough(url, options as RequestInit)
    const rewritten = new URL(`${target.pathname}${target.search}`, internal.origin)
    const body = options.body === undefined || options.body === null ? undefined : String(options.body)
    const headers: Record<string, string> = { ...options.headers, host: pub.host }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const send = rewritten.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<Response>((resolve, reject) => {
      const req = send(rewritten, { method: options.method, headers, signal: options.signal }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const status = res.statusCode ?? 502
          const out = new Headers()
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue
            for (const one of Array.isArray(v) ? v : [v]) out.append(k, one)
          }
          const noBody = status === 204 || status === 304 || options.method === 'HEAD'
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: out }))
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  }
}
