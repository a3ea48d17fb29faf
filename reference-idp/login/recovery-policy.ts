/**
 * Admin-assisted recovery as a pure state machine: requested → approved | denied | expired;
 * approved → completed | expired (the one-time link has a short life). An admin decides, and
 * never on their own request: a single compromised admin cannot reset their own MFA.
 */
export type RecoveryStatus = 'requested' | 'approved' | 'denied' | 'completed' | 'expired'

export interface RecoveryPolicy { requestTtlMs: number; linkTtlMs: number }
export const DEFAULT_RECOVERY_POLICY: RecoveryPolicy = { requestTtlMs: 72 * 3600_000, linkTtlMs: 30 * 60_000 }

export interface RecoveryState { status: RecoveryStatus; userId: string; createdAt: Date; linkExpiresAt: Date | null }

export type RecoveryAction =
  | { kind: 'decide'; actorId: string; actorIsAdmin: boolean; approve: boolean }
  | { kind: 'complete' }
  | { kind: 'sweep' }

export type RecoveryDecision =
  | { ok: true; next: RecoveryStatus }
  | { ok: false; error: 'forbidden' | 'flow_expired' | 'already_active' | 'not_found'; message: string; expire?: boolean }

export function decideRecovery(r: RecoveryState | undefined, a: RecoveryAction, now: Date, p: RecoveryPolicy = DEFAULT_RECOVERY_POLICY): RecoveryDecision {
  if (!r) return { ok: false, error: 'not_found', message: 'no such recovery request' }
  const requestExpired = r.status === 'requested' && now.getTime() - r.createdAt.getTime() > p.requestTtlMs
  const linkExpired = r.status === 'approved' && r.linkExpiresAt !== null && r.linkExpiresAt.getTime() <= now.getTime()
  if (a.kind === 'sweep') return requestExpired || linkExpired ? { ok: true, next: 'expired' } : { ok: false, error: 'already_active', message: 'still valid' }
  if (a.kind === 'decide') {
    if (!a.actorIsAdmin) return { ok: false, error: 'forbidden', message: 'only an admin can decide a recovery request' }
    if (a.actorId === r.userId) return { ok: false, error: 'forbidden', message: 'an admin cannot decide their own recovery request; another admin must' }
    if (requestExpired) return { ok: false, error: 'flow_expired', message: 'this request expired before anyone decided it', expire: true }
    if (r.status !== 'requested') return { ok: false, error: 'already_active', message: `this request was already ${r.status}` }
    return { ok: true, next: a.approve ? 'approved' : 'denied' }
  }
  if (linkExpired) return { ok: false, error: 'flow_expired', message: 'this recovery link expired; file a new request', expire: true }
  if (r.status !== 'approved') return { ok: false, error: r.status === 'completed' ? 'already_active' : 'forbidden', message: r.status === 'completed' ? 'this recovery link was already used' : `this request is ${r.status}, not approved` }
  return { ok: true, next: 'completed' }
}
