import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { loadOverview } from '../../_lib/overview'
import { authorize } from '../../_lib/auth/guard'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

/** GET /api/overview?range=1h | from=ISO&to=ISO [&factor=&user_group=&provider=&region=&client=] */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'overview.read' })
    if (!auth.ok) return auth.response
    const overview = await loadOverview(req.nextUrl.searchParams, auth.deps, new Date())
    return Response.json(overview, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
