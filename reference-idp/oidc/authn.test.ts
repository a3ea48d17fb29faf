import { describe, expect, it } from 'vitest'
import { ACR_MFA, showsSecondFactor } from '../../contract/access'
import { authnClaims, decideInteraction, type InteractionInput, type SignInFacts } from './authn'

describe('authnClaims', () => {
  const table: [string, SignInFacts, string[], string | undefined][] = [
    ['password alone', { password: true }, ['pwd'], undefined],
    ['password + TOTP', { password: true, factor: 'totp' }, ['pwd', 'otp', 'mfa'], ACR_MFA],
    ['password + SMS', { password: true, factor: 'sms' }, ['pwd', 'sms', 'mfa'], ACR_MFA],
    ['password + voice', { password: true, factor: 'voice' }, ['pwd', 'tel', 'mfa'], ACR_MFA],
    ['password + e-mail code', { password: true, factor: 'email' }, ['pwd', 'otp', 'mfa'], ACR_MFA],
    ['password + push', { password: true, factor: 'push' }, ['pwd', 'mca', 'mfa'], ACR_MFA],
    ['password + recovery code', { password: true, factor: 'recovery_code' }, ['pwd', 'otp', 'mfa'], ACR_MFA],
    ['password + device-bound passkey', { password: true, factor: 'webauthn', passkeySynced: false }, ['pwd', 'hwk', 'user', 'mfa'], 'phrh'],
    ['passwordless synced passkey', { password: false, factor: 'webauthn', passkeySynced: true }, ['swk', 'user'], 'phr'],
    ['passwordless device-bound passkey', { password: false, factor: 'webauthn' }, ['hwk', 'user'], 'phrh'],
  ]
  it.each(table)('%s', (_name, facts, amr, acr) => {
    const c = authnClaims(facts)
    expect(c.amr).toEqual(amr)
    expect(c.acr).toBe(acr)
    // The console's check agrees: every second factor shows, a password alone does not.
    expect(showsSecondFactor(c)).toBe(facts.factor !== undefined)
  })
})

describe('decideInteraction', () => {
  const now = new Date('2026-12-07T01:00:00Z')
  const ago = (s: number) => new Date(now.getTime() - s * 1000)
  const base: InteractionInput = { prompt: { name: 'login', reasons: ['no_session'] }, now }
  const table: [string, Partial<InteractionInput>, string, string][] = [
    ['no IdP session', {}, 'sign_in', 'no_session'],
    ['a session finishes at once', { session: { userId: 'u', authAt: ago(60) } }, 'finish', 'session'],
    ['prompt=login with the old session', { prompt: { name: 'login', reasons: ['login_prompt'] }, session: { userId: 'u', authAt: ago(60) } }, 'sign_in', 'login_prompt'],
    ['prompt=login, session from before being sent', { prompt: { name: 'login', reasons: ['login_prompt'] }, session: { userId: 'u', authAt: ago(60) }, sentToSignInAt: ago(30) }, 'sign_in', 'login_prompt'],
    ['prompt=login, signed in after being sent', { prompt: { name: 'login', reasons: ['login_prompt'] }, session: { userId: 'u', authAt: ago(10) }, sentToSignInAt: ago(30) }, 'finish', 'signed_in'],
    ['max_age=0 with prompt=login, signed in after being sent (no loop)', { prompt: { name: 'login', reasons: ['login_prompt', 'max_age'] }, maxAge: 0, session: { userId: 'u', authAt: ago(10) }, sentToSignInAt: ago(30) }, 'finish', 'signed_in'],
    ['max_age=0 alone, old session', { prompt: { name: 'login', reasons: ['max_age'] }, maxAge: 0, session: { userId: 'u', authAt: ago(1) } }, 'sign_in', 'max_age'],
    ['max_age exceeded', { maxAge: 30, session: { userId: 'u', authAt: ago(60) } }, 'sign_in', 'max_age'],
    ['max_age met', { maxAge: 120, session: { userId: 'u', authAt: ago(60) } }, 'finish', 'session'],
    ['consent for a first-party client', { prompt: { name: 'consent', reasons: ['op_scopes_missing'] }, session: { userId: 'u', authAt: ago(60) } }, 'finish', 'first_party_consent'],
  ]
  it.each(table)('%s', (_name, input, kind, reason) => {
    expect(decideInteraction({ ...base, ...input })).toEqual({ kind, reason })
  })
})
