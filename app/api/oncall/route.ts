import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadOncall } from '../../_lib/oncall'

export const dynamic = 'force-dynamic'

/** GET /api/oncall?range=1h | from=ISO&to=ISO: active alerts and the on-call panels. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const view = await loadOncall(req.nextUrl.searchParams, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
