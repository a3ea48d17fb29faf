import type { Db } from './db'
import type { FailureRun } from '../login/password-throttle'
import type { GuessLocks } from '../login/policy'

/** Counts and locks against guessing per account: wrong passwords, wrong codes, unknown-device locks (migration 0017). */
export function createGuessRepo(db: Db) {
  const num = (v: unknown) => Number(v ?? 0)
  return {
    /** The current run of wrong passwords for an account from one class of device. */
    async passwordRun(accountKey: string, known: boolean): Promise<FailureRun> {
      const [r] = await db.query<{ failures: number; last_failed_at: Date }>('SELECT failures, last_failed_at FROM password_failures WHERE account_key = $1 AND known = $2', [accountKey, known])
      return r ? { count: num(r.failures), lastAt: new Date(r.last_failed_at) } : { count: 0, lastAt: null }
    },
    /** Add a wrong password to the run (a run last added to before `forgetBefore` starts over); returns its length. */
    async addPasswordFailure(accountKey: string, known: boolean, now: Date, forgetBefore: Date): Promise<number> {
      const [r] = await db.query<{ failures: number }>(
        `INSERT INTO password_failures (account_key, known, failures, last_failed_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (account_key, known) DO UPDATE SET failures = CASE WHEN password_failures.last_failed_at < $4 THEN 1 ELSE password_failures.failures + 1 END, last_failed_at = $3
         RETURNING failures`, [accountKey, known, now, forgetBefore])
      return num(r?.failures)
    },
    /** Forget runs last added to before `before` (they count for nothing any more); returns how many. */
    async prunePasswordFailures(before: Date): Promise<number> {
      return (await db.query('DELETE FROM password_failures WHERE last_failed_at < $1 RETURNING account_key', [before])).length
    },
    /** The right password ends the run of its class of device (the owner signing in does not give a guesser elsewhere a fresh start). */
    async clearPasswordFailures(accountKey: string, known: boolean): Promise<void> {
      await db.query('DELETE FROM password_failures WHERE account_key = $1 AND known = $2', [accountKey, known])
    },

    /** Whether this browser finished a sign-in to the account before. */
    async deviceSignedInBefore(userId: string, deviceId: string | undefined | null): Promise<boolean> {
      if (!deviceId) return false
      return (await db.query('SELECT 1 FROM login_history WHERE user_id = $1 AND device_id = $2 LIMIT 1', [userId, deviceId])).length > 0
    },

    async addCodeFailure(userId: string, known: boolean, at: Date): Promise<void> {
      await db.query('INSERT INTO code_failures (user_id, known, at) VALUES ($1, $2, $3)', [userId, known, at])
    },
    async codeFailuresSince(userId: string, known: boolean, since: Date): Promise<number> {
      const [r] = await db.query<{ n: number }>('SELECT count(*) AS n FROM code_failures WHERE user_id = $1 AND known = $2 AND at >= $3', [userId, known, since])
      return num(r?.n)
    },
    /** Forget wrong codes older than `before` (they count for nothing any more). */
    async pruneCodeFailures(userId: string, before: Date): Promise<void> {
      await db.query('DELETE FROM code_failures WHERE user_id = $1 AND at < $2', [userId, before])
    },

    /** The account's locks, with `lockedUntil` (all devices) as the caller read it from the user row. */
    async locks(userId: string, lockedUntil: Date | null): Promise<GuessLocks> {
      const [r] = await db.query<{ locked_until: Date | null; capped_at: Date | null }>('SELECT locked_until, capped_at FROM unknown_device_locks WHERE user_id = $1', [userId])
      return { lockedUntil: lockedUntil && new Date(lockedUntil), unknownLockedUntil: r?.locked_until ? new Date(r.locked_until) : null, unknownCapped: !!r?.capped_at }
    },
    async lockUnknown(userId: string, until: Date): Promise<void> {
      await db.query('INSERT INTO unknown_device_locks (user_id, locked_until) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET locked_until = $2', [userId, until])
    },
    async capUnknown(userId: string, at: Date): Promise<void> {
      await db.query('INSERT INTO unknown_device_locks (user_id, capped_at) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET capped_at = COALESCE(unknown_device_locks.capped_at, $2)', [userId, at])
    },
    /** Lift the unknown-device lock and cap and forget unknown devices' wrong codes; true when a lock or cap was in force. */
    async liftUnknown(userId: string, now: Date): Promise<boolean> {
      const gone = await db.query<{ locked_until: Date | null; capped_at: Date | null }>('DELETE FROM unknown_device_locks WHERE user_id = $1 RETURNING locked_until, capped_at', [userId])
      await db.query('DELETE FROM code_failures WHERE user_id = $1 AND known = false', [userId])
      return gone.some((r) => r.capped_at !== null || (r.locked_until !== null && new Date(r.locked_until).getTime() > now.getTime()))
    },
  }
}
export type GuessRepo = ReturnType<typeof createGuessRepo>
