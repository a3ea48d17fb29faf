import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadExplore } from '../../_lib/security'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

export async function GET(req: NextRequest): Promise<Response> {
  try {
    const view = await loadExplore(req.nextUrl.searchParams, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
