import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { loadOncall } from '../../_lib/oncall'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/oncall?range=1h | from=ISO&to=ISO: active alerts and the on-call panels. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'oncall.read' })
    if (!auth.ok) return auth.response
    const view = await loadOncall(req.nextUrl.searchParams, auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
