import { errorResponse, jsonBody } from '../../../../_lib/collector-client'
import { abortGameDay } from '../../../../_lib/gamedays'
import { decodeSegment } from '../../../../_lib/url-state'
import { authorize } from '../../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** POST /api/gamedays/:id/abort (JSON, like every write): stop the drill and revert every fault now. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'gamedays.write', action: 'gameday.abort', dangerous: true })
    if (!auth.ok) return auth.response
    await jsonBody(req)
    const { id } = await ctx.params
    const res = await abortGameDay(decodeSegment(id), auth.deps)
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
