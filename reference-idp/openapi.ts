import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from './errors'
import * as I from './http/inputs'
import type { Route } from './http/types'
import * as W from './http/webauthn-inputs'
import * as A from './admin-routes'
import * as P from './http/push-inputs'
import * as S from './session-routes'
import { FAULT_API_DOCS } from './fault-routes'

export interface Op { summary: string; body?: z.ZodType; ok: [status: number, description: string]; errors: ErrorCode[]; session?: boolean }

const LOGIN_ERRORS: ErrorCode[] = ['bad_request', 'invalid_code', 'code_replayed', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited']

/** Every JSON route, described once. startIdp refuses to start with an API route missing here. */
export const API_DOCS: Record<string, Op> = {
  'POST /api/v1/signup': { summary: 'Start a sign-up: a code is mailed to the address (an address that already has an account gets a notice instead; the answer is the same)', body: I.SignupInput, ok: [202, '`{signup_id, next: "/api/v1/signup/verify"}`'], errors: ['bad_request', 'rate_limited', 'provider_unavailable'] },
  'POST /api/v1/signup/verify': { summary: 'Finish a sign-up with the mailed code: creates the account and signs in', body: I.SignupVerifyInput, ok: [201, 'Created; session cookie set'], errors: ['bad_request', 'not_found', 'invalid_code', 'code_replayed', 'flow_expired', 'email_taken'] },
  'POST /api/v1/login': { summary: 'Password step: starts a login flow (factors allowed by the sign-in risk), or signs in when no second factor is enrolled or the device is remembered', body: I.LoginInput, ok: [200, '`{flow_id, next, factors, hint?, delivery?, delivery_error?: {code, message, retry_after_seconds?}, number?, locked?}` or `{status: "authenticated"}`; `delivery: "failed"` says why in `delivery_error` (the flow stays open for another factor); `locked: true` means codes are locked after too many wrong ones and only a passkey is offered'], errors: ['bad_request', 'invalid_credentials', 'locked_out', 'forbidden', 'rate_limited'] },
  'POST /api/v1/login/totp': { summary: 'Finish a login flow with an authenticator-app code', body: I.TotpStepInput, ok: [200, 'Authenticated; session cookie set'], errors: LOGIN_ERRORS },
  'POST /api/v1/login/code': { summary: 'Finish a login flow with a code sent by SMS or voice (e-mail codes are refused with 400)', body: I.OobStepInput, ok: [200, 'Authenticated; session cookie set'], errors: LOGIN_ERRORS },
  'POST /api/v1/login/send': { summary: 'Send (or resend) a code over a channel for an open login flow', body: I.SendCodeInput, ok: [200, '`{status: "sent", channel, hint}`'], errors: ['bad_request', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited', 'provider_unavailable'] },
  'POST /api/v1/login/recovery-code': { summary: 'Finish a login flow with a single-use recovery code', body: I.RecoveryStepInput, ok: [200, 'Authenticated; `recovery_codes_remaining`'], errors: LOGIN_ERRORS },
  'POST /api/v1/logout': { summary: 'Sign out; the session is revoked server-side', ok: [200, 'Signed out'], errors: [] },
  'GET /api/v1/me': { summary: 'Your second factors', ok: [200, '`{factors: [...]}`'], errors: ['unauthenticated'], session: true },
  'POST /api/v1/stepup': { summary: 'Start a step-up: a fresh second factor for a sensitive action, finished with the login code endpoints', ok: [200, '`{flow_id, next, factors, hint?, delivery?}`'], errors: ['unauthenticated', 'bad_request', 'locked_out', 'rate_limited', 'provider_unavailable'], session: true },
  'POST /api/v1/enroll/totp': { summary: 'Start authenticator-app enrollment (pending until verified)', body: I.EnrollTotpInput, ok: [200, '`{credential_id, otpauth_uri, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request'], session: true },
  'POST /api/v1/enroll/totp/verify': { summary: 'Activate an authenticator app with a code from it', body: I.ActivateTotpInput, ok: [200, '`{status: "active"}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'code_replayed'], session: true },
  'POST /api/v1/enroll/oob': { summary: 'Add a phone number (sms or voice); a code is sent to it. `channel: "email"` is refused with 400: e-mail is not a second factor (NIST SP 800-63B 5.1.3.1)', body: I.EnrollOobInput, ok: [200, '`{factor_id, hint, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'rate_limited', 'provider_unavailable'], session: true },
  'POST /api/v1/enroll/oob/verify': { summary: 'Activate a phone number with the code sent to it', body: I.ActivateOobInput, ok: [200, '`{status: "active"}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'flow_expired'], session: true },
  'POST /api/v1/factors/rename': { summary: 'Rename an authenticator app, phone number, e-mail address or push device', body: I.RenameFactorInput, ok: [200, '`{status: "renamed"}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/factors/remove': { summary: 'Remove one (needs a fresh second factor; never the last one)', body: I.RemoveFactorInput, ok: [200, '`{status: "removed"}`'], errors: ['unauthenticated', 'stepup_required', 'bad_request', 'not_found', 'forbidden'], session: true },
  'GET /api/v1/trusted-devices': { summary: 'Devices remembered for your account (skip MFA while risk allows)', ok: [200, '`{devices: [...]}`'], errors: ['unauthenticated'], session: true },
  'POST /api/v1/trusted-devices/revoke': { summary: 'Forget one remembered device, or all of them without an id', body: I.RevokeDeviceInput, ok: [200, '`{revoked}`'], errors: ['unauthenticated', 'bad_request'], session: true },
  'GET /api/v1/recovery-codes': { summary: 'How many unused recovery codes you have', ok: [200, '`{remaining}`'], errors: ['unauthenticated'], session: true },
  'POST /api/v1/recovery-codes': { summary: 'Create ten new recovery codes (shown once); older ones stop working', ok: [200, '`{codes, remaining}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request'], session: true },
  'POST /api/v1/webauthn/register/options': { summary: 'Passkey registration options', ok: [200, '`{challenge_id, options}`'], errors: ['stepup_required', 'unauthenticated'], session: true },
  'POST /api/v1/webauthn/register/verify': { summary: 'Verify a passkey registration', body: W.RegisterVerifyInput, ok: [201, '`{status: "active", passkey}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'flow_expired'], session: true },
  'POST /api/v1/webauthn/login/options': { summary: 'Passkey sign-in options: for a login flow (second factor) or passwordless', body: W.LoginOptionsInput, ok: [200, '`{challenge_id, flow_id, options}`'], errors: ['bad_request', 'flow_not_found', 'flow_expired', 'locked_out'] },
  'POST /api/v1/webauthn/login/verify': { summary: 'Verify a passkey assertion', body: W.LoginVerifyInput, ok: [200, 'Authenticated; session cookie set'], errors: ['bad_request', 'invalid_credentials', 'flow_expired', 'locked_out'] },
  'GET /api/v1/webauthn/credentials': { summary: 'Your passkeys', ok: [200, '`{credentials: [...]}`'], errors: ['unauthenticated'], session: true },
  'POST /api/v1/webauthn/credentials/rename': { summary: 'Rename a passkey', body: W.RenameInput, ok: [200, '`{status: "renamed"}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/webauthn/credentials/remove': { summary: 'Remove a passkey', body: W.RemoveInput, ok: [200, '`{status: "removed"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/recovery/requests': { summary: 'File an admin-assisted recovery request (password, not the lost factor); same answer whether or not it matched', body: A.RecoveryRequestInput, ok: [202, 'Received'], errors: ['bad_request'] },
  'GET /api/v1/admin/recovery/requests': { summary: 'Recovery requests by status (admins, fresh second factor)', ok: [200, '`{requests: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request'], session: true },
  'POST /api/v1/admin/recovery/decide': { summary: 'Approve (returns a one-time link, shown once) or deny a recovery request, with a reason; never your own', body: A.RecoveryDecideInput, ok: [200, '`{status, link?, token?, expires_at?}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active', 'flow_expired'], session: true },
  'POST /api/v1/recovery/complete': { summary: 'Use a recovery link: old second factors are removed and you are signed in to enroll a new one', body: A.RecoveryCompleteInput, ok: [200, 'Recovered; session cookie set'], errors: ['bad_request', 'not_found', 'forbidden', 'already_active', 'flow_expired'] },
  'POST /api/v1/admin/exemptions': { summary: 'Ask to turn MFA off for an account (policy_exempt, admin_override = next sign-in, break_glass ≤ 60 min); a second admin must approve', body: A.ExemptionInput, ok: [202, '`{id, status: "requested"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/admin/exemptions/approve': { summary: 'Approve an exemption (not one you asked for, not your own account)', body: A.ApproveExemptionInput, ok: [200, '`{status: "active", expires_at}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active'], session: true },
  'GET /api/v1/admin/exemptions': { summary: 'MFA exemptions, newest first (admins)', ok: [200, '`{exemptions: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required'], session: true },
  'POST /api/v1/admin/exemptions/end': { summary: 'End an exemption with a reason: deny it while requested, revoke it while active (any admin but its subject)', body: A.EndExemptionInput, ok: [200, '`{status: "denied" | "revoked"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found', 'already_active'], session: true },
  'POST /api/v1/admin/unlock': { summary: "Lift an account's second-factor locks (too many wrong codes; push locked by a fraud report or push bombing), with a reason; never your own", body: A.UnlockInput, ok: [200, '`{status: "unlocked", codes: boolean, push: reason | null}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/admin/account-type': { summary: "Change an account's type (customer, workforce, vendor, admin), with a reason. With a service's signed assertion (Authorization: Bearer <ES256 JWS, ≤ 5 min, single use, key in IDP_SERVICE_KEYS>) it applies at once; an admin's change applies at once except granting or removing admin, which waits for a second admin; never your own", body: A.AccountTypeInput, ok: [200, '`{id, status: "applied"}`, or 202 `{id, status: "requested"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found', 'already_active'], session: true },
  'GET /api/v1/admin/account-type/requests': { summary: 'Account-type changes waiting for a second admin (admins)', ok: [200, '`{requests: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required'], session: true },
  'POST /api/v1/admin/account-type/decide': { summary: 'Approve or deny a waiting account-type change, with a reason (not one you asked for, not your own account)', body: A.AccountTypeDecideInput, ok: [200, '`{status: "applied" | "denied"}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required', 'enrollment_required', 'bad_request', 'not_found', 'already_active'], session: true },
  'GET /api/v1/admin/audit': { summary: 'The audit log of recovery, exemptions, unlocks and account changes, newest first (admins); people appear as HMAC hashes', ok: [200, '`{entries: [...]}`'], errors: ['unauthenticated', 'forbidden', 'stepup_required'], session: true },
  'POST /api/v1/account/email': { summary: 'Start changing the sign-in e-mail address (fresh second factor needed): a code goes to the new address', body: I.ChangeEmailInput, ok: [202, '`{status: "code_sent", change_id, hint}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'email_taken', 'rate_limited', 'provider_unavailable'], session: true },
  'POST /api/v1/account/email/verify': { summary: 'Switch to the new address with the code sent to it (5 tries, 5 minutes); the old address is told', body: I.ConfirmEmailInput, ok: [200, '`{status: "changed"}`'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'not_found', 'invalid_code', 'code_replayed', 'flow_expired', 'email_taken'], session: true },
  'POST /api/v1/account/password': { summary: 'Change the password (fresh second factor and the current password needed): every session is revoked and a new cookie is set; a push lock from a fraud report is lifted', body: I.ChangePasswordInput, ok: [200, '`{status: "changed", sessions_revoked}`; new session cookie'], errors: ['stepup_required', 'unauthenticated', 'bad_request', 'invalid_credentials'], session: true },
  'GET /api/v1/sessions': { summary: 'Your open sessions: public id, created_at, last_used_at, client, country, device (browser and system), current; never a secret or an address', ok: [200, '`{sessions: [{id, created_at, last_used_at, client, country, device, current}]}`'], errors: ['unauthenticated'], session: true },
  'POST /api/v1/sessions/revoke': { summary: 'Sign out one of your other sessions by its id (fresh second factor needed)', body: S.RevokeSessionInput, ok: [200, '`{status: "revoked"}`'], errors: ['unauthenticated', 'stepup_required', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/sessions/revoke-others': { summary: 'Sign out everywhere else: every session of your account but this one (fresh second factor needed)', ok: [200, '`{status: "revoked", revoked}`'], errors: ['unauthenticated', 'stepup_required'], session: true },
  'POST /api/v1/push/pairings': { summary: 'Make a one-time pairing code (10 min) for the phone app to register with, shown as a QR code of `uri`', ok: [201, '`{pairing_id, code, uri, expires_in_seconds}`'], errors: ['stepup_required', 'unauthenticated', 'locked_out'], session: true },
  'GET /api/v1/push/pairings': { summary: "A pairing's progress (`?pairing_id=`): waiting, registered (with the test push's number to type into the app), active or expired", ok: [200, '`{status, device_id?, number?, expires_in_seconds?}`'], errors: ['unauthenticated', 'bad_request', 'not_found'], session: true },
  'POST /api/v1/push/devices': { summary: 'Add a phone for push approval (pending), from a signed-in client or from the phone app with `pairing_code` (no session); a test push goes to it. Without a pairing the number to type is returned; with one, the web page shows it', body: P.RegisterPushDeviceInput, ok: [201, '`{device_id, number?, expires_in_seconds, status: "pending"}`'], errors: ['stepup_required', 'unauthenticated', 'invalid_credentials', 'bad_request', 'locked_out', 'rate_limited', 'provider_unavailable'], session: true },
  'POST /api/v1/push/devices/verify': { summary: 'Activate a push device once it approved its test push with the number shown', body: P.VerifyPushDeviceInput, ok: [200, '`{status: "active"}` or `{status: "pending", expires_in_seconds}`'], errors: ['unauthenticated', 'bad_request', 'not_found', 'already_active', 'invalid_code', 'flow_expired'], session: true },
  'POST /api/v1/login/push': { summary: 'Send (or resend) a push approval for an open login flow; returns the number to show on the sign-in page', body: P.LoginPushInput, ok: [200, '`{status: "sent", number, expires_in_seconds}`'], errors: ['bad_request', 'forbidden', 'flow_not_found', 'flow_expired', 'locked_out', 'rate_limited', 'provider_unavailable'] },
  'GET /api/v1/login/push': { summary: "Poll a login flow's push (`?flow_id=`): pending, approved (signs in), denied or expired", ok: [200, '`{status: "pending", expires_in_seconds}`, `{status: "approved"}` with the session cookie, `{status: "denied", reason}` or `{status: "expired"}`'], errors: ['bad_request', 'forbidden', 'flow_not_found', 'flow_expired'] },
  'POST /api/v1/push/respond': { summary: "The device's answer to a push: approve with the number typed, deny, or report fraud; no session, authenticated by the device's ECDSA P-256 signature over `${challenge_id}.${number}.${decision}` (DER, base64url)", body: P.PushRespondInput, ok: [200, '`{status: "approved" | "denied" | "fraud_reported"}`'], errors: ['bad_request', 'not_found', 'invalid_credentials', 'invalid_code', 'code_replayed', 'flow_expired'] },
  ...FAULT_API_DOCS,
  'POST /api/v1/admin/enrollment-snapshot': { summary: 'Emit the enrollment snapshot now and return its counts (admins)', ok: [200, '`{groups: [...]}`'], errors: ['unauthenticated', 'forbidden'], session: true },
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'Stable machine-readable error code' },
    message: { type: 'string', description: 'What was wrong, for people' },
  },
  additionalProperties: true,
}

/** The OpenAPI 3.1 document of the JSON API; throws if an API route is undocumented. */
export function openApiDocument(routes: readonly Route[], serverUrl: string, version: string): Record<string, unknown> {
  // Vendor webhooks are the vendors' contract, not ours: documented in the adapters.
  const missing = routes.filter((r) => r.kind === 'api' && !r.path.startsWith('/webhooks/') && !API_DOCS[`${r.method} ${r.path}`]).map((r) => `${r.method} ${r.path}`)
  if (missing.length) throw new Error(`API routes without an OpenAPI description: ${missing.join(', ')}`)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [key, op] of Object.entries(API_DOCS)) {
    const [method, path] = key.split(' ')
    const errors = [...new Set([...op.errors, 'overloaded' as const])]
    const responses: Record<string, unknown> = { [op.ok[0]]: { description: op.ok[1], content: { 'application/json': { schema: { type: 'object' } } } } }
    for (const code of errors) {
      const status = String(ERROR_STATUS[code])
      const prev = responses[status] as { description: string } | undefined
      responses[status] = { description: prev ? `${prev.description}, ${code}` : code, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
    }
    ;(paths[path] ??= {})[method.toLowerCase()] = {
      summary: op.summary,
      operationId: key.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, ''),
      ...(op.session ? { security: [{ session: [] }] } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FactorWatch reference IdP', version, description: 'JSON API of the reference MFA service. Every error body is `{code, message}`; 429 and 503 carry Retry-After.' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-fw_session', description: 'fw_session without the prefix (and not Secure) when the IdP is served over plain http to a host other than localhost' } },
    },
  }
}
