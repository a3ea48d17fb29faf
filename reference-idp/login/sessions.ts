import { createHash, randomBytes } from 'node:crypto'
import type { Repo } from '../store/repo'

export const SESSION_COOKIE = 'fw_session'

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/**
 * Opaque, revocable sessions: the cookie holds 256 random bits, the store only their SHA-256,
 * so a leaked table does not leak sessions. A new id is issued on every login (rotation).
 */
export function createSessions(repo: Repo, ttlSeconds: number, now: () => Date, onRevokedReuse: () => void) {
  return {
    ttlSeconds,
    /** `mfa`: the sign-in just passed a second factor (step-up freshness starts now). */
    async create(userId: string, mfa: boolean): Promise<string> {
      const token = randomBytes(32).toString('base64url')
      await repo.insertSession(hashToken(token), userId, new Date(now().getTime() + ttlSeconds * 1000), mfa ? now() : null)
      return token
    },
    /** The user of a live session, or undefined; reuse of a revoked session is counted and refused. */
    async session(token: string | undefined): Promise<{ userId: string; mfaAt: Date | null } | undefined> {
      if (!token || token.length > 100) return undefined
      const s = await repo.sessionUser(hashToken(token), now())
      if (!s) return undefined
      if (s.revoked) {
        onRevokedReuse()
        return undefined
      }
      return { userId: s.user_id, mfaAt: s.mfa_at }
    },
    async revoke(token: string | undefined): Promise<void> {
      if (token && token.length <= 100) await repo.revokeSession(hashToken(token))
    },
  }
}
export type Sessions = ReturnType<typeof createSessions>
