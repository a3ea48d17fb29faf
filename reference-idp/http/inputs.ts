import { z } from 'zod'
import { MfaError } from '../errors'
import { lengthProblem, PASSWORD_MAX } from '../factors/password-policy'

/** Request shapes, parsed once at the boundary. */
export const Email = z.string().trim().toLowerCase().max(254).email('expected an e-mail address')
/** A NEW password (sign-up, change): 12..128 characters (factors/password-policy.ts); sign-in accepts any existing one. */
export const Password = z.string().max(4 * PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`).superRefine((p, ctx) => {
  const problem = lengthProblem(p)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})
export const Code = z.string().trim().regex(/^\d{6,8}$/, 'expected a 6- or 8-digit code')
export const Id = z.string().uuid('expected an id as returned by the API')

/** "Remember this device": a JSON boolean, or a checked form checkbox ("on"). */
const Remember = z.union([z.boolean(), z.literal('on')]).optional().transform((v) => v === true || v === 'on')

/**
 * Sign-up takes no account type: a client that names one (`user_group`) is refused, never
 * obeyed. Admins and workforce accounts are provisioned (login/roles.ts), not self-assigned.
 */
export const SignupInput = z.object({ email: Email, password: Password, user_group: z.undefined({ error: 'account types are assigned by an admin, not chosen at sign-up' }).optional() })
/** The second step of a sign-up: the code mailed to the address. */
export const SignupVerifyInput = z.object({ signup_id: Id, code: Code })
export const LoginInput = z.object({ email: Email, password: z.string().min(1, 'password is required').max(1024) })
export const TotpStepInput = z.object({ flow_id: Id, code: Code, remember_device: Remember })
export const RecoveryStepInput = z.object({ flow_id: Id, remember_device: Remember, code: z.string().trim().min(1, 'code is required').max(32, 'a recovery code has 10 characters') })
const OobChannelInput = z.enum(['sms', 'voice', 'email'], 'expected sms, voice or email')
export const SendCodeInput = z.object({ flow_id: Id, channel: OobChannelInput })
export const OobStepInput = z.object({ flow_id: Id, channel: OobChannelInput, code: Code, remember_device: Remember })
export const EnrollOobInput = z.discriminatedUnion('channel', [
  z.object({ channel: z.enum(['sms', 'voice']), address: z.string().trim().regex(/^\+[1-9]\d{7,14}$/, 'expected a phone number in E.164 form, e.g. +4915112345678') }),
  z.object({ channel: z.literal('email'), address: Email }),
], 'expected channel sms, voice or email')
export const ActivateOobInput = z.object({ factor_id: Id, code: Code })
export const RevokeDeviceInput = z.object({ id: Id.optional() })
const ManagedFactorInput = z.enum(['totp', 'sms', 'voice', 'email', 'push'], 'expected totp, sms, voice, email or push (passkeys: /api/v1/webauthn/credentials/...)')
export const RenameFactorInput = z.object({ type: ManagedFactorInput, id: Id, name: z.string().trim().min(1, 'name: must not be empty').max(64) })
export const RemoveFactorInput = z.object({ type: ManagedFactorInput, id: Id })
export const EnrollTotpInput = z.object({
  name: z.string().trim().min(1).max(64).default('Authenticator app'),
  /** SHA1 and 6 digits work in every authenticator app; SHA256/SHA512 and 8 digits only in some. */
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512'], 'expected SHA1, SHA256 or SHA512').default('SHA1'),
  digits: z.union([z.literal(6), z.literal(8)], 'expected 6 or 8').default(6),
})
export const ActivateTotpInput = z.object({ credential_id: Id, code: Code })

/** Parse or throw a 400 naming the field and what was expected. */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const field = issue.path.join('.') || 'body'
  throw new MfaError('bad_request', `${field}: ${issue.message}`, { field })
}
export const ChangeEmailInput = z.object({ email: Email })
export const ConfirmEmailInput = z.object({ change_id: Id, code: Code })
export const ChangePasswordInput = z.object({ current_password: z.string().min(1, 'current_password is required').max(1024), new_password: Password })
