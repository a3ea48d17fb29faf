import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { readRegistry } from '../../_lib/registry-source'
import { loadSubprocessors } from '../../_lib/subprocessors'
import { authorize } from '../../_lib/auth/guard'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

/** GET /api/subprocessors?range=1h | from=ISO&to=ISO [&channel=&region=] */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'subprocessors.read' })
    if (!auth.ok) return auth.response
    const env = consoleEnv()
    const view = await loadSubprocessors(req.nextUrl.searchParams, auth.deps, () => readRegistry(env.SUBPROCESSOR_REGISTRY), new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
