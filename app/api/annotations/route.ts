import type { NextRequest } from 'next/server'
import { loadAnnotations } from '../../_lib/annotations'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'

export const dynamic = 'force-dynamic'

/** GET /api/annotations?from=ISO&to=ISO: drill periods (game days) for the charts' shaded bands. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const view = await loadAnnotations(req.nextUrl.searchParams, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
