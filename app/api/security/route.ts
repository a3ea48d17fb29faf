import type { NextRequest } from 'next/server'
import { errorResponse } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadSecurity } from '../../_lib/security'
import { authorize } from '../../_lib/auth/guard'

// Live data: never prerendered or cached.
export const dynamic = 'force-dynamic'

export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'security.read', action: 'security.read' })
    if (!auth.ok) return auth.response
    const env = consoleEnv()
    const view = await loadSecurity(req.nextUrl.searchParams, auth.deps, new Date(), env.IDP_URL)
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
