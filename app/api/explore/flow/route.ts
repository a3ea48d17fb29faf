import type { NextRequest } from 'next/server'
import { errorResponse } from '../../../_lib/collector-client'
import { loadFlow } from '../../../_lib/security'
import { authorize } from '../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/explore/flow?flow=ID: one flow's events and spans. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'explore.flow' })
    if (!auth.ok) return auth.response
    return Response.json(await loadFlow(req.nextUrl.searchParams, auth.deps), { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
