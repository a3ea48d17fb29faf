import { errorResponse } from '../../../_lib/collector-client'
import { consoleEnv } from '../../../_lib/env'
import { expireSilence } from '../../../_lib/silences'
import { decodeSegment } from '../../../_lib/url-state'

export const dynamic = 'force-dynamic'

/** DELETE /api/silences/:id expires the silence now → {id, state: 'expired'}. */
export async function DELETE(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const { id } = await ctx.params
    const res = await expireSilence(decodeSegment(id), { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
