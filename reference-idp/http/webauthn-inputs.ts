import { z } from 'zod'
import { Id } from './inputs'

/** Request shapes of the passkey API; the library checks the contents, these the form. */
const b64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]+$/, 'expected a base64url string')
const credentialId = b64url.max(1366, 'credential id too long')
const PasskeyName = z.string().trim().min(1, 'name is required').max(64, 'name must be at most 64 characters')
const base = { id: credentialId, rawId: credentialId, type: z.literal('public-key'), clientExtensionResults: z.record(z.string(), z.unknown()).default({}), authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional() }

const RegistrationResponse = z.object({
  ...base,
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(16).optional() }),
})
const AuthenticationResponse = z.object({
  ...base,
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: z.string().max(1024).regex(/^[A-Za-z0-9_-]*$/).optional() }),
})
export const RegisterVerifyInput = z.object({ challenge_id: Id, response: RegistrationResponse, name: PasskeyName.default('Passkey') })
export const LoginOptionsInput = z.object({ flow_id: Id.optional() })
export const LoginVerifyInput = z.object({ challenge_id: Id, response: AuthenticationResponse })
export const RenameInput = z.object({ id: credentialId, name: PasskeyName })
export const RemoveInput = z.object({ id: credentialId })
