import { generateKeyPairSync } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { manualClock } from '../../../contract/clock'
import { simApnsKey } from '../../simulator/vendors/sim-keys'
import { APNS_REFRESH_MS, apnsProviderTokens, apnsTokenDue } from './apns-token'

const MIN = 60_000
const START = Date.parse('2026-12-06T12:00:00Z')
const options = (clock = manualClock(START)) => ({ teamId: 'ABCDE12345', keyId: 'KEY0000001', privateKey: simApnsKey().privatePem, clock })

describe('apnsTokenDue', () => {
  it.each([
    [undefined, 0, true],
    [0, 49 * MIN, false],
    [0, 50 * MIN - 1, false],
    [0, 50 * MIN, true],
    [0, 70 * MIN, true],
  ])('issued %s, now %i → %s', (issued, now, due) => expect(apnsTokenDue(issued, now)).toBe(due))
})

describe('APNs provider tokens', () => {
  it('an ES256 JWT with kid = key id, iss = team id and iat from the injected clock, verified with the key’s public half', async () => {
    const tokens = apnsProviderTokens(options())
    const token = await tokens.token()
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'KEY0000001' })
    const { payload } = await jwtVerify(token, simApnsKey().publicKey, { algorithms: ['ES256'], issuer: 'ABCDE12345', currentDate: new Date(START) })
    expect(payload).toEqual({ iss: 'ABCDE12345', iat: START / 1000 })
  })

  it('is cached for 50 minutes of the clock, then replaced once; concurrent callers share one', async () => {
    const clock = manualClock(START)
    const tokens = apnsProviderTokens(options(clock))
    const [a, b] = await Promise.all([tokens.token(), tokens.token()])
    expect(b).toBe(a)
    await clock.advance(APNS_REFRESH_MS - 1000)
    expect(await tokens.token()).toBe(a)
    await clock.advance(1000)
    const next = await tokens.token()
    expect(next).not.toBe(a)
    expect(tokens.issuedAt()).toBe(START + APNS_REFRESH_MS)
    await clock.advance(19 * MIN)
    expect(await tokens.token()).toBe(next)
  })

  it.each([
    ['a team id that is not 10 characters', { teamId: 'TEAM' }, /credentials.teamId/],
    ['a key id that is not 10 characters', { keyId: 'k' }, /credentials.keyId/],
    ['a refresh under 20 minutes', { refreshMs: 10 * MIN }, /refreshMs: expected 20 to under 60 minutes/],
    ['a refresh at 60 minutes', { refreshMs: 60 * MIN }, /refreshMs/],
    ['no PEM', { privateKey: 'not a key' }, /credentials.privateKey: expected a PEM private key/],
    ['an RSA key', { privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, /got a rsa key, expected an EC P-256 key/],
  ])('refuses %s, naming the setting and not the key', (_n, change, message) => {
    expect(() => apnsProviderTokens({ ...options(), ...change })).toThrow(message)
  })
})
