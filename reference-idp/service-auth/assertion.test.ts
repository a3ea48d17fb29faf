import { describe, expect, it } from 'vitest'
import { createReplayGuard, newServiceKeyPair, parseServiceKeys, signServiceAssertion, verifyServiceAssertion } from './assertion'

const now = Date.parse('2026-12-06T12:00:00Z')
const a = newServiceKeyPair('ops-2026-12')
const other = newServiceKeyPair('ops-2026-12')
const keys = parseServiceKeys(JSON.stringify({ keys: [a.publicJwk] }))
const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('service assertions (ASVS 2.10.1: no unchanging credential on the wire)', () => {
  it('accepts a fresh assertion signed by a configured key', () => {
    expect(verifyServiceAssertion(signServiceAssertion(a.privateJwk, now, 'traffic'), keys, now)).toMatchObject({ ok: true, kid: 'ops-2026-12', sub: 'traffic' })
  })

  it.each<[string, () => string, number, RegExp]>([
    ['signed by another key with the same kid', () => signServiceAssertion(other.privateJwk, now), now, /bad signature/],
    ['expired', () => signServiceAssertion(a.privateJwk, now), now + 10 * 60_000, /expired/],
    ['issued in the future', () => signServiceAssertion(a.privateJwk, now + 10 * 60_000), now, /future/],
    ['for another audience', () => signServiceAssertion(a.privateJwk, now, 'x', 'someone-else'), now, /aud must be/],
    ['alg none', () => `${part({ alg: 'none', kid: 'ops-2026-12' })}.${part({ aud: 'factorwatch-idp-provisioning', iat: now / 1000, exp: now / 1000 + 60, jti: 'x'.repeat(20) })}.`, now, /alg must be ES256/],
    ['an unknown kid', () => signServiceAssertion({ ...a.privateJwk, kid: 'old-key' }, now), now, /unknown kid/],
    ['a static token', () => 'test-service-token-0123456789abcdef0123456789', now, /compact JWS/],
    ['payload not JSON', () => `${part({ alg: 'ES256', kid: 'ops-2026-12' })}.bm90IGpzb24.AAAA`, now, /base64url JSON/],
  ])('refuses one %s', (_n, make, at, reason) => {
    const v = verifyServiceAssertion(make(), keys, at)
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.reason).toMatch(reason)
  })

  it('a jti is used once while it lives', () => {
    const guard = createReplayGuard()
    expect(guard.firstUse('j1', now / 1000 + 60, now)).toBe(true)
    expect(guard.firstUse('j1', now / 1000 + 60, now + 1000)).toBe(false)
    expect(guard.firstUse('j2', now / 1000 + 60, now + 1000)).toBe(true)
  })

  it.each<[string, string, RegExp]>([
    ['not JSON', 'nope', /not JSON/],
    ['a private key', JSON.stringify([a.privateJwk]), /private key/],
    ['no kid', JSON.stringify({ ...a.publicJwk, kid: undefined }), /kid/],
    ['an RSA key', JSON.stringify({ kty: 'RSA', kid: 'r', n: 'x', e: 'AQAB' }), /EC P-256/],
    ['an empty set', JSON.stringify({ keys: [] }), /at least one key/],
  ])('IDP_SERVICE_KEYS refuses %s', (_n, json, msg) => {
    expect(() => parseServiceKeys(json)).toThrow(msg)
  })
})
