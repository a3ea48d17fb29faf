import { errorResponse, jsonBody } from '../../_lib/collector-client'
import { loadGameDays, startGameDay } from '../../_lib/gamedays'
import { authorize } from '../../_lib/auth/guard'

export const dynamic = 'force-dynamic'

/** GET /api/gamedays: the scenarios (dashboards/gamedays/) and every game day, newest first. */
export async function GET(req: Request): Promise<Response> {
  try {
    const auth = await authorize(req, { permission: 'dashboards.read', action: 'gamedays.read' })
    if (!auth.ok) return auth.response
    const view = await loadGameDays(auth.deps, new Date())
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
    const auth = await authorize(req, { permission: 'gamedays.write', action: 'gameday.start', dangerous: true })
    if (!auth.ok) return auth.response
    const body = await jsonBody(req)
    const started = await startGameDay(body, auth.deps)
    return Response.json(started, { status: 201, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    return errorResponse(err)
  }
}
