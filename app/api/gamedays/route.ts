import { errorResponse, jsonBody } from '../../_lib/collector-client'
import { consoleEnv } from '../../_lib/env'
import { loadGameDays, startGameDay } from '../../_lib/gamedays'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays: the scenarios (dashboards/gamedays/) and every game day, newest first. */
export async function GET(): Promise<Response> {
  try {
    const view = await loadGameDays({ baseUrl: consoleEnv().COLLECTOR_QUERY_URL }, new Date())
    return Response.json(view, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}

/**
 * POST /api/gamedays {scenario, dryRun?} → 201 {id}. JSON only: a cross-site form post cannot
 * send it without a preflight the console never allows, so no page elsewhere can start a drill.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    const body = await jsonBody(req)
    const started = await startGameDay(body, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(started, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
