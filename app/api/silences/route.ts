import { SilencesResponse } from '../../../contract/slo'
import { errorResponse, getFromCollector, jsonBody } from '../../_lib/collector-client'
import { createSilence } from '../../_lib/silences'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/silences: the collector's silences, as it answers them. */
export async function GET(req: Request): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'silences.read' })
    if (!auth.ok) return auth.response
    const res = await getFromCollector(auth.deps, '/api/v1/silences', {}, SilencesResponse)
    return Response.json(res, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}

/**
 * POST /api/silences {matchers: 'name="v", …', durationMinutes, comment, createdBy} → 201 {id}.
 * JSON only: a cross-site form post cannot send it without a preflight the console never allows.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'silences.write', action: 'silence.create', dangerous: true })
    if (!auth.ok) return auth.response
    const body = await jsonBody(req)
    const created = await createSilence(body, auth.deps, new Date())
    return Response.json(created, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
