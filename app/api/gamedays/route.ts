import { ConsoleError, errorResponse } from '../../_lib/collector-client'
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
    if (!(req.headers.get('content-type') ?? '').startsWith('application/json')) {
      throw new ConsoleError('invalid_parameter', `expected a JSON body (content-type application/json), got "${req.headers.get('content-type') ?? 'none'}"`, 'content-type')
    }
    const body = await req.json().catch(() => {
      throw new ConsoleError('invalid_parameter', 'the body is not valid JSON', 'body')
    })
    const started = await startGameDay(body, { baseUrl: consoleEnv().COLLECTOR_QUERY_URL })
    return Response.json(started, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
