import { describe, expect, it } from 'vitest'
import { checkChallenge, decideCounter, outcomeOf, relyingParty, type ChallengeFacts } from './webauthn-rules'

describe('decideCounter (WebAuthn §7.2 step 21)', () => {
  it.each([
    [0, 0, true], // authenticator without a counter (synced passkeys)
    [0, 1, true],
    [5, 6, true],
    [5, 1000, true],
    [5, 5, false], // the same counter twice: a replayed or cloned authenticator
    [5, 4, false],
    [5, 0, false], // a counter that stops counting is also a regression
    [0xffff_fffe, 0xffff_ffff, true],
  ])('stored %i, presented %i → ok=%s', (stored, presented, ok) => {
    const d = decideCounter(stored, presented)
    expect(d.ok).toBe(ok)
    if (!d.ok) expect(d.reason).toBe('counter_regression')
  })
})

describe('checkChallenge', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const later = (ms: number) => new Date(now.getTime() + ms)
  const reg: ChallengeFacts = { purpose: 'registration', user_id: 'u1', expires_at: later(1000) }
  it.each<[string, ChallengeFacts | undefined, boolean, Parameters<typeof checkChallenge>[3], string]>([
    ['fresh, in time, right user', reg, true, { purpose: 'registration', userId: 'u1' }, 'ok'],
    ['unknown id', undefined, true, { purpose: 'registration', userId: 'u1' }, 'missing'],
    ["another user's challenge", reg, true, { purpose: 'registration', userId: 'u2' }, 'missing'],
    ['registration challenge used to sign in', reg, true, { purpose: 'authentication' }, 'missing'],
    ['used before', reg, false, { purpose: 'registration', userId: 'u1' }, 'code_replayed'],
    ['expired exactly now', { ...reg, expires_at: now }, true, { purpose: 'registration', userId: 'u1' }, 'code_expired'],
    ['replay of an expired one is a replay', { ...reg, expires_at: later(-1) }, false, { purpose: 'registration', userId: 'u1' }, 'code_replayed'],
  ])('%s', (_name, facts, fresh, want, expected) => {
    const r = checkChallenge(facts, fresh, now, want)
    expect(r.ok ? 'ok' : r.reason).toBe(expected)
  })
})

describe('relyingParty', () => {
  it.each([
    ['http://localhost:8080', undefined, { id: 'localhost', origin: 'http://localhost:8080' }],
    ['http://127.0.0.1:8080', undefined, { id: 'localhost', origin: 'http://localhost:8080' }],
    ['http://[::1]:9000', undefined, { id: 'localhost', origin: 'http://localhost:9000' }],
    ['http://0.0.0.0:80', undefined, { id: 'localhost', origin: 'http://localhost' }],
    ['https://login.example.com', undefined, { id: 'login.example.com', origin: 'https://login.example.com' }],
    ['https://login.example.com/idp/', 'example.com', { id: 'example.com', origin: 'https://login.example.com' }],
  ])('%s (rpId %s)', (url, rpId, expected) => {
    expect(relyingParty(url, rpId)).toEqual(expected)
  })
  it.each([
    ['https://login.example.com', 'other.com', /invalid RP ID "other.com": expected "login.example.com" or a parent domain/],
    ['https://login.example.com', 'ample.com', /invalid RP ID "ample.com"/],
    ['http://192.168.1.10:8080', undefined, /passkeys need a host name, got IP address 192.168.1.10/],
  ])('refuses %s with rpId %s', (url, rpId, message) => {
    expect(() => relyingParty(url, rpId)).toThrow(message)
  })
})

describe('outcomeOf', () => {
  it('maps refusals onto contract outcomes', () => {
    expect([outcomeOf('code_replayed'), outcomeOf('code_expired'), outcomeOf('counter_regression'), outcomeOf('signature_invalid'), outcomeOf('unknown_credential')])
      .toEqual(['replayed', 'expired', 'failure', 'failure', 'failure'])
  })
})
