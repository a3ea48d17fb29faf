import { randomUUID } from 'node:crypto'
import { ATTR } from '../../contract'
import { MfaError } from '../errors'
import type { IdpKeys } from '../keys'
import type { FlowPolicy } from '../login/policy'
import { eventHelpers, type RequestCtx } from '../login/events'
import type { Db } from '../store/db'
import { createRepo, type UserRow } from '../store/repo'
import { createWebauthnRepo, type ChallengeRow } from '../store/webauthn-repo'
import type { IdpMetrics } from '../telemetry/metrics'
import type { Telemetry } from '../telemetry/telemetry'
import { CHALLENGE_TTL_MS, type RelyingParty } from './webauthn-rules'
import type { Notices } from '../login/notices'

export interface WebauthnDeps {
  db: Db
  keys: IdpKeys
  telemetry: Telemetry
  metrics: IdpMetrics
  /** The login flow policy: attempts and TTL of the flow a passkey finishes as second factor. */
  policy: FlowPolicy
  region: string
  rpName: string
  /** Asked at each ceremony: the public URL is known only once the server listens. */
  rp: () => RelyingParty
  now: () => Date
  /** Security notices to the account's owner: a passkey added or removed. */
  notices?: Pick<Notices, 'send'>
}

/** How long the browser may take over one ceremony; the challenge itself lives CHALLENGE_TTL_MS. */
export const CEREMONY_TIMEOUT_MS = 120_000
const CHALLENGE_RETENTION_MS = 3600_000

/** What the registration, management and login parts of the passkey service share. */
export function webauthnCore(d: WebauthnDeps) {
  const repo = createRepo(d.db, d.keys)
  const store = createWebauthnRepo(d.db)
  let lastCleanup = 0

  const { base, emit, completed } = eventHelpers(d)

  return {
    d, repo, store, base, emit,

    /** The WebAuthn user handle: opaque bytes the authenticator keeps and returns on passkey login. */
    userHandle: (userId: string) => new TextEncoder().encode(userId),
    userHandleB64: (userId: string) => Buffer.from(userId, 'utf8').toString('base64url'),

    async requireUser(userId: string): Promise<UserRow> {
      const user = await repo.userById(userId)
      if (!user) throw new MfaError('unauthenticated', 'session user no longer exists')
      return user
    },

    /** Store a challenge for one ceremony; now and then forget ones long expired. */
    async issueChallenge(c: Pick<ChallengeRow, 'challenge' | 'purpose' | 'user_id' | 'flow_id'>): Promise<string> {
      const now = d.now()
      if (now.getTime() - lastCleanup > 60_000) {
        lastCleanup = now.getTime()
        await store.deleteChallengesExpiredBefore(new Date(now.getTime() - CHALLENGE_RETENTION_MS))
      }
      const id = randomUUID()
      await store.insertChallenge({ id, ...c, created_at: now, expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS) })
      return id
    },

    enrollment(user: UserRow, reason: 'enrolled' | 'activated' | 'verification_failed' | 'renamed' | 'removed', ctx: RequestCtx) {
      d.metrics.enrollments.inc({ factor: 'webauthn', reason })
      emit('mfa.enrollment.changed', { ...base(ctx, user), [ATTR.factor]: 'webauthn', [ATTR.reason]: reason, [ATTR.intent]: 'enrollment' }, ctx)
    },

    /** The terminal event of a flow: login.completed, or mfa.stepup for a step-up flow. */
    completed: (flowId: string, outcome: string, reason: string, ctx: RequestCtx, user?: UserRow, intent: 'login' | 'stepup' = 'login') =>
      intent === 'stepup'
        ? emit('mfa.stepup', { ...base(ctx, user), [ATTR.flowId]: flowId, [ATTR.factor]: 'webauthn', [ATTR.outcome]: outcome, [ATTR.reason]: outcome === 'success' ? 'satisfied' : 'failed', [ATTR.intent]: 'stepup' }, ctx)
        : completed(flowId, outcome, reason, ctx, user, 'webauthn'),
  }
}
export type WebauthnCore = ReturnType<typeof webauthnCore>
