import { SilencesResponse } from '../../../contract/slo'
import { ConsoleError, errorResponse, getFromCollector } from '../../_lib/collector-client'
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
    if (!(req.headers.get('content-type') ?? '').startsWith('application/json')) {
      throw new ConsoleError('invalid_parameter', `expected a JSON body (content-type application/json), got "${req.headers.get('content-type') ?? 'none'}"`, 'content-type')
    }
    const body = await req.json().catch(() => {
      throw new ConsoleError('invalid_parameter', 'the body is not valid JSON', 'body')
    })
    const created = await createSilence(body, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(created, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
