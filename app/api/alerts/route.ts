import type { NextRequest } from 'next/server'
import { loadAlerts } from '../../_lib/alerts'
import { errorResponse } from '../../_lib/collector-client'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/alerts?range=24h | from=ISO&to=ISO: rules and state, transitions in the range, silences. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'alerts.read' })
    if (!auth.ok) return auth.response
    const view = await loadAlerts(req.nextUrl.searchParams, auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
