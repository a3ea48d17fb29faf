import { createHash, randomBytes } from 'node:crypto'
import type { Repo } from '../store/repo'
import { createSessionRepo } from '../store/session-repo'
import { deviceLabel } from './session-label'

export const SESSION_COOKIE = 'fw_session'

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/**
 * Opaque, revocable sessions: the cookie holds 256 random bits, the store only their SHA-256,
 * so a leaked table does not leak sessions. A new id is issued on every login (rotation).
 */
/** Where a session was started from, for its owner's list: no address, only client, country and a device label. */
export interface SessionAbout { client?: string; country?: string; userAgent?: string }

/** A session's use is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000

/** Whether a session is over for being idle: last used longer ago than the limit (0 = no idle limit). Pure. */
export function idleExpired(lastSeen: Date | null, now: Date, idleSeconds: number): boolean {
  return idleSeconds > 0 && lastSeen !== null && now.getTime() - lastSeen.getTime() > idleSeconds * 1000
}

/**
 * `ttlSeconds` bounds a session however busy (12 h), `idleSeconds` ends one nobody used for that
 * long (30 min): NIST SP 800-63B's reauthentication rules for AAL2.
 */
export function createSessions(repo: Repo, ttlSeconds: number, now: () => Date, onRevokedReuse: (userId: string) => void, idleSeconds = 0) {
  const listed = createSessionRepo(repo.db)
  return {
    ttlSeconds,
    /** `mfa`: the sign-in just passed a second factor (step-up freshness starts now); a string names that factor. */
    async create(userId: string, mfa: boolean | string, about: SessionAbout = {}): Promise<string> {
      const token = randomBytes(32).toString('base64url')
      const at = now()
      const meta = { publicId: randomBytes(12).toString('base64url'), client: about.client, country: about.country, deviceLabel: deviceLabel(about.userAgent) }
      await repo.insertSession(hashToken(token), userId, new Date(at.getTime() + ttlSeconds * 1000), mfa ? at : null, at, typeof mfa === 'string' ? mfa : null, meta)
      return token
    },
    /** The user of a live session, or undefined; reuse of a revoked session is reported (`onRevoked`, per request) and refused. */
    async session(token: string | undefined, onRevoked: (userId: string) => void = onRevokedReuse): Promise<{ userId: string; mfaAt: Date | null; mfaFactor: string | null } | undefined> {
      if (!token || token.length > 100) return undefined
      const at = now()
      const s = await repo.sessionUser(hashToken(token), at)
      if (!s) return undefined
      if (s.revoked) {
        onRevoked(s.user_id)
        return undefined
      }
      if (idleExpired(s.last_seen_at, at, idleSeconds)) return undefined
      if (!s.last_seen_at || at.getTime() - s.last_seen_at.getTime() > TOUCH_EVERY_MS) await repo.touchSession(hashToken(token), at)
      return { userId: s.user_id, mfaAt: s.mfa_at, mfaFactor: s.mfa_factor ?? null }
    },
    async revoke(token: string | undefined): Promise<void> {
      if (token && token.length <= 100) await repo.revokeSession(hashToken(token))
    },
    /** The user's live sessions as they see them (ASVS 3.3.4): public id, when, client, country, device; `current` is `token`'s. */
    async list(userId: string, token: string | undefined) {
      const at = now()
      const rows = await listed.live(userId, hashToken(token ?? ''), at)
      return rows.filter((r) => !idleExpired(r.last_seen_at, at, idleSeconds)).map((r) => ({
        id: r.public_id, created_at: r.created_at, last_used_at: r.last_seen_at, client: r.client, country: r.country, device: r.device_label ?? 'Unknown device', current: r.current,
      }))
    },
    /** End one of the user's other sessions by its public id; false when it is not theirs, already over, or the current one. */
    revokeById: (userId: string, publicId: string, token: string | undefined) => listed.revokeOne(userId, publicId, hashToken(token ?? ''), now()),
    /** Sign out everywhere else: every session of the user but `token`'s; returns how many ended. */
    revokeOthers: (userId: string, token: string | undefined) => listed.revokeAllBut(userId, token ? hashToken(token) : null, now()),
  }
}
export type Sessions = ReturnType<typeof createSessions>
