import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { internalOriginFetch } from '../app/_lib/auth/internal-fetch'
import { providerConfiguration } from '../app/_lib/auth/oidc'
import { parseAuthConfig } from '../app/_lib/env'

/**
 * OIDC_ISSUER_INTERNAL_URL (docker-compose: browsers reach the IdP at localhost:8080, the console
 * container at reference-idp:8080): the console's own calls to the issuer's origin go to the
 * internal origin with the public Host header; the issuer and browser URLs stay public.
 */
interface Seen { method: string; url: string; host: string; body: string; contentType?: string }
let internal: Server
let internalUrl: string
let publicOrigin: string
const seen: Seen[] = []

const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let b = ''
  req.on('data', (c: Buffer) => (b += c.toString()))
  req.on('end', () => resolve(b))
})

beforeAll(async () => {
  // A port nothing listens on: the public origin is unreachable from here, as localhost:8080 is from a container.
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  publicOrigin = `http://localhost:${(probe.address() as AddressInfo).port}`
  await new Promise<void>((r) => probe.close(() => r()))

  // Like oidc-provider: the issuer is fixed, the endpoints are named after the request's Host.
  internal = createServer(async (req, res) => {
    const body = await readBody(req)
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', body, contentType: req.headers['content-type'] })
    const base = `http://${req.headers.host}/oidc`
    res.setHeader('content-type', 'application/json')
    if (req.url === '/oidc/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: `${publicOrigin}/oidc`, authorization_endpoint: `${base}/auth`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, userinfo_endpoint: `${base}/me`, response_types_supported: ['code'] }))
    } else if (req.url === '/oidc/token') {
      res.setHeader('cache-control', 'no-store')
      res.end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 60 }))
    } else if (req.url?.startsWith('/echo')) {
      res.statusCode = 418
      res.setHeader('x-test', 'yes')
      res.end(JSON.stringify({ url: req.url }))
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r))
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((r) => internal.close(() => r())))

describe('internalOriginFetch (customFetch rewrite)', () => {
  it('sends requests for the issuer origin to the internal origin with the public Host, method, body and headers; answers status, headers and body', async () => {
    const passthrough: string[] = []
    const f = internalOriginFetch(`${publicOrigin}/oidc`, internalUrl, (async (u: string) => { passthrough.push(String(u)); return new Response('elsewhere') }) as typeof fetch)
    seen.length = 0
    const res = await f(`${publicOrigin}/echo/path?x=1&y=2`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ a: 'b c' }) as never, redirect: 'manual' })
    expect(res.status).toBe(418)
    expect(res.headers.get('x-test')).toBe('yes')
    expect(await res.json()).toEqual({ url: '/echo/path?x=1&y=2' })
    expect(seen).toEqual([{ method: 'POST', url: '/echo/path?x=1&y=2', host: new URL(publicOrigin).host, body: 'a=b+c', contentType: 'application/x-www-form-urlencoded' }])
    expect(passthrough).toEqual([])

    // Any other origin (another port of the same host included) goes to the passthrough fetch unchanged.
    const other = `http://localhost:${Number(new URL(publicOrigin).port) + 1}/x`
    expect(await (await f(other, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' })).text()).toBe('elsewhere')
    expect(passthrough).toEqual([other])
    expect(seen).toHaveLength(1)
  })

  it('fails (rejects) when the internal origin does not answer, rather than falling back to the public one', async () => {
    const f = internalOriginFetch(`${publicOrigin}/oidc`, publicOrigin.replace('localhost', '127.0.0.1'))
    await expect(f(`${publicOrigin}/oidc/.well-known/openid-configuration`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' })).rejects.toThrow()
  })
})

describe('OIDC_ISSUER_INTERNAL_URL in the console', () => {
  const env = () => ({ FACTORWATCH_AUTH: 'oidc', OIDC_ISSUER: `${publicOrigin}/oidc`, OIDC_ISSUER_INTERNAL_URL: internalUrl, OIDC_CLIENT_SECRET: 'client-secret-0123456789', CONSOLE_PUBLIC_URL: 'http://localhost:3000', FACTORWATCH_SESSION_SECRET: 'session-secret-0123456789abcdefghijklmnop', CONSOLE_HOST: '0.0.0.0' })

  it('is parsed (an http(s) URL, else refused naming it)', () => {
    const cfg = parseAuthConfig(env())
    expect(cfg).toMatchObject({ mode: 'oidc', issuer: `${publicOrigin}/oidc`, issuerInternalUrl: internalUrl })
    expect(parseAuthConfig({ ...env(), OIDC_ISSUER_INTERNAL_URL: '' })).toMatchObject({ issuerInternalUrl: undefined })
    expect(() => parseAuthConfig({ ...env(), OIDC_ISSUER_INTERNAL_URL: 'reference-idp:8080' })).toThrow(/OIDC_ISSUER_INTERNAL_URL/)
  })

  it('discovers and calls the token endpoint through the internal origin while the issuer and the browser URLs stay public', async () => {
    const cfg = parseAuthConfig(env())
    if (cfg.mode !== 'oidc') throw new Error('expected oidc')
    seen.length = 0
    const conf = await providerConfiguration(cfg)
    const host = new URL(publicOrigin).host
    expect(seen.map((s) => [s.method, s.url, s.host])).toEqual([['GET', '/oidc/.well-known/openid-configuration', host]])
    expect(conf.serverMetadata().issuer).toBe(`${publicOrigin}/oidc`)
    const url = client.buildAuthorizationUrl(conf, { redirect_uri: 'http://localhost:3000/auth/callback', scope: 'openid' })
    expect(url.origin).toBe(publicOrigin)
    expect(url.pathname).toBe('/oidc/auth')

    // Calls after discovery (token here; JWKS and userinfo alike) take the same route.
    const tokens = await client.clientCredentialsGrant(conf)
    expect(tokens.access_token).toBe('at-1')
    expect(seen.slice(1).map((s) => [s.method, s.url, s.host])).toEqual([['POST', '/oidc/token', host]])
    expect(new URLSearchParams(seen[1].body).get('client_secret')).toBe('client-secret-0123456789')
  })

  it('without it the console calls the public origin (unreachable here), so discovery fails', async () => {
    const cfg = parseAuthConfig({ ...env(), OIDC_ISSUER_INTERNAL_URL: '' })
    if (cfg.mode !== 'oidc') throw new Error('expected oidc')
    seen.length = 0
    await expect(providerConfiguration(cfg)).rejects.toThrow()
    expect(seen).toEqual([])
  })
})
