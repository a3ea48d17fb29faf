import type { NextRequest } from 'next/server'
import { AuditPage } from '../../../contract/access'
import { errorResponse, getFromCollector } from '../../_lib/collector-client'
import { authorize } from '../../_lib/auth/guard'
import { parseAuditQuery } from './params'

export const dynamic = 'force-dynamic'

/**
 * GET /api/audit?range=|from=&to=&action=&actor=&result=&before=&limit= → the collector's audit
 * log, newest first, one page (`next` for the following one), and the window it covers.
 * Only roles with audit.read (security and stronger).
 */
export async function GET(req: NextRequest): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'audit.read', action: 'audit.read' })
    if (!auth.ok) return auth.response
    const q = parseAuditQuery(req.nextUrl.searchParams, new Date())
    if (!q.ok) return Response.json({ error: { code: 'invalid_parameter', ...q.error } }, { status: 400, headers: { 'cache-control': 'no-store' } })
    const page = await getFromCollector(auth.deps, '/api/v1/audit', q.value.params, AuditPage)
    return Response.json({ ...page, window: q.value.window }, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
