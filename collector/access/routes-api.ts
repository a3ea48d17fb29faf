import { AccessRoutesResponse } from '../../contract/access'
import type { ExtraRoute } from '../query/server'

/**
 * GET /api/v1/access/routes: every mounted route with the permission it needs, read from the
 * server's live table (the console greys out what a role may not do; the access test walks it).
 */
export function accessRoutes(table: () => readonly ExtraRoute[]): ExtraRoute[] {
  return [{
    method: 'GET', path: '/api/v1/access/routes', permission: 'dashboards.read',
    handle: async () => ({ status: 200, body: AccessRoutesResponse.parse({
      routes: table().map((r) => ({ method: r.method, path: r.path, permission: r.permission, ...(r.consoleOnly ? { console_only: true } : {}) })),
    }) }),
    docs: { summary: 'Every route of this API with the permission it needs (contract/access.ts)', responses: { 200: ['OK', AccessRoutesResponse] } },
  }]
}
