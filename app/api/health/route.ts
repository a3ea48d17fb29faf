import { errorResponse } from '../../_lib/collector-client'
import { checkCollector } from '../../_lib/health'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/health: the console is up; `status` says whether the collector answers /healthz. */
export async function GET(req: Request): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'health.read' })
    if (!auth.ok) return auth.response
    const health = await checkCollector(auth.deps)
    return Response.json(health, { status: health.status === 'up' ? 200 : 503, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
