import { SilencesResponse } from '../../../contract/slo'
import { errorResponse, getFromCollector, jsonBody } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { createSilence } from '../../_lib/silences'

export const dynamic = 'force-dynamic'

/** GET /api/silences: the collector's silences, as it answers them. */
export async function GET(): Promise<Response> {
  try {
    const res = await getFromCollector({ baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, '/api/v1/silences', {}, SilencesResponse)
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
    const body = await jsonBody(req)
    const created = await createSilence(body, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(created, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
