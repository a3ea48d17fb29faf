import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../config'
import { demoHeadersTrusted, requestIp, requestOrigin, sameOrigin } from './context'

/** A request as the server sees it: headers and the socket peer, nothing else. */
const req = (headers: Record<string, string>, remoteAddress = '127.0.0.1') => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage
const DEMO = { 'x-demo-ip': '198.51.100.9', 'x-demo-country': 'de', 'x-demo-client': 'ios' }

describe('demo headers', () => {
  it('are off by default', () => {
    expect(loadIdpConfig({}).demoHeaders).toBe('off')
    expect(loadIdpConfig({ IDP_DEMO_HEADERS: 'on' }).demoHeaders).toBe('on')
  })
  it.each([
    ['127.0.0.1', true, true],
    ['127.8.9.10', true, true],
    ['::1', true, true],
    ['::ffff:127.0.0.1', true, true],
    ['10.0.0.7', true, false],
    ['192.168.1.20', true, false],
    ['::ffff:203.0.113.5', true, false],
    ['2001:db8::1', true, false],
    ['128.0.0.1', true, false],
    [undefined, true, false],
    ['127.0.0.1', false, false],
  ])('peer %s with demo headers %s → trusted %s', (peer, on, expected) => {
    expect(demoHeadersTrusted(peer, on)).toBe(expected)
  })
  it('a non-loopback peer cannot choose its address, country or client even when they are on', () => {
    const remote = req(DEMO, '203.0.113.5')
    expect(requestIp(remote, true)).toBe('203.0.113.5')
    expect(requestOrigin(remote, true, 'api')).toEqual({ client: 'api' })
  })
  it('a loopback peer (the traffic generator) is believed when they are on, and not when off', () => {
    expect(requestIp(req(DEMO), true)).toBe('198.51.100.9')
    expect(requestOrigin(req(DEMO), true, 'api')).toEqual({ country: 'DE', client: 'ios' })
    expect(requestIp(req(DEMO), false)).toBe('127.0.0.1')
    expect(requestOrigin(req(DEMO), false, 'api')).toEqual({ client: 'api' })
  })
})

describe('sameOrigin', () => {
  const PUBLIC = 'https://idp.example.com'
  it.each([
    ['no Origin (not a browser)', undefined, PUBLIC, 'idp.example.com', true],
    ['our own origin', 'https://idp.example.com', PUBLIC, 'idp.example.com', true],
    ['our origin with the default port spelled out', 'https://idp.example.com:443', PUBLIC, 'idp.example.com', true],
    ['http:// page posting to the https:// IdP', 'http://idp.example.com', PUBLIC, 'idp.example.com', false],
    ['another port', 'https://idp.example.com:8443', PUBLIC, 'idp.example.com', false],
    ['a foreign site', 'https://evil.example', PUBLIC, 'idp.example.com', false],
    ['a sibling subdomain', 'https://app.example.com', PUBLIC, 'idp.example.com', false],
    ['"null" (sandboxed frame, data: URL)', 'null', PUBLIC, 'idp.example.com', false],
    ['garbage', 'not a url', PUBLIC, 'idp.example.com', false],
    ['no public URL: plain http at the Host used', 'http://localhost:8080', undefined, 'localhost:8080', true],
    ['no public URL: https Origin to the plain-http IdP', 'https://localhost:8080', undefined, 'localhost:8080', false],
    ['no public URL: another host', 'http://127.0.0.1:8080', undefined, 'localhost:8080', false],
  ])('%s → %s', (_name, origin, publicOrigin, host, expected) => {
    expect(sameOrigin(req({ ...(origin === undefined ? {} : { origin }), host }), publicOrigin)).toBe(expected)
  })
})
