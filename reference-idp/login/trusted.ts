import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { Client } from '../../contract'
import type { Db } from '../store/db'

export const TRUSTED_COOKIE = 'fw_trusted'
export const DEVICE_COOKIE = 'fw_device'

/**
 * "Remember this device": a cookie `id.expiry.mac` whose MAC covers the user id, so a cookie
 * only ever vouches for the account it was issued to, and a row per device so it can be
 * revoked. Pure token functions; the store functions below take the Db.
 */
export function mintToken(id: string, userId: string, expiresAt: Date, mac: (v: string) => string): string {
  const exp = Math.floor(expiresAt.getTime() / 1000)
  return `${id}.${exp}.${mac(`${id}.${exp}.${userId}`)}`
}

export type TokenCheck = { ok: true; id: string } | { ok: false; reason: 'malformed' | 'other_account' | 'expired' }

export function checkToken(token: string | undefined, userId: string, now: Date, mac: (v: string) => string): TokenCheck | undefined {
  if (!token) return undefined
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([0-9a-f]{64})$/.exec(token)
  if (!m) return { ok: false, reason: 'malformed' }
  const expected = Buffer.from(mac(`${m[1]}.${m[2]}.${userId}`))
  if (!timingSafeEqual(expected, Buffer.from(m[3]))) return { ok: false, reason: 'other_account' }
  if (Number(m[2]) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' }
  return { ok: true, id: m[1] }
}

/**
 * Whether a finished sign-in should be told to the owner (ASVS 2.2.3: "logging in from unknown or
 * risky locations"): the account signed in before, but never from this device, or the sign-in's
 * risk was high. The very first sign-in (right after sign-up) is not news. Pure.
 */
export function unfamiliarSignIn(priorSignIns: number, fromThisDevice: number, risk: string | undefined): boolean {
  return priorSignIns > 0 && (fromThisDevice === 0 || risk === 'high')
}

/** Told of each unfamiliar sign-in (the owner gets a notice). */
export type OnUnfamiliarSignIn = (userId: string, about: { country?: string; client?: Client }) => Promise<void>

export function createTrustedDevices(db: Db, mac: (v: string) => string, days: number, now: () => Date, onUnfamiliar?: OnUnfamiliarSignIn) {
  return {
    days,
    async remember(userId: string): Promise<{ token: string; maxAgeSeconds: number }> {
      const id = randomUUID()
      const expiresAt = new Date(now().getTime() + days * 86_400_000)
      await db.query('INSERT INTO trusted_devices (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [id, userId, now(), expiresAt])
      return { token: mintToken(id, userId, expiresAt, mac), maxAgeSeconds: days * 86_400 }
    },
    /** The device row behind a valid cookie for this user, or why there is none. */
    async check(token: string | undefined, userId: string): Promise<TokenCheck | undefined> {
      const t = checkToken(token, userId, now(), mac)
      if (!t?.ok) return t
      const live = await db.query("UPDATE trusted_devices SET last_used_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 RETURNING id", [t.id, userId, now()])
      return live.length ? t : { ok: false, reason: 'expired' }
    },
    list: (userId: string) => db.query<{ id: string; created_at: Date; expires_at: Date; last_used_at: Date | null }>('SELECT id, created_at, expires_at, last_used_at FROM trusted_devices WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at', [userId, now()]),
    async revoke(userId: string, id?: string): Promise<number> {
      const rows = id
        ? await db.query('UPDATE trusted_devices SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [userId, id, now()])
        : await db.query('UPDATE trusted_devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, now()])
      return rows.length
    },
    async recordLogin(userId: string, country: string | undefined, deviceId: string | undefined, risk: string | undefined, client?: Client): Promise<void> {
      if (onUnfamiliar) {
        const [h] = await db.query<{ n: number; same: number }>('SELECT count(*) AS n, count(*) FILTER (WHERE device_id = $2) AS same FROM login_history WHERE user_id = $1', [userId, deviceId ?? null])
        if (unfamiliarSignIn(Number(h?.n ?? 0), Number(h?.same ?? 0), risk)) await onUnfamiliar(userId, { country, client })
      }
      await db.query('INSERT INTO login_history (user_id, at, country, device_id, risk_level) VALUES ($1, $2, $3, $4, $5)', [userId, now(), country ?? null, deviceId ?? null, risk ?? null])
    },
    async recent(userId: string, limit: number, deviceId: string | undefined) {
      const rows = await db.query<{ at: Date; country: string | null }>('SELECT at, country FROM login_history WHERE user_id = $1 ORDER BY at DESC LIMIT $2', [userId, limit])
      const known = deviceId ? (await db.query('SELECT 1 FROM login_history WHERE user_id = $1 AND device_id = $2 LIMIT 1', [userId, deviceId])).length > 0 : false
      return { recent: rows.map((r) => ({ at: new Date(r.at), country: r.country })), deviceKnown: known }
    },
  }
}
export type TrustedDevices = ReturnType<typeof createTrustedDevices>
