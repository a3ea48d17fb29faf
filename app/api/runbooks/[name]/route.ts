import { loadRunbook } from '../../../_lib/alerts'
import { errorResponse } from '../../../_lib/collector-client'
import { consoleEnv } from '../../../_lib/env'
import { decodeSegment } from '../../../_lib/url-state'

export const dynamic = 'force-dynamic'

/** GET /api/runbooks/:name → {name, title, markdown} from the collector (dashboards/runbooks). */
export async function GET(_req: Request, ctx: { params: Promise<{ name: string }> }): Promise<Response> {
  try {
    const { name } = await ctx.params
    const res = await loadRunbook(decodeSegment(name), { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
