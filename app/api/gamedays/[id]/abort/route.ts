import { errorResponse, jsonBody } from '../../../../_lib/collector-client'
import { consoleEnv } from '../../../../_lib/env'
import { abortGameDay } from '../../../../_lib/gamedays'
import { decodeSegment } from '../../../../_lib/url-state'

export const dynamic = 'force-dynamic'

/** POST /api/gamedays/:id/abort (JSON, like every write): stop the drill and revert every fault now. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    await jsonBody(req)
    const { id } = await ctx.params
    const res = await abortGameDay(decodeSegment(id), { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
