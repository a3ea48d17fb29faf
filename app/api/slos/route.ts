import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadSlos } from '../../_lib/slos'

export const dynamic = 'force-dynamic'

/** GET /api/slos: every SLO with its SLI, budget, burn rates and attribution (over its own window). */
export async function GET(): Promise<Response> {
  try {
    const view = await loadSlos({ baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
