import { cookies, headers } from 'next/headers'
import { can, weakestRoleFor, type Permission, type Role } from '../../../contract/access'
import type { CollectorDeps } from '../collector-client'
import { authConfig, consoleEnv, type AuthConfig } from '../env'
import { collectorHeaders, LOCAL_ACTOR, newRequestId, sourceIpOf } from './actor'
import { cookieName, displayName, openSession, SESSION_COOKIE, type Session } from './session'

/**
 * The signed-in user as server components see it (layout, pages that read the collector
 * themselves). The middleware has already sent anyone without a session to sign in.
 */
export interface Viewer {
  mode: AuthConfig['mode']
  role: Role
  /** Display name, or the hash's first characters. */
  label: string
  user: string
  session: Session | null
}

/** null: no valid session (only the /auth pages render without one), or the sign-in settings are wrong. */
export async function currentViewer(): Promise<Viewer | null> {
  // Read the request first: every page depends on who asks, so none may be prerendered at build time.
  const jar = await cookies()
  let config: AuthConfig
  try {
    config = authConfig()
  } catch {
    return null
  }
  if (config.mode === 'local') return { mode: 'local', role: 'admin', label: 'local admin', user: LOCAL_ACTOR, session: null }
  const session = await openSession(jar.get(cookieName(SESSION_COOKIE, config.secure))?.value, config.sessionSecret, Math.floor(Date.now() / 1000))
  if (!session) return null
  return { mode: 'oidc', role: session.role, label: displayName(session), user: session.user, session }
}

/** Collector dependencies that forward this viewer (for a page that reads the collector server-side). */
export async function viewerDeps(viewer: Viewer): Promise<CollectorDeps> {
  const config = authConfig()
  return { baseUrl: consoleEnv().COLLECTOR_QUERY_URL, headers: collectorHeaders({ user: viewer.user, role: viewer.role, sourceIp: sourceIpOf(await headers()), requestId: newRequestId() }, config.collectorToken) }
}

/** Whether the viewer's role holds `permission`, and the role to ask for when not. */
export function pageAccess(viewer: Viewer | null, permission: Permission): { ok: boolean; need: Role } {
  return { ok: viewer !== null && can(viewer.role, permission), need: weakestRoleFor(permission) }
}
