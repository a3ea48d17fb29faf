import { sendJson } from './http/io'
import { route, routeTable } from './http/route-table'
import type { Exchange, Route } from './http/types'
import type { GroupCounts } from './login/snapshot'

/** The enrollment snapshot on demand (it also runs on a timer, reference-idp/timers.ts). */
export const SNAPSHOT_ROUTES = routeTable({
  adminEnrollmentSnapshot: {
    method: 'POST', path: '/api/v1/admin/enrollment-snapshot', kind: 'api',
    docs: { summary: 'Emit the enrollment snapshot now and return its counts (admins)', ok: [200, '`{groups: [...]}`'], errors: ['unauthenticated', 'forbidden'], session: true },
  },
})

/** Admins ask for the enrollment snapshot (coverage, M8) now and get its counts. */
export function snapshotRoutes(requireAdmin: (x: Exchange, action: string) => Promise<string>, snapshot: () => Promise<GroupCounts[]>): Route[] {
  return [
    route(SNAPSHOT_ROUTES.adminEnrollmentSnapshot, async (x) => {
      await requireAdmin(x, 'requesting an enrollment snapshot')
      sendJson(x.res, 200, { groups: await snapshot() })
    }),
  ]
}
