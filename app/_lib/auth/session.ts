import { EncryptJWT, jwtDecrypt } from 'jose'
import { ROLES, type Role } from '../../../contract/access'

/**
 * The console's session: an encrypted cookie (JWE, dir + A256GCM) the server alone can read or
 * write. It holds the user as an HMAC hash (never the raw subject or an e-mail), the display name
 * if the provider gave one, the role, how the user authenticated (amr, acr, auth_time) and when
 * the session ends. Edge-safe (jose + Web Crypto): the middleware opens it too.
 */
export interface Session {
  /** HMAC-SHA256 of issuer + subject, hex, 32 characters. */
  user: string
  name?: string
  role: Role
  amr: string[]
  acr?: string
  /** Unix seconds of the last authentication at the provider (the second factor's age). */
  authTime: number
  /** Unix seconds at which the session ends. */
  exp: number
}

export const SESSION_COOKIE = 'factorwatch_session'
/** State, nonce, PKCE verifier and where to return, between /auth/login and /auth/callback. */
export const FLOW_COOKIE = 'factorwatch_oidc'
/** A sign-in at the provider has this long to come back. */
export const FLOW_MAX_AGE_S = 600
/**
 * The ID token, sealed on its own, only to ask the provider to end its session at sign-out
 * (id_token_hint). It names the raw subject, so the session itself never carries it; nothing
 * but /auth/logout opens it, and it is too large to share the session cookie's 4 KB anyway.
 */
export const LOGOUT_COOKIE = 'factorwatch_logout'

/** `__Host-` prefixed when served over https: then the cookie is Secure, host-only, path /. */
export const cookieName = (base: string, secure: boolean) => (secure ? `__Host-${base}` : base)

/** Set-Cookie attributes: HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), Secure on https. */
export function cookieAttributes(secure: boolean, maxAgeS: number): { httpOnly: true; sameSite: 'lax'; secure: boolean; path: '/'; maxAge: number } {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: maxAgeS }
}

export function setCookieHeader(name: string, value: string, secure: boolean, maxAgeS: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}

export const clearCookieHeader = (name: string, secure: boolean) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`

const keys = new Map<string, Promise<Uint8Array>>()

/** A 256-bit key derived from the secret and a purpose, so one secret seals two kinds of cookie. */
export function deriveKey(secret: string, purpose: string): Promise<Uint8Array> {
  const id = `${purpose}\u0000${secret}`
  let key = keys.get(id)
  if (!key) {
    key = crypto.subtle.digest('SHA-256', new TextEncoder().encode(`factorwatch ${purpose}\u0000${secret}`)).then((b) => new Uint8Array(b))
    keys.set(id, key)
  }
  return key
}

/** Seal `payload` for `ttlS` seconds from `nowS` under the secret's `purpose` key. */
export async function seal(payload: Record<string, unknown>, secret: string, purpose: string, nowS: number, ttlS: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ttlS)
    .setAudience(`factorwatch:${purpose}`)
    .encrypt(await deriveKey(secret, purpose))
}

/** The payload, or null when the value was tampered with, sealed for another purpose, or has expired at `nowS`. */
export async function unseal(value: string | undefined, secret: string, purpose: string, nowS: number): Promise<Record<string, unknown> | null> {
  if (!value || value.length > 8192) return null
  try {
    const { payload } = await jwtDecrypt(value, await deriveKey(secret, purpose), {
      audience: `factorwatch:${purpose}`,
      currentDate: new Date(nowS * 1000),
      contentEncryptionAlgorithms: ['A256GCM'],
      keyManagementAlgorithms: ['dir'],
      clockTolerance: 0,
    })
    return payload as Record<string, unknown>
  } catch {
    return null
  }
}

export async function sealSession(s: Session, secret: string, nowS: number): Promise<string> {
  const ttl = Math.max(1, s.exp - nowS)
  return seal({ u: s.user, n: s.name, r: s.role, amr: s.amr, acr: s.acr, at: s.authTime }, secret, 'session', nowS, ttl)
}

/** The session in a cookie value, or null (tampered, expired, unknown role). */
export async function openSession(value: string | undefined, secret: string, nowS: number): Promise<Session | null> {
  const p = await unseal(value, secret, 'session', nowS)
  if (!p) return null
  if (typeof p.u !== 'string' || typeof p.r !== 'string' || !(ROLES as readonly string[]).includes(p.r) || typeof p.at !== 'number' || typeof p.exp !== 'number') return null
  return {
    user: p.u,
    name: typeof p.n === 'string' ? p.n : undefined,
    role: p.r as Role,
    amr: Array.isArray(p.amr) ? p.amr.filter((x): x is string => typeof x === 'string') : [],
    acr: typeof p.acr === 'string' ? p.acr : undefined,
    authTime: p.at,
    exp: p.exp,
  }
}

/** Read one cookie from a Cookie header. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Whether the second factor is recent enough for a dangerous action. */
export const freshEnough = (s: Pick<Session, 'authTime'>, nowS: number, maxAgeS: number) => nowS - s.authTime <= maxAgeS

/** What the header shows: the display name, or the hash's first 8 characters. */
export const displayName = (s: Pick<Session, 'name' | 'user'>) => s.name || `user ${s.user.slice(0, 8)}`
