import { loadRunbook } from '../../../_lib/alerts'
import { errorResponse } from '../../../_lib/collector-client'
import { decodeSegment } from '../../../_lib/url-state'
import { authorize } from '../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/runbooks/:name → {name, title, markdown} from the collector (dashboards/runbooks). */
export async function GET(req: Request, ctx: { params: Promise<{ name: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'runbook.read' })
    if (!auth.ok) return auth.response
    const { name } = await ctx.params
    const res = await loadRunbook(decodeSegment(name), auth.deps)
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
