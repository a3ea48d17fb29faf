import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { checkCollector } from '../../_lib/health'

export const dynamic = 'force-dynamic'

/** GET /api/health: the console is up; `status` says whether the collector answers /healthz. */
export async function GET(): Promise<Response> {
  try {
    const health = await checkCollector({ baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(health, { status: health.status === 'up' ? 200 : 503, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
