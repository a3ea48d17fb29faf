import { errorResponse } from '../../../_lib/collector-client'
import { consoleEnv } from '../../../_lib/env'
import { loadGameDay } from '../../../_lib/gamedays'
import { decodeSegment } from '../../../_lib/url-state'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays/:id: state, steps, guardrail readings, the SLOs' burn now, and the report when finished. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const { id } = await ctx.params
    const view = await loadGameDay(decodeSegment(id), { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
