import type { NextRequest } from 'next/server'
import { errorResponse } from '../../../_lib/collector-client'
import { consoleEnv } from '../../../_lib/env'
import { loadFlow } from '../../../_lib/security'

export const dynamic = 'force-dynamic'

/** GET /api/explore/flow?flow=ID: one flow's events and spans. */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    return Response.json(await loadFlow(req.nextUrl.searchParams, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }), { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
