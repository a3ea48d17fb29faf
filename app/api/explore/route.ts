import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { loadExplore } from '../../_lib/security'
import { authorize } from '../../_lib/auth/guard'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'explore.read' })
    if (!auth.ok) return auth.response
    const view = await loadExplore(req.nextUrl.searchParams, auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
