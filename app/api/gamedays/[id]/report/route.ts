import type { NextRequest } from 'next/server'
import { errorResponse } from '../../../../_lib/collector-client'
import { consoleEnv } from '../../../../_lib/env'
import { loadReportFile, reportFormat } from '../../../../_lib/gamedays'
import { decodeSegment } from '../../../../_lib/url-state'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays/:id/report?format=md|json: the game day's report as a download. */
export async function GET(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const { id } = await ctx.params
    const format = reportFormat(req.nextUrl.searchParams.get('format'))
    const file = await loadReportFile(decodeSegment(id), format, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return new Response(file.body, { headers: { 'content-type': file.type, 'content-disposition': `attachment; filename="${file.filename}"`, 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
