import { ACTOR_HEADERS, type Role } from '../../../contract/access'

/**
 * Who a console request acts for, as the collector is told: the user's hash, role, address and
 * the console's request id (ACTOR_HEADERS), with the console's own token when one is set.
 * Edge-safe.
 */
/** The actor in local mode (no sign-in): shaped like a hash so the collector's actor check takes it. */
export const LOCAL_ACTOR = 'local-mode-admin'

export interface Actor {
  /** HMAC hash of the user, or LOCAL_ACTOR in local mode. */
  user: string
  role: Role
  sourceIp: string
  requestId: string
}

export function collectorHeaders(actor: Pick<Actor, 'user' | 'sourceIp' | 'requestId'> & { role: string }, token: string | undefined): Record<string, string> {
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    [ACTOR_HEADERS.actor]: actor.user,
    [ACTOR_HEADERS.role]: actor.role,
    [ACTOR_HEADERS.sourceIp]: actor.sourceIp,
    [ACTOR_HEADERS.requestId]: actor.requestId,
  }
}

/** The client's address as the console saw it (the first X-Forwarded-For hop Next.js or a proxy set). */
export function sourceIpOf(headers: Headers): string {
  const fwd = headers.get('x-forwarded-for')?.split(',')[0]?.trim() || headers.get('x-real-ip')?.trim() || ''
  return fwd.replace(/^::ffff:/, '').slice(0, 64) || 'unknown'
}

export const newRequestId = () => crypto.randomUUID()
