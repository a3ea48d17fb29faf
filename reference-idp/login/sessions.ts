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
    async create(userId: string): Promise<string> {
      const token = randomBytes(32).toString('base64url')
      await repo.insertSession(hashToken(token), userId, new Date(now().getTime() + ttlSeconds * 1000))
      return token
    },
    /** The user of a live session, or undefined; reuse of a revoked session is counted and refused. */
    async user(token: string | undefined): Promise<string | undefined> {
      if (!token || token.length > 100) return undefined
      const s = await repo.sessionUser(hashToken(token), now())
      if (!s) return undefined
      if (s.revoked) {
        onRevokedReuse()
        return undefined
      }
      return s.user_id
    },
    async revoke(token: string | undefined): Promise<void> {
      if (token && token.length <= 100) await repo.revokeSession(hashToken(token))
    },
  }
}
export type Sessions = ReturnType<typeof createSessions>
