import type { NextRequest } from 'next/server'
import { errorResponse } from '../../../_lib/collector-client'
import { consoleEnv } from '../../../_lib/env'
import { readRegistry } from '../../../_lib/registry-source'
import { loadVendor } from '../../../_lib/subprocessors'
import { decodeSegment } from '../../../_lib/url-state'
import { authorize } from '../../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/subprocessors/:vendor?range=1h | from=ISO&to=ISO [&channel=&region=] */
export async function GET(req: NextRequest, ctx: { params: Promise<{ vendor: string }> }): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'subprocessor.read' })
    if (!auth.ok) return auth.response
    const env = consoleEnv()
    const { vendor } = await ctx.params
    const view = await loadVendor(decodeSegment(vendor), req.nextUrl.searchParams, auth.deps, () => readRegistry(env.SUBPROCESSOR_REGISTRY), new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
