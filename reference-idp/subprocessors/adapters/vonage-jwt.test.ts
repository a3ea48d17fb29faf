import { decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { manualClock } from '../../../contract/clock'
import { simVonageApplicationKey } from '../../simulator/vendors/sim-keys'
import { vonageApplicationJwts } from './vonage-jwt'

const APP = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab'
const START = Date.parse('2026-12-06T12:00:00Z')

describe('Vonage application JWTs', () => {
  it('RS256 with application_id, iat from the clock, a unique jti and exp 15 minutes on, verified with the application’s public key', async () => {
    const clock = manualClock(START)
    const mint = vonageApplicationJwts({ applicationId: APP, privateKey: simVonageApplicationKey().privatePem, clock })
    const a = await mint()
    expect(decodeProtectedHeader(a)).toEqual({ alg: 'RS256', typ: 'JWT' })
    const { payload } = await jwtVerify(a, simVonageApplicationKey().publicKey, { algorithms: ['RS256'], currentDate: new Date(START) })
    expect(payload).toMatchObject({ application_id: APP, iat: START / 1000, exp: START / 1000 + 900 })
    await clock.advance(1000)
    const b = await mint()
    const second = (await jwtVerify(b, simVonageApplicationKey().publicKey, { currentDate: new Date(START + 1000) })).payload
    expect(second.jti).not.toBe(payload.jti)
    expect(second.iat).toBe(START / 1000 + 1)
    // 15 minutes later the first token is no longer good.
    await expect(jwtVerify(a, simVonageApplicationKey().publicKey, { currentDate: new Date(START + 901_000) })).rejects.toThrow(/exp/)
  })

  it('refuses an application id that is not a UUID and a key that is not RSA', () => {
    expect(() => vonageApplicationJwts({ applicationId: 'app', privateKey: simVonageApplicationKey().privatePem, clock: manualClock() })).toThrow(/credentials.applicationId/)
    expect(() => vonageApplicationJwts({ applicationId: APP, privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', clock: manualClock() })).toThrow(/credentials.privateKey: expected a PEM/)
  })
})
