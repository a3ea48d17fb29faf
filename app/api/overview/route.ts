import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadOverview } from '../../_lib/overview'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

/** GET /api/overview?range=1h | from=ISO&to=ISO [&factor=&user_group=&provider=&region=&client=] */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const overview = await loadOverview(req.nextUrl.searchParams, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(overview, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
