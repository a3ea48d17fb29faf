import { errorResponse } from '../../../_lib/collector-client'
import { expireSilence } from '../../../_lib/silences'
import { decodeSegment } from '../../../_lib/url-state'
import { authorize } from '../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** DELETE /api/silences/:id expires the silence now → {id, state: 'expired'}. */
export async function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'silences.write', action: 'silence.expire', dangerous: true })
    if (!auth.ok) return auth.response
    const { id } = await ctx.params
    const res = await expireSilence(decodeSegment(id), auth.deps)
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
