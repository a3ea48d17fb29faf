import type { Permission } from '../../../contract/access'

/**
 * What each console page needs. Pages not listed need dashboards.read. Read by the middleware
 * (a page the role may not see renders the refusal page) and by the Nav (which hides it).
 */
export const PAGE_PERMISSIONS: readonly { prefix: string; permission: Permission }[] = [
  { prefix: '/security', permission: 'security.read' },
  { prefix: '/report', permission: 'security.read' },
  { prefix: '/audit', permission: 'audit.read' },
]

export function pagePermission(path: string): Permission {
  const hit = PAGE_PERMISSIONS.find((p) => path === p.prefix || path.startsWith(`${p.prefix}/`))
  return hit?.permission ?? 'dashboards.read'
}
