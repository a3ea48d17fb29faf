import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import {
  AlertHistoryResponse, AlertsResponse, AlertState, ExpiredResponse, IdResponse, MaintenanceCreate, MaintenanceResponse, RunbookResponse, Severity,
  SilenceCreate, SilencesResponse, SlosResponse, type MaintenanceWindow, type Silence,
} from '../../contract'
import { dashboardsPath, formatPath } from '../../dashboards/schema/yaml-file'
import { ErrorBody } from '../../contract/query'
import { readJsonBody } from '../query/body'
import { type RouteDocs } from '../query/openapi'
import type { ExtraRoute, RouteReply } from '../query/server'
import type { AlertEngine } from './engine'
import { badRegex, muteState, type Mute } from './silences'

const MAX_BODY = 64 * 1024
const DAY_MS = 86_400_000

const bad = (parameter: string, message: string): RouteReply => ({ status: 400, body: { error: { code: 'invalid_parameter', message: `${parameter}: ${message}`, parameter } } })
const notFound = (what: string): RouteReply => ({ status: 404, body: { error: { code: 'not_found', message: what } } })
/** Responses are checked against the contract before they leave: a drift is our bug, caught here. */
const ok = <S extends z.ZodType>(schema: S, body: z.infer<S>, status = 200): RouteReply => ({ status, body: schema.parse(body) })

function parseQuery<S extends z.ZodObject>(schema: S, url: URL): { ok: true; value: z.infer<S> } | { ok: false; reply: RouteReply } {
  const known = Object.keys(schema.shape)
  for (const k of url.searchParams.keys()) if (!known.includes(k)) return { ok: false, reply: bad(k, `unknown parameter, expected one of ${known.join(', ')}`) }
  const r = schema.safeParse(Object.fromEntries(url.searchParams))
  if (r.success) return { ok: true, value: r.data }
  const issue = r.error.issues[0]
  return { ok: false, reply: bad(formatPath(issue.path), issue.message) }
}

const isoParam = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))

/** Query parameters of the GET routes (also their OpenAPI parameters). */
const SLOS_QUERY = z.object({ id: z.string().optional() })
const ALERTS_QUERY = z.object({ id: z.string().optional(), state: AlertState.optional(), severity: Severity.optional() })
const HISTORY_QUERY = z.object({ from: isoParam.optional(), to: isoParam.optional(), alert: z.string().max(300).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(500) })

const E400 = ['invalid_parameter: a parameter or body field is unknown or invalid; `parameter` names it', ErrorBody] as const
const E404 = ['not_found', ErrorBody] as const
/** OpenAPI docs of one alerting route (collector/query/openapi.ts). */
const docs = (summary: string, responses: RouteDocs['responses'], more: Omit<RouteDocs, 'summary' | 'responses'> = {}): RouteDocs => ({ summary, responses, ...more })
const MUTE_ERRORS = { 400: E400, 413: ['body_too_large: the body exceeds 64 KiB', ErrorBody] as const }
const EXPIRE_ERRORS = { 404: E404, 409: ['read_only: declared in dashboards/maintenance.yaml; edit the file', ErrorBody] as const }

const silenceJson = (m: Mute, now: number): Silence => ({ id: m.id, matchers: m.matchers, startsAt: new Date(m.startsAt).toISOString(), endsAt: new Date(m.endsAt).toISOString(), createdBy: m.createdBy, comment: m.comment, state: muteState(m, now) })
const windowJson = (m: Mute, now: number): MaintenanceWindow => ({ id: m.id, name: m.name, matchers: m.matchers, startsAt: new Date(m.startsAt).toISOString(), endsAt: new Date(m.endsAt).toISOString(), comment: m.comment, source: m.source, state: muteState(m, now) })

/** The SLO and alerting routes of the query port (contract/slo.ts). */
export function alertingRoutes(engine: AlertEngine, now: () => number): ExtraRoute[] {
  const createMute = async (req: IncomingMessage, kind: Mute['kind']): Promise<RouteReply> => {
    const body = await readJsonBody(req, MAX_BODY)
    if (!body.ok) return body.reply
    const t = now()
    const parsed = kind === 'silence' ? SilenceCreate.safeParse(body.value) : MaintenanceCreate.safeParse(body.value)
    if (!parsed.success) return bad(formatPath(parsed.error.issues[0].path), parsed.error.issues[0].message)
    const v = parsed.data
    const regex = badRegex(v.matchers)
    if (regex) return bad(regex.split(':')[0], regex.slice(regex.indexOf(':') + 2))
    const startsAt = v.startsAt ? Date.parse(v.startsAt) : t
    const endsAt = Date.parse(v.endsAt)
    if (endsAt <= startsAt) return bad('endsAt', `got ${v.endsAt}, expected a time after startsAt`)
    if (endsAt <= t) return bad('endsAt', `got ${v.endsAt}, expected a time in the future`)
    const m: Mute = {
      id: randomUUID(), kind, name: 'name' in v ? v.name : '', matchers: v.matchers, startsAt, endsAt,
      createdBy: 'createdBy' in v ? v.createdBy : '', comment: v.comment, source: 'api',
    }
    await engine.saveMute(m)
    return ok(IdResponse, { id: m.id }, 201)
  }
  const expireMute = async (url: URL, kind: Mute['kind']): Promise<RouteReply> => {
    const id = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1))
    const m = engine.mutes().find((x) => x.id === id && x.kind === kind)
    if (!m) return notFound(`no ${kind} ${id.slice(0, 80)}`)
    if (m.source === 'file') return { status: 409, body: { error: { code: 'read_only', message: `${kind} ${id} comes from dashboards/maintenance.yaml; edit the file` } } }
    const t = now()
    if (m.endsAt > t) await engine.saveMute({ ...m, endsAt: Math.max(t, m.startsAt) })
    return ok(ExpiredResponse, { id, state: 'expired' })
  }

  return [
    { method: 'GET', path: '/api/v1/slos', permission: 'dashboards.read', handle: async (_req, url) => {
      const q = parseQuery(SLOS_QUERY, url)
      if (!q.ok) return q.reply
      const slos = (await engine.slos()).filter((s) => !q.value.id || s.id === q.value.id)
      if (q.value.id && slos.length === 0) return bad('id', `unknown SLO ${q.value.id.slice(0, 80)}`)
      return ok(SlosResponse, { generated_at: new Date(now()).toISOString(), slos })
    }, docs: docs('Each SLO with its SLI, error budget and burn rates', { 200: ['OK', SlosResponse], 400: E400 }, { params: SLOS_QUERY.shape, describe: { id: 'Only this SLO (its id in dashboards/slos.yaml).' } }) },
    { method: 'GET', path: '/api/v1/alerts', permission: 'dashboards.read', handle: async (_req, url) => {
      const q = parseQuery(ALERTS_QUERY, url)
      if (!q.ok) return q.reply
      const { id, state, severity } = q.value
      const alerts = engine.alerts().filter((a) => (!id || a.id === id) && (!state || a.state === state) && (!severity || a.severity === severity))
      return ok(AlertsResponse, { generated_at: new Date(now()).toISOString(), alerts })
    }, docs: docs('Each alert rule and its state', { 200: ['OK', AlertsResponse], 400: E400 }, { params: ALERTS_QUERY.shape, describe: { id: 'Only this alert rule.', state: 'Only alerts in this state.', severity: 'Only alerts of this severity.' } }) },
    { method: 'GET', path: '/api/v1/alerts/history', permission: 'dashboards.read', handle: async (_req, url) => {
      const q = parseQuery(HISTORY_QUERY, url)
      if (!q.ok) return q.reply
      const t = now()
      const toMs = q.value.to ?? t + 1
      const fromMs = q.value.from ?? toMs - 7 * DAY_MS
      if (fromMs >= toMs) return bad('from', 'expected a time before to')
      return ok(AlertHistoryResponse, { transitions: await engine.history({ fromMs, toMs, alertId: q.value.alert, limit: q.value.limit }) })
    }, docs: docs('Alert state transitions, newest first', { 200: ['OK', AlertHistoryResponse], 400: E400 }, {
      params: HISTORY_QUERY.shape,
      describe: { from: 'Start, ISO 8601 with an offset. Default: 7 days before `to`.', to: 'End, ISO 8601 with an offset. Default: now.', alert: 'Only this alert rule.', limit: 'Most transitions to return (default 500).' },
    }) },
    { method: 'GET', path: '/api/v1/silences', permission: 'dashboards.read', handle: async () => ok(SilencesResponse, { silences: engine.mutes().filter((m) => m.kind === 'silence').map((m) => silenceJson(m, now())) }),
      docs: docs('Silences (mute alerts matching their matchers)', { 200: ['OK', SilencesResponse] }) },
    { method: 'POST', path: '/api/v1/silences', permission: 'silences.write', action: 'silence.create', handle: (req) => createMute(req, 'silence'),
      docs: docs('Create a silence', { 201: ['Created', IdResponse], ...MUTE_ERRORS }, { body: SilenceCreate }) },
    { method: 'DELETE', path: '/api/v1/silences/{id}', permission: 'silences.write', action: 'silence.expire', handle: async (_req, url) => expireMute(url, 'silence'),
      docs: docs('Expire a silence now', { 200: ['Expired', ExpiredResponse], 404: E404 }, { describe: { id: 'The silence id.' } }) },
    { method: 'GET', path: '/api/v1/maintenance', permission: 'dashboards.read', handle: async () => ok(MaintenanceResponse, { windows: engine.mutes().filter((m) => m.kind === 'maintenance').map((m) => windowJson(m, now())) }),
      docs: docs('Maintenance windows (from the API and dashboards/maintenance.yaml)', { 200: ['OK', MaintenanceResponse] }) },
    { method: 'POST', path: '/api/v1/maintenance', permission: 'silences.write', action: 'maintenance.create', handle: (req) => createMute(req, 'maintenance'),
      docs: docs('Create a maintenance window', { 201: ['Created', IdResponse], ...MUTE_ERRORS }, { body: MaintenanceCreate }) },
    { method: 'DELETE', path: '/api/v1/maintenance/{id}', permission: 'silences.write', action: 'maintenance.expire', handle: async (_req, url) => expireMute(url, 'maintenance'),
      docs: docs('End a maintenance window now', { 200: ['Expired', ExpiredResponse], ...EXPIRE_ERRORS }, { describe: { id: 'The window id.' } }) },
    { method: 'GET', path: '/api/v1/runbooks/{name}', permission: 'dashboards.read', handle: async (_req, url) => {
      const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1)
      if (!/^[a-z0-9-]+$/.test(name)) return bad('name', 'expected a runbook name of lower-case letters, digits and dashes')
      const path = dashboardsPath(`runbooks/${name}.md`)
      if (!existsSync(path)) return notFound(`no runbook ${name}`)
      const markdown = readFileSync(path, 'utf8')
      return ok(RunbookResponse, { name, title: /^#\s+(.+)$/m.exec(markdown)?.[1] ?? name, markdown })
    }, docs: docs('One runbook (dashboards/runbooks/{name}.md)', { 200: ['OK', RunbookResponse], 400: E400, 404: E404 }, { describe: { name: 'Runbook name: lower-case letters, digits and dashes.' } }) },
  ]
}
