import { errorResponse } from '../../_lib/collector-client'
import { loadSlos } from '../../_lib/slos'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/slos: every SLO with its SLI, budget, burn rates and attribution (over its own window). */
export async function GET(req: Request): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'slos.read' })
    if (!auth.ok) return auth.response
    const view = await loadSlos(auth.deps, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
