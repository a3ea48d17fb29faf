import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { ACR_PHISHING_RESISTANT_HARDWARE, DEFAULT_ROLES_CLAIM, showsSecondFactor } from '../contract/access'
import { newSigningKey } from '../reference-idp/oidc/settings'
import { openPglite } from '../reference-idp/store/db'
import { originOf } from '../reference-idp/traffic/passkey'
import { softAuthenticator } from '../reference-idp/traffic/soft-authenticator'
import { browser, REDIRECT, signInWithTotp, startOidcIdp, type RunningOidcIdp } from './support/oidc-rp'

/**
 * A passkey sign-in through the provider: the account registers a passkey (the traffic
 * generator's software authenticator: device-bound, not backup-eligible), then a new browser signs
 * in with it alone on the IdP's passkey API and the interaction finishes with amr hwk and acr phrh.
 */
describe('passkey sign-in through OpenID Connect', () => {
  let t: RunningOidcIdp
  beforeAll(async () => {
    t = (await startOidcIdp(() => openPglite('memory://'), { oidcSigningKeys: JSON.stringify({ keys: [newSigningKey('k')] }) }))!
  })
  afterAll(async () => t?.idp.close())

  it('gives amr hwk (+ user) and acr phrh for a device-bound passkey, without a password', async () => {
    const user = await t.account(['security'])
    const origin = originOf(t.idp.url)
    const auth = softAuthenticator()
    // Enrol: signed in with password + TOTP (a fresh second factor), then register the passkey.
    const setup = browser(t.idp.url)
    await signInWithTotp(setup, user.email, user.secret)
    const reg = await setup.api('/api/v1/webauthn/register/options')
    expect(reg.status).toBe(200)
    const made = await setup.api('/api/v1/webauthn/register/verify', { challenge_id: reg.body.challenge_id, response: auth.create(reg.body.options as PublicKeyCredentialCreationOptionsJSON, { origin }), name: 'Test key' })
    expect(made.status).toBe(201)
    // A new browser: the client sends it to the provider, the IdP asks it to sign in.
    const b = browser(t.idp.url)
    const a = await t.authorization()
    expect((await b.follow(a.url)).seen).toContain('/login')
    const opts = await b.api('/api/v1/webauthn/login/options')
    const done = await b.api('/api/v1/webauthn/login/verify', { challenge_id: opts.body.challenge_id, response: auth.get(opts.body.options as PublicKeyCredentialRequestOptionsJSON, { origin }) })
    expect(done.body.status).toBe('authenticated')
    // The passkey page then goes home, which continues to the interaction.
    const back = await b.follow('/')
    expect(back.left?.href.startsWith(REDIRECT)).toBe(true)
    const claims = (await t.tokens(back.left!, a)).claims()!
    expect(claims.amr).toEqual(['hwk', 'user'])
    expect(claims.acr).toBe(ACR_PHISHING_RESISTANT_HARDWARE)
    expect(claims[DEFAULT_ROLES_CLAIM]).toEqual(['security'])
    expect(showsSecondFactor(claims as { amr?: unknown; acr?: unknown })).toBe(true)
  })
})
