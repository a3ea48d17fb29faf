import type { NextRequest } from 'next/server'
import { loadAnnotations } from '../../_lib/annotations'
import { errorResponse } from '../../_lib/collector-client'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/annotations?from=ISO&to=ISO: drill periods (game days) for the charts' shaded bands. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'annotations.read' })
    if (!auth.ok) return auth.response
    const view = await loadAnnotations(req.nextUrl.searchParams, auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
