import type { BlockList } from 'node:net'
import type { ErrorCode } from '../errors'
import type { ScryptParams } from '../factors/password'
import type { IdpKeys } from '../keys'
import type { Repo } from '../store/repo'
import type { OobChannel } from '../subprocessors/types'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import type { AdminFactorPolicy } from './admin-access'
import type { Exemptions } from './exemptions'
import type { Guessing } from './guessing'
import type { Notices } from './notices'
import type { OobService } from './oob'
import type { FlowPolicy } from './policy'
import type { PushService } from './push'
import type { RiskPolicy } from './risk'
import type { TrustedDevices } from './trusted'

/*
 * The login service's dependencies and results, apart from login/service.ts so that its parts
 * (login/stepup.ts) can name them without importing the service back (no import cycle).
 */

export interface LoginDeps {
  repo: Repo
  keys: IdpKeys
  telemetry: Telemetry
  metrics: IdpMetrics
  policy: FlowPolicy
  region: string
  issuer: string
  now: () => Date
  oob: OobService
  trusted: TrustedDevices
  exemptions: Exemptions
  /** Push approval (only when the IdP talks to real vendors). */
  push?: Pick<PushService, 'available' | 'hasActiveDevice' | 'sendLoginPush' | 'factors' | 'cancelForFlow'>
  risk: { policy: RiskPolicy; bad: BlockList }
  log: (line: string) => void
  /** A sensitive action needs a second factor passed at most this long ago. */
  stepUpMaxAgeMs: number
  /** Base of the delay before answering a wrong code (doubles per failure on the flow). */
  progressiveDelayMs: number
  /** Waits on the IdP's clock (the progressive delay): tests hand in a clock whose waits do not hold them up. */
  sleep: (ms: number) => Promise<void>
  /** How many passkeys a user has (the WebAuthn module owns them). */
  passkeys: (userId: string) => Promise<number>
  /** Per-account password throttling and code-guessing locks that spare the owner's known devices (login/guessing.ts). */
  guessing: Guessing
  /** scrypt parameters of new hashes (IDP_PASSWORD_COST); weaker stored hashes are upgraded at sign-in. Default N=2^17. */
  passwordHashing?: ScryptParams
  /** Addresses that become admins when they sign up (IDP_ADMIN_EMAILS): the first admins of a new IdP. */
  bootstrapAdmins?: ReadonlySet<string>
  /** What second factor admin actions need (IDP_ADMIN_FACTOR). */
  adminFactor?: AdminFactorPolicy
  /** Security notices to the account's owner: a factor added, a TOTP code replayed. */
  notices?: Pick<Notices, 'send'>
  /** The order factors are offered in, given the default one (runbook promote_fallback, faults/control.ts). */
  factorOrder?: <F extends string>(have: F[]) => F[]
}

/** Second factors a login can be finished with by typing a code. */
export type CodeFactor = 'totp' | 'recovery_code' | OobChannel
export type LoginFactor = CodeFactor | 'webauthn' | 'push'
export type PasswordStepResult =
  | { kind: 'challenge'; flowId: string; factor: LoginFactor; factors: LoginFactor[]; hint?: string; delivery?: 'sent' | 'failed'; deliveryError?: { code: ErrorCode; message: string; retryAfterSeconds?: number }; number?: number; locked?: boolean }
  | { kind: 'authenticated'; userId: string }
