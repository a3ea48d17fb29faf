import { describe, expect, it } from 'vitest'
import { seededRand } from '../simulator/random'
import { originOf, PASSWORDLESS_SHARE, passkeyRoute, serverUrl } from './passkey'
import { SCENARIO_KINDS } from './plan'

describe('passkeyRoute', () => {
  it.each([
    ['normal', 0, 'passwordless'],
    ['normal', PASSWORDLESS_SHARE - 1e-9, 'passwordless'],
    ['normal', PASSWORDLESS_SHARE, 'after_password'],
    ['abandon', 0.1, 'passwordless'],
    ['password_typo', 0, 'after_password'], // a typo needs a password
  ] as const)('%s with roll %d → %s', (kind, roll, route) => expect(passkeyRoute(kind, roll)).toBe(route))

  it('most logins skip the password', () => {
    const rand = seededRand(4)
    const n = 10_000
    const share = Array.from({ length: n }, () => passkeyRoute(SCENARIO_KINDS[0], rand())).filter((r) => r === 'passwordless').length / n
    expect(Math.abs(share - PASSWORDLESS_SHARE)).toBeLessThan(0.02)
  })
})

describe('the origin a browser signs for', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://localhost:8080'],
    ['http://localhost:18080/', 'http://localhost:18080'],
    ['https://login.example.com/idp', 'https://login.example.com'],
  ])('%s → %s', (url, origin) => expect(originOf(url)).toBe(origin))

  it('refuses a URL that cannot be a relying party, saying why', () => {
    expect(() => originOf('http://10.1.2.3:8080')).toThrow(/passkeys need a host name/)
  })

  it('reads the public URL off an OpenAPI document', () => {
    expect(serverUrl({ servers: [{ url: 'https://idp.example.test' }] })).toBe('https://idp.example.test')
    expect(serverUrl({ servers: [] })).toBeNull()
    expect(serverUrl({ servers: [{ url: 'not a url' }] })).toBeNull()
    expect(serverUrl({})).toBeNull()
  })
})
