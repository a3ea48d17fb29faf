import { z } from 'zod'
import { GameDay, GameDayList, GameDayReport, GameDayState, StartGameDay } from '../../contract/gameday'
import { SlosResponse } from '../../contract/slo'
import { ScenarioList } from '../../contract/gameday'
import { type CollectorDeps, callCollector, ConsoleError, describeIssues, getFromCollector, getTextFromCollector } from './collector-client'
import type { GameDaysView, GameDayView, SloBurn } from './gamedays-api'
import { isActiveState } from './gameday-view'

/**
 * Server side of the Game days page: reads and writes of the collector's game-day API
 * (query port, /api/v1/gamedays…). Writes are validated here first, so a bad request never
 * reaches the collector, and the collector's refusals (409 a drill already running, 503 the
 * controller cannot start one now) reach the operator with its own message.
 */


const newestFirst = (a: { created_at: string }, b: { created_at: string }) => Date.parse(b.created_at) - Date.parse(a.created_at)

/** Pure: the scenarios and game days as the page lists them (newest first, active ones apart). */
export function buildGameDays(scenarios: z.infer<typeof ScenarioList>, list: GameDayList, now: Date): GameDaysView {
  const gamedays = [...list.gamedays].sort(newestFirst)
  return {
    generatedAt: now.toISOString(),
    scenarios: [...scenarios.scenarios].sort((a, b) => a.name.localeCompare(b.name)),
    gamedays,
    active: gamedays.filter((g) => isActiveState(g.state)),
  }
}

export async function loadGameDays(deps: CollectorDeps, now: Date): Promise<GameDaysView> {
  const [scenarios, list] = await Promise.all([
    getFromCollector(deps, '/api/v1/gamedays/scenarios', {}, ScenarioList),
    getFromCollector(deps, '/api/v1/gamedays', {}, GameDayList),
  ])
  return buildGameDays(scenarios, list, now)
}

/** How many SLOs the live view shows: the ones burning fastest now. */
export const SLO_BURN_ROWS = 6

/** Pure: the SLOs' short-window burn for the live view, fastest first. */
export function sloBurn(res: SlosResponse): SloBurn[] {
  return res.slos
    .map((s) => ({
      id: s.id,
      description: s.description,
      objective: s.objective,
      burn5m: s.burn_rates['5m'] ?? null,
      burn1h: s.burn_rates['1h'] ?? null,
      budgetRemaining: s.sli.status === 'ok' ? s.budget_remaining : null,
      firing: s.firing_alerts.length > 0,
    }))
    .sort((a, b) => Number(b.firing) - Number(a.firing) || (b.burn5m ?? -1) - (a.burn5m ?? -1) || a.id.localeCompare(b.id))
    .slice(0, SLO_BURN_ROWS)
}

const GAMEDAY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

export function checkGameDayId(id: string): string {
  if (!GAMEDAY_ID.test(id)) throw new ConsoleError('invalid_parameter', `invalid game day id: got "${id.slice(0, 80)}", expected letters, digits and _.:- (at most 128)`, 'id')
  return id
}

const gamedayPath = (id: string, rest = '') => `/api/v1/gamedays/${encodeURIComponent(checkGameDayId(id))}${rest}`

/**
 * One game day with the SLOs' burn beside it (for the live view). The SLOs are a second read: if
 * it fails the drill is still shown, with the reason in place of the burn table.
 */
export async function loadGameDay(id: string, deps: CollectorDeps, now: Date): Promise<GameDayView> {
  const path = gamedayPath(id)
  const [gameday, slos] = await Promise.all([
    getFromCollector(deps, path, {}, GameDay).catch((err: unknown) => {
      if (err instanceof ConsoleError && err.upstreamStatus === 404) throw new ConsoleError('not_found', `no game day ${id} at the collector`)
      throw err
    }),
    getFromCollector(deps, '/api/v1/slos', {}, SlosResponse).then(
      (r) => ({ ok: true as const, rows: sloBurn(r) }),
      (err: unknown) => ({ ok: false as const, message: err instanceof Error ? err.message : String(err) }),
    ),
  ])
  return { generatedAt: now.toISOString(), gameday, sloBurn: slos.ok ? slos.rows : null, sloError: slos.ok ? null : slos.message }
}

/** Pure: the page's start request → the collector's StartGameDay, or a 400 naming the field. */
export function startRequest(body: unknown): StartGameDay {
  const parsed = StartGameDay.safeParse(body)
  if (!parsed.success) {
    const field = String(parsed.error.issues[0].path[0] ?? 'body')
    throw new ConsoleError('invalid_parameter', `invalid game day: ${describeIssues(parsed.error, 1)}`, field)
  }
  return parsed.data
}

const Started = z.object({ id: z.string().min(1) })
export async function startGameDay(body: unknown, deps: CollectorDeps): Promise<{ id: string }> {
  const res = await callCollector(deps, 'POST', '/api/v1/gamedays', {}, Started, startRequest(body))
  return { id: res.id }
}

const Aborted = z.object({ id: z.string().optional(), state: GameDayState.optional() })
export async function abortGameDay(id: string, deps: CollectorDeps): Promise<{ id: string; state: GameDayState | null }> {
  const res = await callCollector(deps, 'POST', gamedayPath(id, '/abort'), {}, Aborted, {})
  return { id, state: res.state ?? null }
}

export type ReportFormat = 'md' | 'json'

export function reportFormat(raw: string | null): ReportFormat {
  const f = raw ?? 'md'
  if (f !== 'md' && f !== 'json') throw new ConsoleError('invalid_parameter', `invalid format: got "${f.slice(0, 20)}", expected md or json`, 'format')
  return f
}

/** The collector's report as a file: Markdown as written, JSON checked against the contract. */
export async function loadReportFile(id: string, format: ReportFormat, deps: CollectorDeps): Promise<{ body: string; type: string; filename: string }> {
  const filename = `factorwatch-gameday-${checkGameDayId(id).replace(/[^A-Za-z0-9_.-]/g, '-')}.${format}`
  if (format === 'md') return { body: await getTextFromCollector(deps, gamedayPath(id, '/report.md'), 'text/markdown'), type: 'text/markdown; charset=utf-8', filename }
  const report = await getFromCollector(deps, gamedayPath(id, '/report.json'), {}, z.unknown())
  const parsed = GameDayReport.safeParse(report)
  if (!parsed.success) throw new ConsoleError('collector_bad_response', `collector report of ${id} does not match the expected shape: ${describeIssues(parsed.error)}`)
  return { body: `${JSON.stringify(report, null, 2)}\n`, type: 'application/json; charset=utf-8', filename }
}
