import { errorResponse } from '../../../_lib/collector-client'
import { loadGameDay } from '../../../_lib/gamedays'
import { decodeSegment } from '../../../_lib/url-state'
import { authorize } from '../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays/:id: state, steps, guardrail readings, the SLOs' burn now, and the report when finished. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'gameday.read' })
    if (!auth.ok) return auth.response
    const { id } = await ctx.params
    const view = await loadGameDay(decodeSegment(id), auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
