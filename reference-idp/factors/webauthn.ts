import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON } from '@simplewebauthn/server'
import { MfaError } from '../errors'
import type { RequestCtx } from '../login/events'
import { CEREMONY_TIMEOUT_MS, webauthnCore, type WebauthnDeps } from './webauthn-core'
import { passkeyLogin } from './webauthn-login'
import { checkChallenge } from './webauthn-rules'

export type { WebauthnDeps } from './webauthn-core'

/** A passkey as the account owner sees it (never the public key). */
export interface PasskeyInfo {
  id: string
  name: string
  device_type: 'singleDevice' | 'multiDevice'
  backed_up: boolean
  transports: string[]
  created_at: string
  last_used_at: string | null
}

/**
 * WebAuthn / passkeys: registration for a signed-in user, sign-in as second factor or
 * passwordless, and the account's list of passkeys. Every step is a contract event.
 */
export function createWebauthnService(d: WebauthnDeps) {
  const core = webauthnCore(d)
  const { store } = core
  const login = passkeyLogin(core)

  return {
    /** Options for `navigator.credentials.create()`: user verification required, the user's passkeys excluded. */
    async registrationOptions(userId: string, ctx: RequestCtx): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
      const user = await core.requireUser(userId)
      const existing = await store.passkeysOf(userId)
      const options = await generateRegistrationOptions({
        rpName: d.rpName, rpID: d.rp().id, userName: user.email, userDisplayName: user.email, userID: core.userHandle(user.id),
        timeout: CEREMONY_TIMEOUT_MS, attestationType: 'none',
        excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      })
      const challengeId = await core.issueChallenge({ challenge: options.challenge, purpose: 'registration', user_id: userId, flow_id: null })
      core.enrollment(user, 'enrolled', ctx)
      return { challengeId, options }
    },

    /** Verify the authenticator's attestation and keep the credential; it is active at once. */
    async verifyRegistration(userId: string, challengeId: string, response: RegistrationResponseJSON, name: string, ctx: RequestCtx): Promise<PasskeyInfo> {
      const user = await core.requireUser(userId)
      const now = d.now()
      const taken = await store.takeChallenge(challengeId, 'registration', now, userId)
      const check = checkChallenge(taken?.row, taken?.fresh ?? false, now, { purpose: 'registration', userId })
      if (!check.ok) {
        if (check.reason !== 'missing') core.enrollment(user, 'verification_failed', ctx)
        throw new MfaError(check.reason === 'code_replayed' ? 'code_replayed' : 'flow_expired', check.reason === 'missing' ? 'no such passkey set-up; start again' : 'this passkey set-up is over; start again')
      }
      const rp = d.rp()
      let info
      try {
        const r = await verifyRegistrationResponse({ response, expectedChallenge: taken!.row.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true })
        if (r.verified) info = r.registrationInfo
      } catch {
        // Wrong origin, RP ID or challenge, no user verification, unsupported key, malformed data.
      }
      if (!info) {
        core.enrollment(user, 'verification_failed', ctx)
        throw new MfaError('bad_request', 'the passkey could not be verified; try again', { field: 'response' })
      }
      const row = {
        id: info.credential.id, user_id: userId, name, public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter, transports: info.credential.transports ?? response.response.transports ?? [],
        backed_up: info.credentialBackedUp, device_type: info.credentialDeviceType,
      }
      if (!(await store.insertPasskey({ ...row, createdAt: now }))) {
        core.enrollment(user, 'verification_failed', ctx)
        throw new MfaError('already_active', 'this passkey is already registered')
      }
      core.enrollment(user, 'activated', ctx)
      await d.notices?.send(user, 'factor_added', ctx, { factor: 'webauthn' })
      return { ...publicView(row), created_at: now.toISOString(), last_used_at: null }
    },

    loginOptions: login.options,
    verifyLogin: login.verify,

    async list(userId: string): Promise<PasskeyInfo[]> {
      return (await store.passkeysOf(userId)).map((c) => ({ ...publicView(c), created_at: c.created_at.toISOString(), last_used_at: c.last_used_at?.toISOString() ?? null }))
    },
    async count(userId: string): Promise<number> {
      return store.countPasskeys(userId)
    },
    async rename(userId: string, id: string, name: string, ctx: RequestCtx): Promise<void> {
      const user = await core.requireUser(userId)
      if (!(await store.renamePasskey(id, userId, name))) throw new MfaError('not_found', 'no such passkey for this account')
      core.enrollment(user, 'renamed', ctx)
    },
    async remove(userId: string, id: string, ctx: RequestCtx): Promise<void> {
      const user = await core.requireUser(userId)
      if (!(await store.removePasskey(id, userId))) throw new MfaError('not_found', 'no such passkey for this account')
      core.enrollment(user, 'removed', ctx)
      await d.notices?.send(user, 'factor_removed', ctx, { factor: 'webauthn' })
    },
  }
}
export type WebauthnService = ReturnType<typeof createWebauthnService>

function publicView(c: { id: string; name: string; device_type: PasskeyInfo['device_type']; backed_up: boolean; transports: string[] }) {
  return { id: c.id, name: c.name, device_type: c.device_type, backed_up: c.backed_up, transports: c.transports }
}
