import type { TrustedDevices } from '../login/trusted'
import { TRUSTED_COOKIE } from '../login/trusted'
import { cookie } from './io'
import type { Exchange } from './types'

/** Cookies of a finished login: the new session, and the remembered device when asked for. */
export async function loginCookies(x: Exchange, userId: string, remember: boolean, trusted: TrustedDevices, secure: () => boolean): Promise<string[]> {
  const out = [await x.signIn(userId, true)]
  if (remember) {
    const t = await trusted.remember(userId)
    out.push(cookie(TRUSTED_COOKIE, t.token, { maxAgeSeconds: t.maxAgeSeconds, secure: secure() }))
  }
  return out
}

