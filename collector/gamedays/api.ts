import { z } from 'zod'
import { GameDay, GameDayList, GameDayReport, StartGameDay } from '../../contract'
import { ScenarioList, scenarioSummary, type Scenario } from '../../dashboards/schema/gameday'
import { formatPath } from '../../dashboards/schema/yaml-file'
import { readJsonBody } from '../query/body'
import type { ExtraRoute, RouteReply } from '../query/server'
import { GameDayError, type GameDayController } from './controller'
import { reportMarkdown } from './report'
import type { RunRecord } from './types'

const MAX_BODY = 16 * 1024

const error = (status: number, code: string, message: string, parameter?: string): RouteReply => ({ status, body: { error: { code, message, ...(parameter ? { parameter } : {}) } } })
const bad = (parameter: string, message: string) => error(400, 'invalid_parameter', `${parameter}: ${message}`, parameter)
/** Responses are checked against the contract before they leave (a drift is our bug, caught here). */
const ok = <S extends z.ZodType>(schema: S, body: unknown, status = 200): RouteReply => ({ status, body: schema.parse(body) })

const fromError = (err: unknown): RouteReply => {
  if (!(err instanceof GameDayError)) throw err
  if (err.code === 'invalid') return bad(err.parameter ?? 'body', err.message)
  return error(err.code === 'not_found' ? 404 : 409, err.code, err.message, err.parameter)
}

/** `/api/v1/gamedays/{id}/…` → the id. */
const idAt = (url: URL) => decodeURIComponent(url.pathname.split('/')[4] ?? '')

/**
 * Settings a scenario needs before it can run for real: the IdP URL and the service key for
 * idp and runbook steps, the simulator URL for simulator steps. Names of the missing ones.
 */
export function missingSettings(s: Scenario, have: { idpUrl: boolean; idpKey: boolean; simulatorUrl: boolean }): string[] {
  const needIdp = s.steps.some((st) => st.target !== 'simulator')
  const needSim = s.steps.some((st) => st.target === 'simulator')
  return [
    ...(needIdp && !have.idpUrl ? ['COLLECTOR_IDP_URL'] : []),
    ...(needIdp && !have.idpKey ? ['COLLECTOR_IDP_SERVICE_KEY'] : []),
    ...(needSim && !have.simulatorUrl ? ['COLLECTOR_SIMULATOR_URL'] : []),
  ]
}

export interface GameDayApiOptions {
  controller: GameDayController
  scenarios: readonly Scenario[]
  settings: { idpUrl: boolean; idpKey: boolean; simulatorUrl: boolean }
}

/** The game-day routes of the query port (contract/gameday.ts; docs/gamedays.md). */
export function gameDayRoutes(o: GameDayApiOptions): ExtraRoute[] {
  const c = o.controller
  const found = (id: string): RunRecord | RouteReply => c.get(id) ?? error(404, 'not_found', `no game day "${id.slice(0, 80)}"`)
  const isReply = (x: object): x is RouteReply => 'status' in x && 'body' in x && !('id' in x)
  const withReport = async (id: string): Promise<RunRecord | RouteReply> => {
    const run = found(id)
    if (isReply(run)) return run
    return (await c.report(id)) ?? run
  }
  const finishedReport = async (id: string): Promise<{ run: RunRecord; report: GameDayReport } | RouteReply> => {
    const run = await withReport(id)
    if (isReply(run)) return run
    if (run.dry_run) return error(409, 'no_report', `game day ${id} is a dry run: nothing ran, so there is no report`)
    if (!run.report) return error(409, 'no_report', `game day ${id} is ${run.state}: the report comes when it has ended`)
    return { run, report: run.report }
  }
  return [
    { method: 'GET', path: '/api/v1/gamedays/scenarios', permission: 'dashboards.read', handle: async () => ok(ScenarioList, {
      scenarios: o.scenarios.map((s) => {
        const missing = missingSettings(s, o.settings)
        return { ...scenarioSummary(s), unavailable: missing.length ? `set ${missing.join(' and ')} on the collector to run it` : null }
      }),
    }) },
    { method: 'GET', path: '/api/v1/gamedays', permission: 'dashboards.read', handle: async () => ok(GameDayList, { gamedays: c.list() }) },
    { method: 'POST', path: '/api/v1/gamedays', permission: 'gamedays.write', action: 'gameday.start', handle: async (req) => {
      const body = await readJsonBody(req, MAX_BODY, { emptyAsNull: true })
      if (!body.ok) return body.reply
      const parsed = StartGameDay.safeParse(body.value)
      if (!parsed.success) return bad(formatPath(parsed.error.issues[0].path), parsed.error.issues[0].message)
      const s = c.scenario(parsed.data.scenario)
      if (s && !parsed.data.dryRun) {
        const missing = missingSettings(s, o.settings)
        if (missing.length) return { ...error(503, 'gamedays_unconfigured', `game days that touch ${s.steps.some((st) => st.target === 'simulator') ? 'the simulator' : 'the IdP'} need ${missing.join(' and ')} set on the collector (docs/gamedays.md)`), headers: { 'retry-after': '3600' } }
      }
      try {
        return ok(GameDay, await c.create(parsed.data), 201)
      } catch (err) {
        return fromError(err)
      }
    } },
    { method: 'GET', path: '/api/v1/gamedays/{id}', permission: 'dashboards.read', handle: async (_req, url) => {
      const run = await withReport(idAt(url))
      return isReply(run) ? run : ok(GameDay, run)
    } },
    { method: 'POST', path: '/api/v1/gamedays/{id}/abort', permission: 'gamedays.write', action: 'gameday.abort', handle: async (_req, url) => {
      try {
        return ok(GameDay, await c.abort(idAt(url)))
      } catch (err) {
        return fromError(err)
      }
    } },
    { method: 'GET', path: '/api/v1/gamedays/{id}/report.json', permission: 'dashboards.read', handle: async (_req, url) => {
      const r = await finishedReport(idAt(url))
      if (isReply(r)) return r
      return { ...ok(GameDayReport, r.report), headers: { 'content-disposition': `attachment; filename="${r.run.id}.json"` } }
    } },
    { method: 'GET', path: '/api/v1/gamedays/{id}/report.md', permission: 'dashboards.read', handle: async (_req, url) => {
      const r = await finishedReport(idAt(url))
      if (isReply(r)) return r
      return { status: 200, body: reportMarkdown(r.report, r.run), contentType: 'text/markdown; charset=utf-8', headers: { 'content-disposition': `attachment; filename="${r.run.id}.md"` } }
    } },
  ]
}
