import type { NextRequest } from 'next/server'
import { errorResponse } from '../../../../_lib/collector-client'
import { loadReportFile, reportFormat } from '../../../../_lib/gamedays'
import { decodeSegment } from '../../../../_lib/url-state'
import { authorize } from '../../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays/:id/report?format=md|json: the game day's report as a download. */
export async function GET(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'gameday.report' })
    if (!auth.ok) return auth.response
    const { id } = await ctx.params
    const format = reportFormat(req.nextUrl.searchParams.get('format'))
    const file = await loadReportFile(decodeSegment(id), format, auth.deps)
    return new Response(file.body, { headers: { 'content-type': file.type, 'content-disposition': `attachment; filename="${file.filename}"`, 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
