import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadIdpConfig } from '../config'
import { loadOidcClients, loadSigningKeys, newSigningKey, parseOidcClients, parseSigningKeys } from './settings'

const SECRET = 'x'.repeat(32)
const console1 = { client_id: 'factorwatch-console', client_secret: SECRET, redirect_uris: ['http://127.0.0.1:3000/auth/callback'], post_logout_redirect_uris: ['http://127.0.0.1:3000/auth/signed-out'] }

describe('IDP_OIDC_CLIENTS', () => {
  it('parses confidential and public clients', () => {
    const [c, p] = parseOidcClients(JSON.stringify([console1, { client_id: 'cli', redirect_uris: ['http://127.0.0.1:9/cb'] }]))
    expect(c).toEqual(console1)
    expect(p.client_secret).toBeUndefined()
    expect(p.post_logout_redirect_uris).toEqual([])
  })
  const bad: [string, unknown, string][] = [
    ['not JSON', '{', 'not JSON'],
    ['not an array', JSON.stringify(console1), 'expected a JSON array'],
    ['no redirect_uris', [{ client_id: 'a', redirect_uris: [] }], 'client 1 (a): redirect_uris: at least one'],
    ['a fragment in a redirect URI', [{ client_id: 'a', redirect_uris: ['https://x.test/cb#f'] }], 'client 1 (a): redirect_uris: expected an absolute http(s) URL'],
    ['a relative redirect URI', [{ client_id: 'a', redirect_uris: ['/cb'] }], 'redirect_uris: expected an absolute'],
    ['a short secret', [{ ...console1, client_secret: 'short' }], 'client 1 (factorwatch-console): client_secret: at least 32 characters'],
    ['an unknown field', [{ ...console1, grant_types: ['implicit'] }], 'client 1 (factorwatch-console):'],
    ['a client twice', [console1, console1], 'client 2 (factorwatch-console): client_id is listed twice'],
    ['a bad client_id', [{ ...console1, client_id: 'a b' }], 'client_id: expected 1-128'],
  ]
  it.each(bad)('refuses %s, naming it', (_name, value, message) => {
    expect(() => parseOidcClients(typeof value === 'string' ? value : JSON.stringify(value))).toThrow(message)
  })
  it('refuses a bad value at start-up with one line naming the variable', () => {
    expect(() => loadIdpConfig({ IDP_OIDC_CLIENTS: '[{"client_id":"a","redirect_uris":[]}]' })).toThrow('invalid configuration IDP_OIDC_CLIENTS: client 1 (a): redirect_uris: at least one')
    const dir = mkdtempSync(join(tmpdir(), 'oidc-clients-'))
    writeFileSync(join(dir, 'clients.json'), '[]x')
    expect(() => loadOidcClients({ clientsFile: join(dir, 'clients.json') })).toThrow(/^invalid configuration IDP_OIDC_CLIENTS_FILE \(.*clients\.json\): expected a JSON array of clients/)
    expect(() => loadOidcClients({ clientsFile: join(dir, 'missing.json') })).toThrow('invalid configuration IDP_OIDC_CLIENTS_FILE: cannot read')
    expect(() => loadOidcClients({ clients: '[]', clientsFile: join(dir, 'clients.json') })).toThrow('not both')
  })
})

describe('IDP_OIDC_SIGNING_KEYS', () => {
  const key = newSigningKey('k1')
  it('keeps the order (the first signs) and fills alg and use', () => {
    const ec = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'e1' }
    expect(parseSigningKeys(JSON.stringify({ keys: [key, ec] })).map((k) => [k.kid, k.alg, k.use])).toEqual([['k1', 'RS256', 'sig'], ['e1', 'ES256', 'sig']])
  })
  const { d: _d, ...publicKey } = key
  const bad: [string, unknown, string][] = [
    ['an empty set', { keys: [] }, 'at least one private key'],
    ['a public key', { keys: [publicKey] }, 'key 1 (k1): this is a public key'],
    ['no kid', { keys: [{ ...key, kid: undefined }] }, 'key 1: expected a kid'],
    ['a kid twice', { keys: [key, key] }, 'key 2 (k1): the kid is used twice'],
    ['a short RSA key', { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }), kid: 's' }] }, 'at least 2048 bits'],
    ['a wrong alg', { keys: [{ ...key, alg: 'HS256' }] }, 'alg must be RS256'],
    ['an oct key', { keys: [{ kty: 'oct', k: 'abc', kid: 'o' }] }, 'expected kty RSA or EC'],
  ]
  it.each(bad)('refuses %s, naming the key', (_name, value, message) => {
    expect(() => parseSigningKeys(JSON.stringify(value))).toThrow(message)
  })
  it('dev mode writes a key file once (mode 0600) beside the IdP dev keys and reads it back; memory:// never writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-keys-'))
    const devFile = join(dir, 'keys', 'idp-oidc.json')
    const a = loadSigningKeys({ devKeys: true, devFile, memory: false })!
    expect(a.source).toBe('generated')
    expect(statSync(devFile).mode & 0o777).toBe(0o600)
    const b = loadSigningKeys({ devKeys: true, devFile, memory: false })!
    expect(b.source).toBe('dev-file')
    expect(b.keys[0].kid).toBe(a.keys[0].kid)
    expect(JSON.parse(readFileSync(devFile, 'utf8')).keys[0].d).toBeTypeOf('string')
    const other = join(dir, 'other', 'x-oidc.json')
    expect(loadSigningKeys({ devKeys: true, devFile: other, memory: true })!.source).toBe('ephemeral')
    expect(existsSync(other)).toBe(false)
    expect(loadSigningKeys({ devKeys: false, devFile: other, memory: false })).toBeUndefined()
    expect(() => loadIdpConfig({ IDP_OIDC_SIGNING_KEYS: '{"keys":[{"kty":"RSA"}]}' })).toThrow(/^invalid configuration IDP_OIDC_SIGNING_KEYS: key 1: expected a kid/)
  })
})
